"""The fault boundary of one submission: ``grade_task`` grades it and never raises.

Everything done for one submission on a worker happens inside ``grade_task``: materialising the
submission (its folder, a vetted extraction of its archive, or the archive bytes carried by the
task), drawing inputs, running the learner's code in the sandbox, judging, diagnosing, turning the
result into a strictly JSON-safe dict (non-finite floats become strings, see ``grader.model``) and
writing the learner's reports. What it returns is a plain ``TaskOutcome``:

- ``result``: the graded result as a dict (``SubmissionResult.to_dict()``);
- ``rejected``: the submission itself is unusable (e.g. a tampered archive), with the reason;
  that is the learner's fault and is kept;
- ``crashed``: anything else that was raised (a grader bug, a decoder that choked on what a
  child sent, a report that could not be rendered before the result existed): "grader error,
  will be re-run", with the reason. The batch goes on and a later run grades it again.

The local pool's workers call it with their own fork-server; a distributed worker calls the very
same function with the fork-server it started::

    from grader.boundary import Task, grade_task
    outcome = grade_task(Task("ada", "", seed, check_ids, payload=zip_bytes), sandbox)

A ``Task`` names its checks by id (checks hold functions and do not cross process boundaries).
It carries the submission either as ``path`` (a folder, or a ``.zip`` made by ``grade submit``, on
a filesystem the worker shares) or as ``payload``, for a worker that shares no filesystem: the bytes
of such a ``.zip`` (vetted and extracted as an archive on disk is), of a notebook, or of a folder's
graded files (written back as that folder).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ReportMode = Literal["all", "json", "none"]
MAX_PREPARED = 4096
MAX_REASON_CHARS = 2000  # an exception's text can be learner-controlled and arbitrarily long

GRADER_ERROR = "grader error, will be re-run"


@dataclass(frozen=True)
class Task:
    """Grade one learner (or, with ``result`` set, only write the reports of a stored result).

    ``path``: the submission's folder or ``.zip``; ``payload``: the bytes of a ``.zip`` made by
    ``grade submit`` instead (``path`` is then ignored), with ``payload_kind="folder"`` a folder's
    graded files (``grader.cluster.payload.pack_folder``), or with ``payload_kind="ipynb"`` of a
    handed-in notebook. ``out_dir``: where ``<learner>/`` reports
    go (None: no reports). ``shared_inputs``: every task of the batch has the same seed, so a
    worker prepares each check once for all of them.
    """

    learner: str
    path: str
    seed: int
    check_ids: tuple[str, ...]
    out_dir: str | None = None
    reports: ReportMode = "all"
    result: dict[str, Any] | None = None
    shared_inputs: bool = False
    payload: bytes | None = None
    payload_kind: Literal["zip", "ipynb", "folder"] = "zip"


@dataclass
class TaskOutcome:
    """What a worker sends back: a result as a dict, or why there is none."""

    learner: str
    result: dict[str, Any] | None = None
    rejected: str = ""  # the submission itself is unusable (e.g. a tampered archive)
    crashed: str = ""  # the grader failed; the submission should be graded again later
    report_error: str = ""
    latency_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def describe_error(exc: BaseException) -> str:
    """``Type: message``: the reason recorded for a grader error (see ``reason_text``)."""
    return reason_text(f"{type(exc).__name__}: {exc}")


def reason_text(text: str) -> str:
    """A recorded reason, capped and without control characters (an exception's text may quote
    what a learner sent)."""
    from grader.report.escape import capped_text

    return capped_text(text, MAX_REASON_CHARS)


def grade_task(task: Task, sandbox) -> TaskOutcome:
    """Grade (or, for a stored result, render) one task with ``sandbox`` (a started ``ForkServer``).

    Never raises an ``Exception``: whatever goes wrong becomes ``rejected`` or ``crashed`` in the
    outcome (see the module docstring)."""
    from grader.archive import ArchiveError

    started = time.perf_counter()
    outcome = TaskOutcome(learner=task.learner)
    try:
        if task.result is not None:
            _render_stored(task, outcome)
        else:
            _grade(task, sandbox, outcome)
    except ArchiveError as exc:
        outcome.rejected = reason_text(str(exc))
    except Exception as exc:  # noqa: BLE001 - the boundary: a grader fault fails this submission only
        outcome.result = None
        outcome.crashed = describe_error(exc)
        try:
            outcome.extra["traceback"] = traceback.format_exc(limit=8)[-8000:]
        except Exception:  # noqa: BLE001 - a traceback that cannot be formatted is simply left out
            pass
    outcome.latency_s = time.perf_counter() - started
    return outcome


def _grade(task: Task, sandbox, outcome: TaskOutcome) -> None:
    from grader.batch import Submission, grade_one
    from grader.engine import prepare
    from grader.model import require_finite_scores

    checks = checks_for(task.check_ids)
    preparer = shared_prepare if task.shared_inputs else prepare
    with _materialised(task) as path:
        result = grade_one(Submission(task.learner, path), checks, sandbox, task.seed, preparer)
    require_finite_scores(result)
    data = result.to_dict()  # strictly JSON-safe: what result.json, the reply and the gradebook read
    outcome.result = data
    _reports(result, data, task, outcome)


def _render_stored(task: Task, outcome: TaskOutcome) -> None:
    from grader.model import SubmissionResult

    result = SubmissionResult.from_dict(task.result)
    _reports(result, result.to_dict(), task, outcome)


def _reports(result, data: dict[str, Any], task: Task, outcome: TaskOutcome) -> None:
    """The learner's reports; a report that cannot be written costs the report, never the grade."""
    if not task.out_dir or task.reports == "none":
        return
    try:
        from grader.names import result_folder_name

        write_reports(result, data, Path(task.out_dir) / result_folder_name(task.learner), task.reports)
    except Exception as exc:  # noqa: BLE001 - the grade is kept even if its report cannot be written
        outcome.report_error = describe_error(exc)


def write_reports(result, data: dict[str, Any], folder: Path, mode: ReportMode) -> None:
    """``result.json`` (and, for ``mode="all"``, ``report.html`` and ``report.md``) in ``folder``;
    ``data`` is ``result.to_dict()``, made once for the reports and the reply."""
    from grader.report.render import render_json, write_learner_reports

    if mode == "all":
        write_learner_reports(result, folder, data)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "result.json").write_text(render_json(result, data), encoding="utf-8")


class _materialised:
    """The submission's path: ``task.path``, or the task's payload written to a private copy. A
    ``.zip`` (or ``.ipynb``) payload is written as one, named after the learner as ``grade submit``
    names it, so it is vetted and read exactly like one found on disk; a ``folder`` payload (see
    ``grader.cluster.payload``) becomes the folder it was taken from. The private copy is removed on
    exit and removal never raises."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.scratch: str | None = None

    def __enter__(self) -> Path:
        if self.task.payload is None:
            return Path(self.task.path)
        kind = self.task.payload_kind
        if kind not in ("zip", "ipynb", "folder"):
            raise ValueError(f"unknown payload kind {kind!r}")
        self.scratch = tempfile.mkdtemp(prefix="payload-", dir=_memory_folder())
        if kind == "folder":
            from grader.cluster.payload import unpack_folder

            folder = Path(self.scratch) / "submission"
            folder.mkdir()
            unpack_folder(self.task.payload, folder)
            return folder
        archive = Path(self.scratch) / f"{self.task.learner}.{kind}"
        fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.task.payload)
        return archive

    def __exit__(self, *exc) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _memory_folder() -> str | None:
    """``/dev/shm`` where it is a folder this process may write (a payload's copy is small and short-
    lived: kept in memory, it waits on no disk journal that the gradebook's commits keep busy),
    else None (the system's temporary folder)."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK) else None


# -- per-worker caches: checks by id, and checks prepared once per seed -----------------------------

_checks_cache: dict[tuple[str, ...], list] = {}
_prepared: dict[tuple[str, int], Any] = {}
_prepared_lock = threading.Lock()


def checks_for(check_ids: tuple[str, ...]) -> list:
    """The checks named by ``check_ids``, looked up once per worker."""
    if check_ids not in _checks_cache:
        from grader.suites import all_checks

        wanted = set(check_ids)
        _checks_cache[check_ids] = [c for c in all_checks() if c.check_id in wanted]
    return _checks_cache[check_ids]


def shared_prepare(check, seed: int):
    """``engine.prepare`` once per (check, seed) in this worker: learners sharing a seed share inputs."""
    from grader.engine import prepare

    key = (check.check_id, seed)
    with _prepared_lock:
        found = _prepared.get(key)
    if found is None:
        found = prepare(check, seed)
        with _prepared_lock:
            if len(_prepared) >= MAX_PREPARED:
                _prepared.clear()
            _prepared[key] = found
    return found
