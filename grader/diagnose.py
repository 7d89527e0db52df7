"""The full grader's source of evidence for ``grader.explain``: the references and the variants.

Trusted side only (imports ``solutions`` through ``grader.reference`` and the misconceptions).
``diagnose`` explains one submission's failing checks with it. The probes: the learner's sigmoid
under a gate (fresh moderate values), the gate pieces of a cell (``candidate_state``,
``cell_update`` and ``hidden_state`` get fresh random gate values, never the reference's), the
first cell step under a sequence, stack or bidirectional layer, the first 1, 2, … layers of a
stack, and the sigmoid on each side of zero for the overflow check; the expected answers come from
``solutions/``. Probes are remembered per check, seed and cases.

``stored_diagnosis`` writes the same evidence for a public check as data (probes with their answers,
and every visible misconception's outputs, never its code), which ``grade handout`` puts in the
fixtures so a handout's ``grade check`` names the same causes (``grader.explain.FixtureSource``).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Collection, Sequence

import numpy as np

from grader import masked_localise
from grader.causes import CELL_FUNCTION, EXERCISE_OF, ROOT_CANDIDATES
from grader.explain import LAYERED, Planned, _cell_of, explain
from grader.judge import Prepared, judge
from grader.misconceptions import Misconception, for_function
from grader.misconceptions.match import find_misconception, replaced_on_path
from grader.misconceptions.pairs import PAIR_FUNCTIONS, pairs_for
from grader.misconceptions.variants import run_variant
from grader.model import CheckResult
from grader.reference import expected_value
from grader.sandbox.client import Outcome, RunCalls


class TrustedSource:
    """Probes drawn here with the reference's answers; causes matched by running the variants."""

    def planned(self, item: Prepared) -> list[Planned]:
        return _planned(item)

    def hints(self, prepared: list[Prepared]) -> dict[str, str]:
        return _hints(prepared)

    def find(self, item: Prepared, learner: list[Outcome], preferred: Sequence[str], exclude: Collection[str],
             passing: Collection[str]) -> tuple[str, str] | None:
        found = find_misconception(item, learner, preferred, exclude, passing)
        return None if found is None else (found.id, found.message, found.hint)


def diagnose(prepared: list[Prepared], outcomes: list[list[Outcome]], results: list[CheckResult], *,
             run_calls: RunCalls) -> dict[str, list[str]]:
    """Explain the failing checks in place (``grader.explain``); returns the notes for each exercise's top."""
    return explain(prepared, outcomes, results, run_calls=run_calls, source=TrustedSource())


def stored_diagnosis(item: Prepared) -> dict[str, Any]:
    """The evidence for ``item`` (a public check) as wire-encodable data: its probes with the
    reference's answers, and each visible misconception's outcomes on its cases, in the order the
    full grader tries them (``always``: tried without having been named earlier)."""
    function = item.check.function
    probes = [list(planned) for planned in _draw_probes(item)]
    tried = [(m, True) for m in for_function(function)] + [(m, always) for m, always in _stored_pairs(item)]
    causes = []
    for misconception, always in tried:
        run = run_variant(misconception, item.check.exercise, function, item.cases)
        if any(not o.ok for o in run.outcomes) or judge(item, run.outcomes, verdict_only=True).status == "passed":
            continue  # an error never matches; a variant that passes explains nothing
        causes.append({"id": misconception.id, "message": misconception.message, "hint": misconception.hint,
                       "always": always,
                       "on_path": sorted(replaced_on_path(misconception, item)),
                       "values": [o.value for o in run.outcomes],
                       "fp_errors": [list(o.fp_errors) for o in run.outcomes]})
    return {"probes": probes, "causes": causes}


def _stored_pairs(item: Prepared) -> list[tuple[Misconception, bool]]:
    """The pairs the full grader may try on ``item``: every pair on a cell-level check; elsewhere the
    pairs of the check's cell that change the function, tried once named on the cell."""
    function = item.check.function
    if function in PAIR_FUNCTIONS:
        return [(pair, True) for pair in pairs_for(function)]
    cell = _cell_function(item)
    if cell is None:
        return []
    return [(pair, False) for pair in pairs_for(cell)
            if function in pair.parts[0].targets and function in pair.parts[1].targets]


def _cell_function(item: Prepared) -> str | None:
    function = item.check.function
    if function in ("rnn_forward", "gru_forward", "lstm_forward"):
        return CELL_FUNCTION[function.split("_")[0]]
    cell = _cell_of(item)
    return CELL_FUNCTION[cell] if cell else None


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
GATED = ("gate", "reset_gate", "update_gate", "forget_gate", "input_gate", "output_gate", "gru_cell", "lstm_cell")
SIGMOID_PROBE = ("sigmoid", "σ", _moderate)  # the learner's own sigmoid, under every gate
BUILT_ON_CELLS = ("rnn_forward", "gru_forward", "lstm_forward", "stacked_forward", "bidirectional_forward",
                  "deep_bidirectional_forward")

def _hints(prepared: list[Prepared]) -> dict[str, str]:
    """Function → the hint of its first check (in this run, else in the suites of the functions a
    root cause can be: only those suites are imported)."""
    from grader.suites import select_checks  # trusted side

    checks = [p.check for p in prepared] + select_checks(sorted({EXERCISE_OF[f] for f in ROOT_CANDIDATES}))
    hints: dict[str, str] = {}
    for check in checks:
        if check.hint and "{" not in check.hint:
            hints.setdefault(check.function, check.hint)
    return hints


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
    if check.function in masked_localise.FUNCTIONS:
        return masked_localise.draw_probes(item)
    rng = check.rng(item.seed + 1_000_003)  # fresh gate values, unrelated to the check's own draw
    planned = [*([SIGMOID_PROBE] if check.function in GATED else []), *PIECES.get(check.function, [])]
    probes = []
    for function, symbol, make in planned:
        piece_args = make(args, rng)
        probes.append((function, symbol, piece_args, expected_value(EXERCISE_OF[function], function, piece_args)))
    step = _first_step(check.function, args, rng)
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


def _first_step(function: str, args: tuple, rng: np.random.Generator) -> tuple[str, tuple] | None:
    """``(cell function, its args)``: one step of the cell ``function`` runs on, on its first input.
    A layer's own first step starts from zeros, where several mistakes vanish (a reset gate scales
    nothing), so the step of a stack or bidirectional layer gets a nonzero state instead."""
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
        shape = (xs.shape[1], _hidden_size(params))
        states = tuple(rng.uniform(0.2, 0.9, size=shape) * rng.choice([-1.0, 1.0], size=shape)
                       for _ in range(2 if cell == "lstm" else 1))
    return CELL_FUNCTION[cell], (xs[0], *states, params)


def _hidden_size(params: dict) -> int:
    return next(v.shape[0] for k, v in params.items() if k.startswith("W"))

