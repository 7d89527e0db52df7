"""Turn a misconception into code: a submission folder, or a private package in the trusted process.

Both come from the same text: every file of ``solutions/`` with the variant's functions appended to
the module they patch (``name = replacement`` after the replacement's source), plus the imports
the replacement needs. Since every other module reads the patched name at import, the mistake
spreads exactly as a learner's would. ``run_variant`` calls the variant on a check's cases and
returns ``Outcome`` objects shaped like the sandbox's (values round-tripped through the wire).
"""
from __future__ import annotations

import importlib
import inspect
import shutil
import sys
import tempfile
import threading
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader.catalog import EXERCISE_FILES, EXERCISES
from grader.misconceptions.base import Misconception
from grader.reference import fresh_copy
from grader.sandbox import wire
from grader.sandbox.client import Outcome


def solutions_dir() -> Path:
    import solutions

    return Path(solutions.__file__).resolve().parent


def _free_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _free_names(const)
    return names


def _imports_for(function: Callable, module: str) -> list[str]:
    """Import lines giving ``function`` the names it uses that ``solutions.<module>`` lacks."""
    target = importlib.import_module(f"solutions.{module}")
    lines = []
    for name in sorted(_free_names(function.__code__)):
        value = function.__globals__.get(name)
        if value is None or hasattr(target, name):
            continue
        if isinstance(value, types.ModuleType):
            lines.append(f"import {value.__name__} as {name}")
        elif getattr(value, "__module__", "").startswith("solutions."):
            lines.append(f"from .{value.__module__.split('.', 1)[1]} import {name}")
        else:
            raise ValueError(f"{function.__name__} uses {name!r}, which no solutions module provides")
    return lines


def _patch_text(misconception: Misconception, key: str, function: Callable) -> str:
    module, name = key.split(".")
    return "\n".join([
        "", "", f"# misconception {misconception.id}: {name} is replaced",
        *_imports_for(function, module), "", "",
        inspect.getsource(function).rstrip(), "", "",
        f"{name} = {function.__name__}", "",
    ])


def variant_sources(misconception: Misconception) -> dict[str, str]:
    """File name → source text of the whole patched package (one file per exercise)."""
    folder = solutions_dir()
    sources = {name: (folder / name).read_text(encoding="utf-8") for name in EXERCISE_FILES}
    for key, function in misconception.patches.items():
        sources[f"{key.split('.')[0]}.py"] += _patch_text(misconception, key, function)
    return sources


def write_submission(misconception: Misconception, dest: Path) -> Path:
    """Write the variant as a learner submission folder (one file per exercise) at ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name, text in variant_sources(misconception).items():
        (dest / name).write_text(text, encoding="utf-8")
    return dest


_LOADED: dict[str, dict[str, types.ModuleType]] = {}
_LOADING = threading.Lock()  # batch grading may run workers as threads


def variant_modules(misconception: Misconception) -> dict[str, types.ModuleType]:
    """The variant imported in this (trusted) process as a private package; cached per id."""
    with _LOADING:
        if misconception.id not in _LOADED:
            _LOADED[misconception.id] = _load(misconception)
    return _LOADED[misconception.id]


def _load(misconception: Misconception) -> dict[str, types.ModuleType]:
    """Write the patched package to a scratch folder, import every module, then drop the folder."""
    package_name = "_misconception_" + misconception.id.replace("+", "__and__")  # a pair's id is "a+b"
    folder = Path(tempfile.mkdtemp(prefix="misconception-"))
    try:
        write_submission(misconception, folder)
        package = types.ModuleType(package_name)
        package.__path__ = [str(folder)]
        sys.modules[package_name] = package
        return {exercise: importlib.import_module(f"{package_name}.{exercise}") for exercise in EXERCISES}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class VariantRun:
    """A variant's results on a check's cases: sandbox-shaped ``outcomes`` and the ``raw`` values."""

    outcomes: list[Outcome]
    raw: list[Any]
    decoded: bool = True  # False: the ok outcomes' values are not round-tripped yet (``decode_values``)

    def decode_values(self) -> VariantRun:
        """Fill in the values of a run made with ``lazy_values``: the same wire round trip, done once."""
        if not self.decoded:
            self.outcomes = [_decoded(outcome, raw) if outcome.ok else outcome
                             for outcome, raw in zip(self.outcomes, self.raw)]
            self.decoded = True
        return self


def run_variant(misconception: Misconception, exercise: str, function: str, cases: list[tuple], *,
                lazy_values: bool = False, return_arguments: bool = False) -> VariantRun:
    """The variant on ``cases``. With ``lazy_values`` the ok outcomes carry no value until
    ``decode_values`` (a caller that compares ``raw`` and the errors first may never need them);
    with ``return_arguments`` a call's value is its arguments as the function left them."""
    call = getattr(variant_modules(misconception)[exercise], function)
    run = VariantRun([], [], decoded=not lazy_values)
    for args in cases:
        outcome, raw = _call(call, args, lazy_values=lazy_values, return_arguments=return_arguments)
        run.outcomes.append(outcome)
        run.raw.append(raw)
    return run


def _call(function: Callable, args: tuple, *, lazy_values: bool = False,
          return_arguments: bool = False) -> tuple[Outcome, Any]:
    """Call as the sandbox child does: private copies of the inputs, NumPy FP problems recorded;
    with ``return_arguments`` the value is those copies as the function left them."""
    fp_errors: list[str] = []
    try:
        with np.errstate(all="call"):
            previous = np.seterrcall(lambda kind, flag: fp_errors.append(kind))
            try:
                copies = fresh_copy(args)
                value = function(*copies)
                if return_arguments:
                    value = list(copies)
            finally:
                np.seterrcall(previous)
    except Exception as exc:  # noqa: BLE001 - a variant may fail as a learner's code does
        return Outcome(ok=False, kind="exception", message=f"{type(exc).__name__}: {exc}"[:500]), None
    outcome = Outcome(ok=True, fp_errors=tuple(sorted(set(fp_errors))))
    return (outcome if lazy_values else _decoded(outcome, value)), value


def _decoded(outcome: Outcome, value: Any) -> Outcome:
    """``outcome`` with ``value`` as the sandbox would have sent it (round-tripped through the wire)."""
    body = wire.decode(wire.encode({"value": value, "fp_errors": list(outcome.fp_errors)}, lenient=True))
    return Outcome(ok=True, value=body["value"], fp_errors=tuple(body["fp_errors"]))
