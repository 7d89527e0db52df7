"""The notebook's side of the checker: the ``%%exercise`` cell magic and ``check(exercise)``.

In a Jupyter kernel, ``%load_ext grader.notebook`` registers the magic. A cell that starts with
``%%exercise gru`` is run as the module ``exercises.gru`` (so later cells, and the learner's own
experiments, can import and call it) and its source is remembered. ``check("gru")`` then grades
the remembered sources exactly as ``grade check`` grades files: the same public checks, the same
sandbox, the same feedback, shown as HTML with a plain-text fallback.

The kernel keeps one fork-server warm for all its checks, so only the first check pays for
starting it. Learner code runs in the kernel because the learner asked for it; for grading it
runs only in the sandbox, never in this process's grader.
"""
from __future__ import annotations

import __future__
import atexit
import linecache
import sys
import tempfile
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.catalog import EXERCISES, resolve_exercise
from grader.model import SubmissionResult
from grader.notebook.cells import MAGIC, exercise_tag

_sources: dict[str, str] = {}  # module -> the source of the last run of its cell in this kernel
_sandbox_lock = threading.Lock()
_sandbox = None


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext grader.notebook``: register the ``%%exercise`` cell magic."""

    def exercise(line: str, cell: str) -> None:
        run_exercise_cell(line, cell, ipython.user_ns)

    ipython.register_magic_function(exercise, magic_kind="cell", magic_name=MAGIC.lstrip("%"))


def run_exercise_cell(line: str, cell: str, namespace: dict[str, Any]) -> types.ModuleType:
    """Remember ``cell`` as the module named on the magic's ``line`` and run it as ``exercises.<module>``.

    Its public names are also put in ``namespace`` (the notebook's), so the learner can call them.
    An error in the cell propagates to the notebook as usual; the source is remembered either way,
    so ``check`` reports the same error from the sandbox.
    """
    try:
        module_name = resolve_exercise(line.strip())
    except ValueError as exc:
        raise UsageError(f"{exc}; write the magic as `{MAGIC} gru`") from None
    _sources[module_name] = cell
    qualified = f"exercises.{module_name}"
    filename = f"<{exercise_tag(module_name)}>"
    linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)  # tracebacks show the cell
    module = types.ModuleType(qualified)
    module.__file__ = filename
    module.__package__ = "exercises"  # the cell may import its siblings relatively, as a file could
    _exercises_package().__dict__[module_name] = module
    sys.modules[qualified] = module
    exec(compile(cell, filename, "exec"), module.__dict__)  # noqa: S102 - the learner's own code, in their kernel
    namespace.update({k: v for k, v in module.__dict__.items()
                      if not k.startswith("_") and not isinstance(v, (types.ModuleType, __future__._Feature))})
    return module


class UsageError(ValueError):
    """The magic or ``check`` was called with something that names no exercise."""


def _exercises_package() -> types.ModuleType:
    """The ``exercises`` package the cells' modules live in (the handout's, or an empty one)."""
    try:
        import exercises
    except ImportError:
        exercises = types.ModuleType("exercises")
        exercises.__path__ = []
        sys.modules["exercises"] = exercises
    return exercises


@dataclass
class CheckReport:
    """The outcome of ``check``: shown as HTML in a notebook, as text anywhere else."""

    result: SubmissionResult | None
    note: str = ""
    problems: list[str] = field(default_factory=list)  # why nothing could be graded

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.score == self.result.max_score

    def _repr_html_(self) -> str:
        from grader.report.render import render_notebook_html

        return render_notebook_html(self.result, note=self.note, problems=self.problems)

    def __repr__(self) -> str:
        if self.result is None:
            return "\n".join(self.problems)
        from grader.report.render import render_terminal

        return render_terminal(self.result, colour=False, public_note=self.note).rstrip()


def check(exercise: str, *, seed: int | None = None) -> CheckReport:
    """Grade the code of the last run of ``exercise``'s cell (and the other cells run so far) on its
    public checks; returns a ``CheckReport`` that the notebook displays."""
    from grader.engine import grade_submission
    from grader.fixtures import FixtureError
    from grader.local_check import LocalCheckError, public_run

    try:
        module_name = resolve_exercise(exercise)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if module_name not in _sources:
        return CheckReport(None, problems=[f"Run the cell that starts with `{MAGIC} {module_name}` first: "
                                           "the check grades the code of its last run in this kernel."])
    try:
        run = public_run([module_name], seed=seed)
    except LocalCheckError as exc:
        return CheckReport(None, problems=[str(exc)])
    with tempfile.TemporaryDirectory(prefix="notebook-check-") as folder:
        for name, source in _sources.items():
            (Path(folder) / f"{name}.py").write_text(source, encoding="utf-8")
        try:
            result = grade_submission(Path(folder), learner="you", checks=run.checks, sandbox=warm_sandbox(),
                                      seed=run.seed, preparer=run.preparer)
        except FixtureError as exc:  # a fixture file changed since the handout was built: read as it is used
            return CheckReport(None, problems=[str(exc)])
    earlier = list(EXERCISES)[:list(EXERCISES).index(module_name)]  # the modules this one may build on
    unrun = [name for name in earlier if name not in _sources]
    note = run.note
    if unrun:
        note += (" Earlier exercise cells not run in this kernel, so not part of this check: "
                 + ", ".join(unrun) + ".")
    return CheckReport(result, note=note)


def warm_sandbox():
    """This kernel's fork-server: started by the first check, closed at exit (``ForkServer`` itself
    starts a new process when the old one has died)."""
    global _sandbox
    from grader.sandbox.client import ForkServer

    with _sandbox_lock:
        if _sandbox is None:
            _sandbox = ForkServer()
            atexit.register(_close_sandbox)
        _sandbox.start()
        return _sandbox


def _close_sandbox() -> None:
    global _sandbox
    with _sandbox_lock:
        server, _sandbox = _sandbox, None
    if server is not None:
        try:
            server.close()
        except Exception:  # noqa: BLE001 - closing at interpreter exit must not raise
            pass


def forget_cells() -> None:
    """Forget every remembered cell (as a fresh kernel would)."""
    _sources.clear()
