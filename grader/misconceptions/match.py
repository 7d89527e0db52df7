"""Does a learner's output on a failing check match a known misconception?

A misconception matches when its variant, run on the check's own cases, loses points on the check
(it is visible on these inputs) and the learner's outcomes agree with the variant's: the same
values within the check's tolerance (judged exactly as a grade is, with the variant's values as
the expected ones), the same overflow warnings where the check forbids them, or the same error
(exception type and text, e.g. a matmul shape mismatch) at the same case.
"""
from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict

from grader.judge import Prepared, fp_warnings, judge
from grader.misconceptions import Misconception, for_function
from grader.misconceptions.variants import VariantRun, run_variant
from grader.sandbox import wire
from grader.sandbox.client import Outcome

_RUNS: OrderedDict[tuple[str, str, str], list] = OrderedDict()  # key -> [run, visible or None]
MAX_CACHED_RUNS = 2048
_RUNS_LOCK = threading.Lock()


def find_misconception(item: Prepared, learner: list[Outcome]) -> Misconception | None:
    """The first misconception (catalogue order) whose variant reproduces ``learner`` on ``item``."""
    digest = hashlib.sha256(wire.encode(item.cases)).hexdigest()
    for misconception in for_function(item.check.function):
        entry = _cached_run(misconception, item, digest)
        if same_outcomes(item, learner, entry[0]) and _visible(item, entry):
            return misconception
    return None


def _cached_run(misconception: Misconception, item: Prepared, digest: str) -> list:
    """``[run, visible]``: the variant's run on the cases, and whether it loses points there (else it
    explains nothing; ``None`` until asked, see ``_visible``).

    Both depend only on the cases, which many submissions share in a batch or a mutation report.
    """
    key = (misconception.id, item.check.check_id, digest)
    with _RUNS_LOCK:
        cached = _RUNS.get(key)
    if cached is None:
        cached = [run_variant(misconception, item.check.exercise, item.check.function, item.cases), None]
        with _RUNS_LOCK:
            _RUNS[key] = cached
            while len(_RUNS) > MAX_CACHED_RUNS:
                _RUNS.popitem(last=False)
    return cached


def _visible(item: Prepared, entry: list) -> bool:
    """Whether the variant loses points on the cases; judged only for variants the learner matches."""
    if entry[1] is None:
        entry[1] = judge(item, entry[0].outcomes, verdict_only=True).status != "passed"
    return entry[1]


def same_outcomes(item: Prepared, learner: list[Outcome], run: VariantRun) -> bool:
    start = 1 if item.check.kind == "symbolic" else 0  # judge falls back to the grid when symbols fail
    learner_error, variant_error = _first_error(learner, start), _first_error(run.outcomes, start)
    if learner_error or variant_error:
        return (learner_error is not None and variant_error is not None and learner_error[0] == variant_error[0]
                and learner_error[1].kind == variant_error[1].kind == "exception"
                and _head(learner_error[1].message) == _head(variant_error[1].message))
    check = dataclasses.replace(item.check, forbid_fp_warnings=False)
    if judge(dataclasses.replace(item, check=check, expected=run.raw), learner, verdict_only=True).status != "passed":
        return False
    if item.check.forbid_fp_warnings:
        return bool(fp_warnings(learner[0])) == bool(fp_warnings(run.outcomes[0]))
    return True


def _first_error(outcomes: list[Outcome], start: int) -> tuple[int, Outcome] | None:
    return next(((k, o) for k, o in enumerate(outcomes) if k >= start and not o.ok), None)


def _head(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""
