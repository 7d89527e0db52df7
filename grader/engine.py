"""Grade one submission: draw inputs, compute expected values, run the learner's code, judge.

The steps, in order (each a small function):
  1. ``select``   — the checks to run; hidden ones only when the sandbox isolates files (fail closed)
  2. ``prepare``  — inputs from the seed and expected values from ``solutions/`` (trusted process)
  3. ``execute``  — every call in the first batch of one sandbox session (``ForkServer.session``: one
     confined child that imports the learner's modules once; a crash costs only the calls it hit,
     and the calls after it get a fresh child); a symbolic check sends its call with SymPy symbols
     and the first point of its integer grid, and the rest of the grid follows as a second batch
     to the same child only when the function could not take the symbols
  4. ``judge``    — outcomes → ``CheckResult`` objects
  5. ``diagnose`` — failing checks get a matched misconception or where the error starts; its
     localisation probes are one more batch of the same session, sent only when a check fails

The session ends right after step 5, so a submission whose checks all pass costs one child that
is reaped after its single batch, and a failing one costs the same child kept for a batch or two.
"""
from __future__ import annotations

import importlib
import importlib.util
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from grader import __version__
from grader.judge import Prepared, judge
from grader.model import CheckResult, SubmissionResult
from grader.reference import expected_value, solutions_available
from grader.sandbox.client import Call, ForgedReport, ForkServer, RunCalls, SandboxFailure
from grader.sandbox.confine import file_isolation_active
from grader.sandbox.wire import SympyText
from grader.suites import Check

HIDDEN_SKIPPED_NOTE = ("Hidden checks were not run: no file-isolation layer of the sandbox is active on "
                       "this machine, so learner code could read the answers. Run `grade doctor` to see why.")
HIDDEN_DISCARDED_NOTE = ("Hidden checks were not counted: this run's sandbox did not isolate files (unlike the "
                         "start-up probe), so learner code could have read the answers. They must be re-run.")


def prepare(check: Check, seed: int) -> Prepared:
    made = check.make_inputs(check.rng(seed))
    cases = list(made) if check.kind in ("count", "symbolic") else [made]
    if check.judges_arguments:  # the arguments must come back as drawn (the references never modify them)
        expected = [list(args) for args in cases]
    else:
        expected = [expected_value(check.exercise, check.function, args) for args in cases]
    return Prepared(check=check, seed=seed, cases=cases, expected=expected)


Preparer = Callable[[Check, int], Prepared]


def grade_submission(submission_dir: Path, learner: str, checks: list[Check], *, sandbox: ForkServer,
                     seed: int, trusted_code: bool = False, preparer: Preparer = prepare) -> SubmissionResult:
    """Grade ``submission_dir`` (one learner's exercise files) on ``checks``; never raises for learner faults.

    ``trusted_code`` is for the project's own references and stubs (``grade verify``): hidden checks
    then run even where no file-isolation layer is active. ``preparer`` draws inputs and expected
    values for a check (default: from the seed and ``solutions/``).
    """
    started = time.perf_counter()
    result = SubmissionResult(learner=learner, seed=seed, grader_version=__version__,
                              graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    hidden = any(c.visibility == "hidden" for c in checks)
    if hidden and not trusted_code:  # only hidden checks need the layers known before the run
        result.sandbox = sandbox.layers()
        if not file_isolation_active(result.sandbox):
            checks = [c for c in checks if c.visibility != "hidden"]
            result.notes.append(HIDDEN_SKIPPED_NOTE)
    prepared = [preparer(check, seed) for check in checks]
    first_cases = [_first_run_cases(p) for p in prepared]
    calls = [Call(p.check.exercise, p.check.function, args, p.check.judges_arguments)
             for p, cases in zip(prepared, first_cases) for args in cases]
    try:
        session = sandbox.session(Path(submission_dir), calls)
    except SandboxFailure as exc:
        result.checks = [_grader_fault(p, exc) for p in prepared]
        result.notes.append(f"The grader's sandbox failed ({exc}); these checks must be re-run.")
        result.duration_s = time.perf_counter() - started
        return result
    with session:  # ends here: right after judging when every check passed
        report = session.first
        position, groups = 0, []
        for cases in first_cases:
            groups.append(report.outcomes[position:position + len(cases)])
            position += len(cases)
        layers, faults = _run_grids(prepared, groups, session.run, dict(report.layers))
        for item, group in zip(prepared, groups):
            result.checks.append(faults[id(item)] if id(item) in faults else judge(item, group))
        if faults:
            result.notes.append("The grader's sandbox failed while checking formulas on integer sizes; "
                                "those checks must be re-run.")
        result.exercise_notes = _diagnose(prepared, groups, result.checks, session.run) or {}
    _conceal_hidden_magnitudes(result.checks)
    if session.forged:  # found in a follow-up batch: the first batch's outcomes cannot be trusted either
        result.checks = [_grader_fault(p, ForgedReport(session.forged)) for p in prepared]
        result.notes.append(f"The submission wrote reports of its own to the sandbox ({session.forged}); "
                            "none of its checks could be graded.")
    elif session.budget_used_up:
        result.notes.append("The submission used up its time budget for all of its calls together: "
                            "the checks it did not reach score 0.")
    _record_run_layers(result, layers, trusted_code)
    result.duration_s = round(time.perf_counter() - started, 4)
    return result


def _first_run_cases(item: Prepared) -> list[tuple]:
    """The cases of the main run. A symbolic check sends its call with symbols and the first point
    of its integer grid: the rest of the grid matters only when the symbols fail and that first
    point does not (judging stops at the first failing point), and then runs in ``_run_grids``."""
    return item.cases[:2] if item.check.kind == "symbolic" else item.cases


def _needs_grid(item: Prepared, group: list) -> bool:
    if item.check.kind != "symbolic" or len(item.cases) <= 2 or len(group) < 2:
        return False
    symbolic, first_point = group[0], group[1]
    return not (symbolic.ok and isinstance(symbolic.value, SympyText)) and first_point.ok


def _run_grids(prepared: list[Prepared], groups: list, run_calls: RunCalls,
               layers: dict[str, str]) -> tuple[dict[str, str], dict[int, CheckResult]]:
    """Run the rest of the integer grids of the symbolic checks that need them, in one more batch
    of the session (``run_calls``), appending the outcomes to their groups. Returns the layers of
    both batches (the weakest report of each layer wins) and a grader-fault result per check whose
    grid could not be run."""
    wanted = [k for k, group in enumerate(groups) if _needs_grid(prepared[k], group)]
    if not wanted:
        return layers, {}
    calls = [Call(prepared[k].check.exercise, prepared[k].check.function, args)
             for k in wanted for args in prepared[k].cases[2:]]
    try:
        report = run_calls(calls)
    except SandboxFailure as exc:
        return layers, {id(prepared[k]): _grader_fault(prepared[k], exc) for k in wanted}
    position = 0
    for k in wanted:
        size = len(prepared[k].cases) - 2
        groups[k] = groups[k] + report.outcomes[position:position + size]
        position += size
    for name, state in report.layers.items():
        if layers.get(name, "active") == "active":
            layers[name] = state
    return layers, {}


def _record_run_layers(result: SubmissionResult, layers: dict[str, str], trusted_code: bool) -> None:
    """The layers the run really got replace the probe's; hidden results of a run that turned out to
    lack file isolation are dropped (fail closed after the fact)."""
    if not layers:
        return
    result.sandbox = dict(layers)
    if not trusted_code and not file_isolation_active(layers) and any(c.visibility == "hidden" for c in result.checks):
        result.checks = [c for c in result.checks if c.visibility != "hidden"]
        result.notes.append(HIDDEN_DISCARDED_NOTE)


def _diagnose(prepared: list[Prepared], groups: list, checks: list[CheckResult],
              run_calls: RunCalls) -> dict[str, list[str]] | None:
    """Name misconceptions and localise errors (``grader.diagnose``), where the full grader is installed.

    Imported by name: a learner handout ships neither ``grader.diagnose`` nor ``solutions/``; it
    explains from the evidence its fixtures store instead (``grader.explain.FixtureSource``).
    Returns the notes for the top of each exercise (root causes), if any.
    """
    if all(c.status == "passed" for c in checks):
        return None
    if solutions_available() and importlib.util.find_spec("grader.diagnose") is not None:
        return importlib.import_module("grader.diagnose").diagnose(prepared, groups, checks, run_calls=run_calls)
    if any(item.diagnosis for item in prepared):  # a handout: the evidence stored in its public fixtures
        from grader.explain import FixtureSource, explain

        return explain(prepared, groups, checks, run_calls=run_calls, source=FixtureSource())
    return None


def _conceal_hidden_magnitudes(checks: list[CheckResult]) -> None:
    """Hidden checks keep no error magnitudes: the diagnosis's per-layer error curves hold
    ``|learner − expected|``, which is ``|expected|`` wherever a learner returns zeros."""
    for check in checks:
        if check.visibility == "hidden":
            check.details.pop("error_over_time", None)


def _grader_fault(item: Prepared, exc: Exception) -> CheckResult:
    check = item.check
    return CheckResult(exercise=check.exercise, function=check.function, name=check.name, score=0.0,
                       max_score=float(check.points), status="error", visibility=check.visibility,
                       seed=item.seed, message=f"not graded: the grader failed ({exc})",
                       details={"error_kind": "grader"})
