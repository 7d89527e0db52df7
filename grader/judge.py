"""Turn the sandbox's outcomes for one check into a ``CheckResult``.

Array checks get partial credit per output part (e.g. ``h`` and ``c`` of an LSTM step); count checks
per case; symbolic checks compare the learner's formula with the reference's, falling back to a grid
of integer points when the learner's function cannot take SymPy symbols. (The engine runs the grid
past its first point only then, and judging stops at the first failing point, so the outcomes of
a symbolic check may end early: ``[symbolic, first point]``.)
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.compare import PartResult, compare_array, compare_count, flatten, gradient_summary
from grader.model import CheckResult
from grader.report.escape import capped_text
from grader.sandbox import wire
from grader.sandbox.client import Outcome
from grader.sandbox.fpmode import MODE_CHANGED
from grader.sandbox.wire import SympyText
from grader.suites.base import Check

if TYPE_CHECKING:
    import sympy

MAX_LEARNER_MESSAGE = 2000

ERROR_ADVICE = {
    "missing": "Define the function with exactly the name and signature of the stub.",
    "not_implemented": "Replace the `raise NotImplementedError` with your implementation.",
    "import": "Fix the module so it imports cleanly: run `python -c 'import exercises.{module}'`.",
    "timeout": "Look for a loop that never ends (a `while` whose condition never changes?).",
}


@dataclass
class Prepared:
    """A check with its inputs drawn and expected values computed (trusted side only)."""

    check: Check
    seed: int
    cases: list[tuple]
    expected: list[Any]
    diagnosis: dict[str, Any] | None = None  # stored evidence for explaining a failure (handout fixtures)

    @functools.cached_property
    def cases_digest(self) -> str:
        """SHA-256 of the cases as they cross the wire: what caches of runs on these cases are keyed
        by. Computed once per ``Prepared``, which learners sharing their inputs share too."""
        return hashlib.sha256(wire.encode(self.cases)).hexdigest()


def judge(prepared: Prepared, outcomes: list[Outcome], *, verdict_only: bool = False) -> CheckResult:
    """``verdict_only``: wrong array values get no message or details (status and score are the same)."""
    check = prepared.check
    result = CheckResult(exercise=check.exercise, function=check.function, name=check.name, score=0.0,
                         max_score=float(check.points), status="failed", visibility=check.visibility,
                         seed=prepared.seed, hint=check.hint)
    failed = next((o for o in outcomes if not o.ok), None)
    if failed is not None and check.kind != "symbolic":
        return _error(result, failed, check)
    if check.kind == "array":
        judged = _judge_array(result, check, prepared.expected[0], outcomes[0], verdict_only)
        if check.chart == "log_norms" and not verdict_only:
            judged.details["log_norms"] = log_norm_curves(prepared.cases[0][0], prepared.expected[0], outcomes[0].value)
        return judged
    if check.kind == "count":
        return _judge_counts(result, check, prepared, outcomes)
    return _judge_symbolic(result, check, prepared, outcomes)


def learner_message(text: str) -> str:
    """A message that came from the sandbox (so possibly from learner code: an exception's text, or
    a frame the learner forged), as the trusted side keeps it: without control characters and at
    most ``MAX_LEARNER_MESSAGE`` characters, whatever the child did or did not cap."""
    return capped_text(text, MAX_LEARNER_MESSAGE)


def _error(result: CheckResult, outcome: Outcome, check: Check) -> CheckResult:
    result.status = "error"
    result.message = learner_message(outcome.message)
    result.details["error_kind"] = outcome.kind
    advice = ERROR_ADVICE.get(outcome.kind)
    if advice:
        result.message += "\n" + advice.format(module=check.exercise)
    return result


def _judge_array(result: CheckResult, check: Check, expected: Any, outcome: Outcome,
                 verdict_only: bool = False) -> CheckResult:
    names = check.outputs[0] if len(check.outputs) == 1 else (check.outputs or "the result")
    label = names if isinstance(names, str) else "the result"
    leaves = flatten(expected, outcome.value, names, label)
    if isinstance(leaves, PartResult):
        return _finish(result, [leaves], 1)
    parts = [compare_array(name, exp, got, check.tolerance, check.axes.get(name, _default_axes(name, check)),
                           hidden=check.visibility == "hidden", verdict_only=verdict_only)
             for name, exp, got in leaves]
    warnings = fp_warnings(outcome)
    if check.forbid_fp_warnings and MODE_CHANGED in warnings:
        parts.append(PartResult("warnings", False, "fp",
                                "Your function changed NumPy's floating-point error handling while it ran "
                                "(np.errstate, np.seterr or np.seterrcall), so overflow cannot be ruled out; "
                                "compute without overflow instead of silencing the warning."))
    elif check.forbid_fp_warnings and warnings:
        parts.append(PartResult("warnings", False, "fp",
                                f"NumPy reported floating-point problems ({', '.join(warnings)}) "
                                "while computing this; the result must come without overflow warnings."))
    _finish(result, parts, len(parts))
    summary = gradient_summary(parts)
    if summary:
        result.message += "\n" + summary
    return result


def _log10_by_distance(norms: Any) -> list[float | None] | None:
    """log10 of ``norms[k, 0]`` ordered by distance T − k = 1 … T; ``None`` where not a positive finite number."""
    if not isinstance(norms, np.ndarray) or norms.ndim != 2 or norms.dtype != np.float64 or not norms.size:
        return None
    column = norms[::-1, 0]
    return [float(np.log10(v)) if np.isfinite(v) and v > 0 else None for v in column]


def log_norm_curves(cell: Any, expected: Any, got: Any) -> dict[str, Any]:
    """The data of a gradient-norm chart: log10 ‖∂s_T/∂s_k‖ of batch row 0 against the distance T − k,
    for the reference and (when it has the expected shape) the learner's values."""
    reference = _log10_by_distance(expected)
    same_shape = isinstance(got, np.ndarray) and got.shape == np.shape(expected)
    return {"cell": str(cell), "reference": reference, "yours": _log10_by_distance(got) if same_shape else None}


def fp_warnings(outcome: Outcome) -> list[str]:
    """The floating-point problems NumPy reported for a call; underflow to 0 is exact here, so not one."""
    return [kind for kind in outcome.fp_errors if kind != "underflow"]


def _default_axes(name: str, check: Check) -> tuple[str, ...]:
    if name.startswith("finals") or name in ("h", "c", "r", "z", "h~", "f", "i", "o", "c~", "gate"):
        return ("n", "unit")
    return ()


def _finish(result: CheckResult, parts: list[PartResult], shares: int) -> CheckResult:
    good = sum(p.ok for p in parts)
    result.score = result.max_score * good / max(shares, 1)  # unrounded, so thirds add up exactly
    bad = [p for p in parts if not p.ok]
    result.status = "passed" if not bad else "failed"
    result.message = "\n".join(p.message for p in bad)
    if bad:
        result.details["parts"] = [{"label": p.label, "ok": p.ok, "problem": p.problem, **p.details} for p in parts]
        result.details["problem"] = bad[0].problem
    return result


def _judge_counts(result: CheckResult, check: Check, prepared: Prepared, outcomes: list[Outcome]) -> CheckResult:
    parts = []
    for args, expected, outcome in zip(prepared.cases, prepared.expected, outcomes):
        ok, text = compare_count(expected, outcome.value, show_expected=check.visibility == "public")
        parts.append(PartResult(f"{check.function}{_args_text(args)}", ok, "" if ok else "values",
                                f"{check.function}{_args_text(args)} {text}" if text else ""))
    return _finish(result, parts, len(parts))


def _judge_symbolic(result: CheckResult, check: Check, prepared: Prepared, outcomes: list[Outcome]) -> CheckResult:
    symbolic, grid = outcomes[0], outcomes[1:]
    reference = prepared.expected[0]
    if symbolic.ok and isinstance(symbolic.value, SympyText):
        verdict, message = formula_verdict(str(symbolic.value), reference)
        return _symbolic_verdict(result, verdict, message)
    # The function could not take symbols (e.g. it used int() or math): check a grid of integer sizes.
    failed = next((o for o in grid if not o.ok), None)
    if failed is not None:
        return _error(result, failed, check)
    wrong = [args for args, exp, o in zip(prepared.cases[1:], prepared.expected[1:], grid)
             if not compare_count(exp, o.value, show_expected=False)[0]]
    note = ("It could not be called with SymPy symbols"
            + (f" ({learner_message(symbolic.message.splitlines()[0])})" if not symbolic.ok and symbolic.message else "")
            + f", so it was checked on {len(grid)} integer sizes instead")
    if not wrong:
        return _symbolic_verdict(result, True, "")
    return _symbolic_verdict(result, False, f"{note}: it is wrong for {len(wrong)} of them, e.g. "
                                             f"{check.function}{_args_text(wrong[0])}.")


@functools.lru_cache(maxsize=4096)
def formula_verdict(text: str, reference: sympy.Expr) -> tuple[bool, str]:
    """Whether the formula ``text`` a learner's function built equals ``reference``, and what to say
    if not. Remembered: the formulas do not depend on the inputs' seed, and a class writes the same
    few (parsing and deciding equivalence costs ~1 ms each)."""
    from grader.formula import FormulaError, FormulaUndecided, equivalent, parse_formula  # SymPy: only symbolic checks need it

    try:
        learner = parse_formula(text, ["d", "h"])
    except FormulaError as exc:
        return False, f"the formula your function built could not be read: {exc}"
    try:
        if equivalent(learner, reference):
            return True, ""
    except FormulaUndecided as exc:
        return False, f"the formula your function built could not be compared with the right one: {exc}"
    return False, f"called with symbols d and h it returns {learner}, which is not the right formula."


def _symbolic_verdict(result: CheckResult, ok: bool, message: str) -> CheckResult:
    result.status = "passed" if ok else "failed"
    result.score = result.max_score if ok else 0.0
    result.message = message
    if not ok:
        result.details["problem"] = "values"
    return result


def _args_text(args: tuple) -> str:
    return "(" + ", ".join(repr(a) if isinstance(a, str) else str(a) for a in args) + ")"
