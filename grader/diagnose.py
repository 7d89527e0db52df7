"""Explain failing checks: name a known misconception, and say where the error starts.

Runs in the trusted process after judging, on the same inputs. For each failing check:

1. localise: for a cell (``gru_cell``, ``lstm_cell``) call the learner's own gate functions on the
   check's inputs and say which piece is already wrong; for a stack of layers call the learner's
   function on the first 1, 2, … layers and say which layer is the first wrong one (with one
   error-over-time curve per layer and direction for the HTML plot). These calls go, in one
   batch and only when such a check fails, to the sandboxed child that made the check's own
   calls (a follow-up of the grading session, ``run_calls``). Only inputs cross: the pieces
   that take gate values (``candidate_state``, ``cell_update``, ``hidden_state``) get fresh
   random ones, never the reference's.
2. match: if the learner's output equals a misconception's (``grader.misconceptions.match``),
   record ``details["misconception"] = {"id", "message"}`` and end the message with its text.
   Checks are explained in suite order, and the misconceptions already named on earlier checks
   of the submission are tried first (the rule is in ``grader.misconceptions.match``).

The message keeps DESIGN.md's order: what differs and where, then the likely cause (the hint is
rendered after it). Diagnosis never changes a score, and a failure inside it changes nothing.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.causes import CELL_FUNCTION, EXERCISE_OF, Checked, explain_roots
from grader.compare import compare_array, error_over_time
from grader.judge import Prepared, fp_warnings
from grader.misconceptions.match import find_misconception
from grader.model import CheckResult
from grader.reference import expected_value
from grader.sandbox.client import Call, Outcome, RunCalls, SandboxFailure

# Errors that leave nothing to explain: the function is absent, unfinished or never ran.
UNEXPLAINED_ERRORS = {"missing", "not_implemented", "import", "timeout", "crash", "grader"}
LAYERED = ("stacked_forward", "deep_bidirectional_forward")


def _same(args: tuple, rng: np.random.Generator) -> tuple:
    return args[:2] + args[-1:]  # (x, h_prev, params), dropping c_prev for an LSTM


def _with_r(args: tuple, rng: np.random.Generator) -> tuple:
    x, h_prev, params = args
    return (x, h_prev, rng.uniform(0.1, 0.9, size=h_prev.shape), params)


def _cell_inputs(args: tuple, rng: np.random.Generator) -> tuple:
    c_prev = args[2]
    f, i = rng.uniform(0.1, 0.9, size=(2, *c_prev.shape))
    return (c_prev, f, i, rng.uniform(-0.9, 0.9, size=c_prev.shape))


def _large_positive(args: tuple, rng: np.random.Generator) -> tuple:
    return (np.array([800.0, 1e3, 1e4]),)


def _large_negative(args: tuple, rng: np.random.Generator) -> tuple:
    return (np.array([-800.0, -1e3, -1e4]),)


def _moderate(args: tuple, rng: np.random.Generator) -> tuple:
    return (rng.normal(scale=3.0, size=(3, 4)),)


def _hidden_inputs(args: tuple, rng: np.random.Generator) -> tuple:
    c_prev = args[2]
    return (rng.uniform(0.1, 0.9, size=c_prev.shape), rng.uniform(-2.0, 2.0, size=c_prev.shape))


# cell function -> (piece function, symbol, inputs from the cell's args), and how the pieces combine
PIECES: dict[str, list[tuple[str, str, Callable[[tuple, np.random.Generator], tuple]]]] = {
    "gru_cell": [("reset_gate", "r", _same), ("update_gate", "z", _same), ("candidate_state", "h~", _with_r)],
    "lstm_cell": [("forget_gate", "f", _same), ("input_gate", "i", _same), ("output_gate", "o", _same),
                  ("candidate_cell", "c~", _same), ("cell_update", "c", _cell_inputs),
                  ("hidden_state", "h", _hidden_inputs)],
    # which side of zero the learner's own sigmoid overflows on (only for the overflow check)
    "sigmoid": [("sigmoid", "a ≫ 0", _large_positive), ("sigmoid", "a ≪ 0", _large_negative)],
}
OVERFLOW_FORMS = ("naive_sigmoid_overflow", "where_evaluates_both_branches")
GATED = ("gate", "reset_gate", "update_gate", "forget_gate", "input_gate", "output_gate", "gru_cell", "lstm_cell")
SIGMOID_PROBE = ("sigmoid", "σ", _moderate)  # the learner's own sigmoid, under every gate
BUILT_ON_CELLS = ("rnn_forward", "gru_forward", "lstm_forward", "stacked_forward", "bidirectional_forward",
                  "deep_bidirectional_forward")
COMBINED = {"gru_cell": "h = (1 − z) ⊙ h_prev + z ⊙ h~ from your r, z and h~",
            "lstm_cell": "the step wires them together: each gate reads (x, h_prev), then c and h"}


@dataclass
class Probe:
    """One extra call on the learner's code for localisation, with the reference's answer."""

    item: Prepared
    function: str
    label: str  # the symbol (gate pieces) or the number of layers run
    args: tuple
    expected: Any


def diagnose(prepared: list[Prepared], outcomes: list[list[Outcome]], results: list[CheckResult], *,
             run_calls: RunCalls) -> dict[str, list[str]]:
    """Add localisation and a matched misconception to each failing result, in place, then put root
    causes first (``grader.causes``); returns the notes for the top of each exercise.

    ``run_calls`` runs the localisation probes on the learner's code (the grading session's
    ``run``: the child that made the main calls), once, only if there are probes."""
    failing = [(p, o, r) for p, o, r in zip(prepared, outcomes, results)
               if r.status != "passed" and r.details.get("error_kind") not in UNEXPLAINED_ERRORS]
    probes = [probe for item, learner, _ in failing for probe in _plan(item, learner)]
    answers = _run_probes(probes, run_calls)
    answered = [(p, answers.get(id(p))) for p in probes]
    passing = _passing_functions(prepared, results, answered)
    hints = _hints(prepared)
    named: list[str] = []  # misconception ids named so far in this submission, first-named first
    for item, learner, result in failing:
        try:
            mine = [(probe, outcome) for probe, outcome in answered if probe.item is item]
            _explain(item, learner, result, mine, named, passing, hints)
        except Exception as exc:  # noqa: BLE001 - feedback extras must never cost a grade
            result.details["diagnosis_error"] = f"{type(exc).__name__}: {exc}"
    try:
        checked = [Checked(r, _cell_of(p)) for p, r in zip(prepared, results)]
        return explain_roots(checked, _piece_verdicts(answered), hints)
    except Exception:  # noqa: BLE001 - feedback extras must never cost a grade
        return {}


def _cell_of(item: Prepared) -> str | None:
    last = item.cases[0][-1] if item.cases and item.cases[0] else None
    return last if isinstance(last, str) and last in CELL_FUNCTION else None


def _hints(prepared: list[Prepared]) -> dict[str, str]:
    """Function → the hint of its first check (in this run, else in the whole suite)."""
    hints: dict[str, str] = {}
    try:
        from grader.suites import all_checks  # trusted side: every check's hint, also of functions not run

        checks = [p.check for p in prepared] + all_checks()
    except ImportError:
        checks = [p.check for p in prepared]
    for check in checks:
        if check.hint and "{" not in check.hint:
            hints.setdefault(check.function, check.hint)
    return hints


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


def _plan(item: Prepared, learner: list[Outcome]) -> list[Probe]:
    check, args = item.check, item.cases[0] if item.cases else ()
    cell_pieces = check.function in PIECES and (check.function != "sigmoid" or check.forbid_fp_warnings)
    probes = [Probe(item, *planned) for planned in _planned(item)] if cell_pieces or check.function in GATED \
        or check.function in BUILT_ON_CELLS else []
    if check.function in LAYERED and not (len(args[1]) > 1 and learner and learner[0].ok):
        probes = [p for p in probes if p.function != check.function]  # no layer runs: nothing to compare
    return probes


_PLANNED: OrderedDict[tuple, list[tuple[str, str, tuple, Any]]] = OrderedDict()
_PLANNED_LOCK = threading.Lock()  # batch grading may run workers as threads
MAX_PLANNED = 512


def _planned(item: Prepared) -> list[tuple[str, str, tuple, Any]]:
    """``(function, label, args, expected)`` of each probe for ``item``'s check. Remembered per
    check, seed and cases: learners who share their inputs share their probes too (drawing them and
    the reference's answers costs about a millisecond per check)."""
    key = (item.check.check_id, item.seed, item.cases_digest)
    with _PLANNED_LOCK:
        found = _PLANNED.get(key)
    if found is None:
        found = _draw_probes(item)
        with _PLANNED_LOCK:
            _PLANNED[key] = found
            while len(_PLANNED) > MAX_PLANNED:
                _PLANNED.popitem(last=False)
    return found


def _draw_probes(item: Prepared) -> list[tuple[str, str, tuple, Any]]:
    """The learner's sigmoid under a gate; the gate pieces of a cell on fresh inputs; the cell's first
    step under a sequence, stack or bidirectional layer; and the first 1, 2, … layers of a stack."""
    check, args = item.check, item.cases[0]
    rng = check.rng(item.seed + 1_000_003)  # fresh gate values, unrelated to the check's own draw
    planned = [*([SIGMOID_PROBE] if check.function in GATED else []), *PIECES.get(check.function, [])]
    probes = []
    for function, symbol, make in planned:
        piece_args = make(args, rng)
        probes.append((function, symbol, piece_args, expected_value(EXERCISE_OF[function], function, piece_args)))
    step = _first_step(check.function, args)
    if step is not None:
        cell_function, step_args = step
        probes.append((cell_function, cell_function, step_args,
                       expected_value(EXERCISE_OF[cell_function], cell_function, step_args)))
    if check.function in LAYERED:
        xs, layers, cell = args
        probes += [(check.function, str(n), (xs, layers[:n], cell),
                    expected_value(check.exercise, check.function, (xs, layers[:n], cell)))
                   for n in range(1, len(layers))]
    return probes


def _first_step(function: str, args: tuple) -> tuple[str, tuple] | None:
    """``(cell function, its args)`` for the first time step that ``function`` computes on ``args``."""
    if function not in BUILT_ON_CELLS:
        return None
    if function in ("rnn_forward", "gru_forward", "lstm_forward"):
        cell = function.split("_")[0]
        xs, states, params = args[0], args[1:-1], args[-1]
    else:
        xs, cell = args[0], args[-1]
        params = args[1] if function == "bidirectional_forward" else args[1][0]
        params = params[0] if function == "deep_bidirectional_forward" else params
        if cell not in CELL_FUNCTION:
            return None
        hidden = np.zeros((xs.shape[1], _hidden_size(params)))
        states = (hidden, hidden.copy()) if cell == "lstm" else (hidden,)
    return CELL_FUNCTION[cell], (xs[0], *states, params)


def _hidden_size(params: dict) -> int:
    return next(v.shape[0] for k, v in params.items() if k.startswith("W"))


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
             named: list[str], passing: set[str] = frozenset(), hints: dict[str, str] | None = None) -> None:
    """Localise and match one failing check; a newly named misconception is appended to ``named``.

    A misconception that replaces a function in ``passing`` (the learner's own version of it is
    right) on this check's path is never named. The hint follows the diagnosis: none when a cause is
    named (its text says how to fix it), the wrong piece's hint when a piece of a cell is wrong."""
    lines, exclude = [], set()
    if item.check.function == "sigmoid" and probes:
        line, exclude = _overflow_side(probes)
        lines.append(line)
    elif item.check.function in PIECES and probes:
        lines.append(_pieces_text(item, [(p, o) for p, o in probes if p.function != item.check.function], result))
    elif item.check.function in LAYERED and len(item.cases[0][1]) > 1 and learner and learner[0].ok:
        layer_runs = [(p, o) for p, o in probes if p.function == item.check.function]
        lines.append(_layers_text(item, learner[0], layer_runs, result))
    misconception = find_misconception(item, learner, named, exclude, passing)
    if misconception is not None:
        if misconception.id not in named:
            named.append(misconception.id)
        result.details["misconception"] = {"id": misconception.id, "message": misconception.message}
        lines.append(misconception.message)
        result.hint = ""
    else:
        wrong = next((p.function for p, o in probes if result.details.get("pieces", {}).get(p.label) is False), None)
        if wrong is not None and (hints or {}).get(wrong):
            result.hint = hints[wrong]
    result.message = "\n".join(line for line in [result.message, *lines] if line)


def _agrees(probe: Probe, outcome: Outcome | None, label: str, tolerance) -> bool | None:
    if outcome is None or (not outcome.ok and outcome.kind in UNEXPLAINED_ERRORS):
        return None
    if not outcome.ok:
        return False
    expected, got = probe.expected, outcome.value
    if isinstance(expected, tuple):  # an LSTM step's (h, c)
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
