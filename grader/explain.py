"""Explain failing checks from a *source* of evidence: localise the error, name a matched cause.

The logic here needs no references, so the learner handout ships it. What it needs comes from a
``Source``: the localisation probes of a check (inputs with the reference's answers), the hints,
and the matching of a learner's outcomes against known misconceptions. In the full grader the
source computes them (``grader.diagnose``); in a handout it reads what ``grade handout`` stored in
the public fixtures (``FixtureSource``: each misconception's *outputs* on the public cases, never
its code), so ``grade check`` names the same causes on the public checks as the full grader.

For each failing check, in suite order:

1. localise: the learner's own pieces of a cell, sigmoid under a gate, first cell step under a
   sequence or stack, first 1, 2, … layers of a stack (run in one more batch of the grading
   session, ``run_calls``, only when a check fails); for the overflow check, the learner's sigmoid
   on each side of zero alone.
2. match: record ``details["misconception"] = {"id", "message"}`` for the first cause the source
   finds, those named earlier in the submission first; the hint follows the diagnosis.
3. root causes first (``grader.causes``).

Diagnosis never changes a score, and a failure inside it changes nothing.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Collection, Protocol, Sequence

import numpy as np

from grader import masked_localise
from grader.causes import CELL_FUNCTION, EXERCISE_OF, Checked, explain_roots
from grader.compare import compare_array, error_over_time
from grader.judge import Prepared, fp_warnings, judge
from grader.model import CheckResult
from grader.sandbox.client import Call, Outcome, RunCalls, SandboxFailure

# Errors that leave nothing to explain: the function is absent, unfinished or never ran.
UNEXPLAINED_ERRORS = {"missing", "not_implemented", "import", "timeout", "crash", "grader"}
LAYERED = ("stacked_forward", "deep_bidirectional_forward")
OVERFLOW_FORMS = ("naive_sigmoid_overflow", "where_evaluates_both_branches")
COMBINED = {"gru_cell": "h = (1 − z) ⊙ h_prev + z ⊙ h~ from your r, z and h~",
            "lstm_cell": "the step wires them together: each gate reads (x, h_prev), then c and h"}
Planned = tuple  # (function, label, args, expected): one probe as a source plans it


class Source(Protocol):
    """Where the evidence comes from (the references and variants, or stored fixtures)."""

    def planned(self, item: Prepared) -> list[Planned]: ...

    def hints(self, prepared: list[Prepared]) -> dict[str, str]: ...

    def find(self, item: Prepared, learner: list[Outcome], preferred: Sequence[str], exclude: Collection[str],
             passing: Collection[str]) -> tuple[str, str, str] | None: ...  # (id, message, hint)


def explain(prepared: list[Prepared], outcomes: list[list[Outcome]], results: list[CheckResult], *,
            run_calls: RunCalls, source: Source) -> dict[str, list[str]]:
    """Add localisation and a matched cause to each failing result, in place, then put root causes
    first (``grader.causes``); returns the notes for the top of each exercise.

    ``run_calls`` runs the localisation probes on the learner's code (the grading session's
    ``run``: the child that made the main calls), once, only if there are probes."""
    failing = [(p, o, r) for p, o, r in zip(prepared, outcomes, results)
               if r.status != "passed" and r.details.get("error_kind") not in UNEXPLAINED_ERRORS]
    probes = [probe for item, learner, _ in failing for probe in _plan(item, learner, source)]
    answers = _run_probes(probes, run_calls)
    answered = [(p, answers.get(id(p))) for p in probes]
    passing = _passing_functions(prepared, results, answered)
    hints = source.hints(prepared)
    named: list[str] = []  # misconception ids named so far in this submission, first-named first
    for item, learner, result in failing:
        try:
            mine = [(probe, outcome) for probe, outcome in answered if probe.item is item]
            _explain(item, learner, result, mine, named, passing, hints, source)
        except Exception as exc:  # noqa: BLE001 - feedback extras must never cost a grade
            result.details["diagnosis_error"] = f"{type(exc).__name__}: {exc}"
    try:
        checked = [Checked(r, _cell_of(p)) for p, r in zip(prepared, results)]
        return explain_roots(checked, _piece_verdicts(answered), hints)
    except Exception:  # noqa: BLE001 - feedback extras must never cost a grade
        return {}


class FixtureSource:
    """Evidence stored in a handout's public fixtures (``Prepared.diagnosis``, written by
    ``grader.diagnose.stored_diagnosis``): probes with their answers, and the outcomes of each
    misconception that loses points on the check, in the order the full grader tries them."""

    def planned(self, item: Prepared) -> list[Planned]:
        stored = (item.diagnosis or {}).get("probes", [])
        return [(function, label, tuple(args), expected) for function, label, args, expected in stored]

    def hints(self, prepared: list[Prepared]) -> dict[str, str]:
        hints: dict[str, str] = {}
        for item in prepared:
            if item.check.hint:
                hints.setdefault(item.check.function, item.check.hint)
        return hints

    def find(self, item: Prepared, learner: list[Outcome], preferred: Sequence[str], exclude: Collection[str],
             passing: Collection[str]) -> tuple[str, str] | None:
        rank = {cause_id: k for k, cause_id in enumerate(preferred)}
        causes = [c for c in (item.diagnosis or {}).get("causes", []) if c["always"] or c["id"] in rank]
        causes.sort(key=lambda c: ("+" in c["id"], rank.get(c["id"], len(rank))))  # singles, then pairs
        for cause in causes:
            if cause["id"] in exclude:
                continue
            if passing and item.check.kind == "array" and set(cause["on_path"]) & set(passing):
                continue
            values = cause["values"]
            outcomes = [Outcome(ok=True, value=v, fp_errors=tuple(fp)) for v, fp in zip(values, cause["fp_errors"])]
            if same_outcomes(item, learner, outcomes, values):
                return cause["id"], cause["message"], cause.get("hint", "")
        return None


def _plan(item: Prepared, learner: list[Outcome], source: Source) -> list[Probe]:
    check, args = item.check, item.cases[0] if item.cases else ()
    if check.function == "sigmoid" and not check.forbid_fp_warnings:
        return []
    probes = [Probe(item, *planned) for planned in source.planned(item)]
    if check.function in LAYERED and not (len(args[1]) > 1 and learner and learner[0].ok):
        probes = [p for p in probes if p.function != check.function]  # no layer runs: nothing to compare
    if check.function in masked_localise.FUNCTIONS and not (learner and learner[0].ok):
        return []  # the reruns are compared with the learner's own output
    return probes


def same_outcomes(item: Prepared, learner: list[Outcome], outcomes: list[Outcome], raw: list) -> bool:
    """Whether the learner's outcomes agree with a variant's (``outcomes``, values ``raw``) on values:
    judged as a grade is, with the variant's values as the expected ones, and the same overflow
    warnings where the check forbids them. An error never agrees: an exception is no evidence of
    which mistake raised it."""
    start = 1 if item.check.kind == "symbolic" else 0  # judge falls back to the grid when symbols fail
    if first_error(learner, start) or first_error(outcomes, start):
        return False
    check = dataclasses.replace(item.check, forbid_fp_warnings=False)
    if judge(dataclasses.replace(item, check=check, expected=raw), learner, verdict_only=True).status != "passed":
        return False
    if item.check.forbid_fp_warnings:
        return bool(fp_warnings(learner[0])) == bool(fp_warnings(outcomes[0]))
    return True


def first_error(outcomes: list[Outcome], start: int = 0) -> tuple[int, Outcome] | None:
    return next(((k, o) for k, o in enumerate(outcomes) if k >= start and not o.ok), None)


@dataclass
class Probe:
    """One extra call on the learner's code for localisation, with the reference's answer."""

    item: Prepared
    function: str
    label: str  # the symbol (gate pieces) or the number of layers run
    args: tuple
    expected: Any



def _piece_verdicts(answered: list) -> dict[str, bool]:
    """Function → False if any probe of the learner's own version disagreed, True if all agreed."""
    verdicts: dict[str, bool] = {}
    for probe, outcome in answered:
        if probe.function == probe.item.check.function:
            continue  # a run of the check's own function (first layers of a stack), not a prerequisite
        agreed = _agrees(probe, outcome, probe.label, probe.item.check.tolerance)
        if agreed is not None:
            verdicts[probe.function] = verdicts.get(probe.function, True) and agreed
    return verdicts



def _passing_functions(prepared: list[Prepared], results: list[CheckResult], answered: list) -> set[str]:
    """The contract functions with evidence that the learner's own version is right: every check of
    the function in this run passed, or (for a function without checks here) every probe of it agreed."""
    verdicts: dict[str, list[bool]] = {}
    for item, result in zip(prepared, results):
        verdicts.setdefault(item.check.function, []).append(result.status == "passed")
    return ({f for f, oks in verdicts.items() if all(oks)}
            | {f for f, ok in _piece_verdicts(answered).items() if ok and f not in verdicts})



def _run_probes(probes: list[Probe], run_calls: RunCalls) -> dict[int, Outcome]:
    if not probes:
        return {}
    calls = [Call(EXERCISE_OF.get(p.function, p.item.check.exercise), p.function, p.args) for p in probes]
    try:
        report = run_calls(calls)
    except SandboxFailure:
        return {}
    return {id(p): o for p, o in zip(probes, report.outcomes)}



def _explain(item: Prepared, learner: list[Outcome], result: CheckResult, probes: list,
             named: list[str], passing: set[str], hints: dict[str, str], source: Source) -> None:
    """Localise and match one failing check; a newly named misconception is appended to ``named``.

    A misconception that replaces a function in ``passing`` (the learner's own version of it is
    right) on this check's path is never named. The hint follows the diagnosis: the named cause's own
    (the course's equation and the fix), or the wrong piece's when a piece of a cell is wrong."""
    lines, exclude = [], set()
    if item.check.function == "sigmoid" and probes:
        line, exclude = _overflow_side(probes)
        lines.append(line)
    elif item.check.function in COMBINED and probes:
        lines.append(_pieces_text(item, [(p, o) for p, o in probes if p.function != item.check.function], result))
    elif item.check.function in LAYERED and len(item.cases[0][1]) > 1 and learner and learner[0].ok:
        layer_runs = [(p, o) for p, o in probes if p.function == item.check.function]
        lines.append(_layers_text(item, learner[0], layer_runs, result))
    elif item.check.function in masked_localise.FUNCTIONS and learner and learner[0].ok:
        lines.append(masked_localise.explain(item, learner[0], probes, result))
    found = source.find(item, learner, named, exclude, passing)
    if found is not None:
        cause_id, message, hint = found
        if cause_id not in named:
            named.append(cause_id)
        result.details["misconception"] = {"id": cause_id, "message": message}
        lines.append(message)
        result.hint = hint
    else:
        wrong = next((p.function for p, o in probes if result.details.get("pieces", {}).get(p.label) is False), None)
        if wrong is not None and hints.get(wrong):
            result.hint = hints[wrong]
    result.message = "\n".join(line for line in [result.message, *lines] if line)



def _agrees(probe: Probe, outcome: Outcome | None, label: str, tolerance) -> bool | None:
    if outcome is None or (not outcome.ok and outcome.kind in UNEXPLAINED_ERRORS):
        return None
    if not outcome.ok:
        return False
    expected, got = probe.expected, outcome.value
    if isinstance(expected, (tuple, list)):  # an LSTM step's (h, c)
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(compare_array(label, e, g, tolerance).ok for e, g in zip(expected, got)))
    return compare_array(label, expected, got, tolerance).ok



def _overflow_side(probes: list) -> tuple[str, set[str]]:
    """What the learner's sigmoid does on large positive and on large negative inputs alone, and the
    overflow misconceptions that this rules out (the warning of the check itself says neither)."""
    (positive, pos_out), (negative, neg_out) = probes
    if pos_out is None or neg_out is None:
        return "", set()
    tolerance = positive.item.check.tolerance
    right = all(_agrees(p, o, "σ(a)", tolerance) for p, o in probes)
    warns = {p.label: bool(o.ok and fp_warnings(o)) for p, o in probes}
    if not right:
        return ("On large |a| alone your sigmoid returns wrong or non-finite values: "
                "σ(1e4) must be 1 and σ(−1e4) must be 0.", set(OVERFLOW_FORMS))
    sides = [label for label, warned in warns.items() if warned]
    if not sides:
        return "", set(OVERFLOW_FORMS)
    text = (f"Your sigmoid gives the right values but NumPy warns on {' and on '.join(sides)} "
            "(tried one side at a time).")
    if warns[positive.label] and warns[negative.label]:
        return text, {"naive_sigmoid_overflow"}
    if warns[negative.label]:
        return text, {"where_evaluates_both_branches"}
    return text, set(OVERFLOW_FORMS)



def _pieces_text(item: Prepared, probes: list, result: CheckResult) -> str:
    verdicts = {probe.label: _agrees(probe, outcome, probe.label, item.check.tolerance) for probe, outcome in probes}
    result.details["pieces"] = verdicts
    marks = ", ".join(f"{p.label} {'✓' if verdicts[p.label] else '✗' if verdicts[p.label] is False else '–'} "
                      f"({p.function})" for p, _ in probes)
    text = f"Your own functions on these inputs: {marks}."
    wrong = [p for p, _ in probes if verdicts[p.label] is False]
    if wrong:
        return text + f" The first wrong piece is {wrong[0].label}: fix {wrong[0].function} first."
    if all(verdicts.values()):
        return text + f" All pieces are right, so the mistake is in {item.check.function}: {COMBINED[item.check.function]}."
    return text



def _layers_text(item: Prepared, full: Outcome, probes: list, result: CheckResult) -> str:
    """Which layer goes wrong first; one error curve per layer (and direction) for the plot."""
    check, (xs, layers, cell) = item.check, item.cases[0]
    runs = [(int(p.label), p.expected, o) for p, o in probes] + [(len(layers), item.expected[0], full)]
    axes = ("t", "n", "dir") if check.function == "deep_bidirectional_forward" else ("t", "n", "unit")
    curves, first_bad = {}, None
    for count, expected, outcome in runs:
        exp = expected if check.function == "deep_bidirectional_forward" else expected[0]
        got = outcome.value if outcome is not None and outcome.ok else None
        got = got[0] if check.function == "stacked_forward" and isinstance(got, (list, tuple)) and got else got
        same_shape = isinstance(got, np.ndarray) and got.shape == np.shape(exp) and got.dtype == np.float64
        if same_shape:
            for name, values in error_over_time(np.abs(got - exp), axes, exp.shape).items():
                curves[f"layer {count}" + ("" if name == "all" else f" {name}")] = values
        if first_bad is None and not (same_shape and compare_array("top", exp, got, check.tolerance).ok):
            first_bad = count
    if curves:
        result.details["error_over_time"] = curves
    if first_bad is None:
        return ""
    result.details["first_bad_layer"] = first_bad
    if first_bad == 1:
        return "Layer 1 on its own already differs from the reference: check one layer before stacking."
    return (f"Run with layers 1 … {first_bad - 1} only, your function matches the reference; the error starts "
            f"at layer {first_bad}, which should read the outputs of layer {first_bad - 1} and start from zero states.")


def _cell_of(item: Prepared) -> str | None:
    last = item.cases[0][-1] if item.cases and item.cases[0] else None
    return last if isinstance(last, str) and last in CELL_FUNCTION else None


