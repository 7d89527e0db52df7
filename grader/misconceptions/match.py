"""Does a learner's output on a failing check match a known misconception?

A misconception matches when its variant, run on the check's own cases, loses points on the check
(it is visible on these inputs) and the learner's outcomes agree with the variant's on values: the
same values within the check's tolerance (judged exactly as a grade is, with the variant's values
as the expected ones) and the same overflow warnings where the check forbids them. An error never
matches, not even the same exception text: many different mistakes end in the same matmul shape
error, so an exception is no evidence of which one it was. The caller may ``exclude`` ids it has
evidence against (e.g. a variant whose replaced function passes its own checks).

A variant none of whose replaced functions the reference ever calls on the cases (say the GRU's
patches on a stack of LSTM layers) runs exactly as the reference does: the variant is the reference
text with those names rebound, and ``solutions/`` uses such names only to call them. So the
reference is run once per check, recording which of its functions run (``_reference_entry``), and
every such variant shares that run instead of being imported and run itself. Which misconception
gets named does not change. Runs keep their values undecoded until ``_visible`` needs them: the
match itself compares the raw values and the errors.

Which one is named when several reproduce the learner: one mistake usually fails many checks of a
submission (a swapped update gate fails ``gru_cell``, ``gru_forward``, the stacks and the
bidirectional layers), so the misconceptions already named on earlier checks of the same
submission (``preferred``, in the order they were first named) are tried first, then the rest in
catalogue order. The rule is deterministic (the engine diagnoses checks in suite order) and says
"the cause already found in this submission is preferred"; it also spares most variant runs.
"""
from __future__ import annotations

import importlib
import sys
import threading
import types
from collections import OrderedDict
from typing import Collection, Sequence

from grader.explain import first_error, same_outcomes
from grader.judge import Prepared, judge
from grader.misconceptions import Misconception, for_function
from grader.misconceptions.pairs import PAIR_FUNCTIONS, by_pair_id, pairs_for
from grader.misconceptions.variants import VariantRun, _call, run_variant
from grader.reference import reference_function
from grader.sandbox.client import Outcome
from solutions.sequence import CELL_TYPES

_RUNS: OrderedDict[tuple[str, str, str], list] = OrderedDict()  # key -> [run, visible or None]
MAX_CACHED_RUNS = 2048
_RUNS_LOCK = threading.Lock()


def find_misconception(item: Prepared, learner: list[Outcome], preferred: Sequence[str] = (),
                       exclude: Collection[str] = (), passing: Collection[str] = ()) -> Misconception | None:
    """The first misconception whose variant reproduces ``learner`` on ``item``: those whose ids are in
    ``preferred`` first (in that order), then the others in catalogue order, then pairs of them
    (``grader.misconceptions.pairs``). Never one in ``exclude``, nor, on an array check, one that
    replaces a function in ``passing`` (whose own checks the learner passes) on this check's path."""
    if first_error(learner, 1 if item.check.kind == "symbolic" else 0) is not None:
        return None
    digest = item.cases_digest
    reference: list | None = None
    # Only a cell type among the arguments leaves whole modules unused; else tracing costs more than it saves.
    by_cell = any(isinstance(arg, str) and arg in CELL_TYPES for args in item.cases for arg in args)
    for misconception in [*candidates(item.check.function, preferred), *pair_candidates(item.check.function, preferred)]:
        if misconception.id in exclude:
            continue
        if passing and item.check.kind == "array" and replaced_on_path(misconception, item) & set(passing):
            continue  # a count formula is often written inline, not through its helper: no such rule there
        if by_cell and f"{item.check.exercise}.{item.check.function}" not in misconception.patches:
            if reference is None:
                reference = _reference_entry(item, digest)
            called = reference[2]
            if not any(code is None or code in called for code in map(_code_of, misconception.patches)):
                entry = reference  # the variant never leaves the reference's code on these cases
            else:
                entry = _cached_run(misconception, item, digest)
        else:
            entry = _cached_run(misconception, item, digest)
        if same_outcomes(item, learner, entry[0].outcomes, entry[0].raw) and _visible(item, entry):
            return misconception
    return None


def pair_candidates(function: str, preferred: Sequence[str] = ()) -> list[Misconception]:
    """The pairs tried on ``function``: those in ``preferred`` that change it, then, on a cell-level
    function, every other pair."""
    chosen = [pair for pair in map(by_pair_id, (p for p in preferred if "+" in p))
              if pair is not None and function in pair.parts[0].targets and function in pair.parts[1].targets]
    if function in PAIR_FUNCTIONS:
        ids = {pair.id for pair in chosen}
        chosen += [pair for pair in pairs_for(function) if pair.id not in ids]
    return chosen


def replaced_on_path(misconception: Misconception, item: Prepared) -> set[str]:
    """The contract functions that ``misconception`` replaces and that the reference calls on ``item``'s
    cases (e.g. ``cell_update`` for an LSTM stack, not ``stacked_forward`` for a bidirectional stack)."""
    called = _reference_entry(item, item.cases_digest)[2]
    return {key.split(".")[1] for key in misconception.patches
            if key.split(".")[1] in misconception.contract_functions and _code_of(key) in called}


def candidates(function: str, preferred: Sequence[str] = ()) -> list[Misconception]:
    """The misconceptions that change ``function``, in the order they are tried (see the module text)."""
    catalogue = for_function(function)
    rank = {misconception_id: k for k, misconception_id in enumerate(preferred)}
    return sorted(catalogue, key=lambda m: rank.get(m.id, len(rank)))  # stable: catalogue order otherwise


def _cached_run(misconception: Misconception, item: Prepared, digest: str) -> list:
    """``[run, visible]``: the variant's run on the cases, and whether it loses points there (else it
    explains nothing; ``None`` until asked, see ``_visible``).

    Both depend only on the cases, which many submissions share in a batch or a mutation report.
    """
    key = (misconception.id, item.check.check_id, digest)
    with _RUNS_LOCK:
        cached = _RUNS.get(key)
    if cached is None:
        cached = [run_variant(misconception, item.check.exercise, item.check.function, item.cases,
                              lazy_values=True, return_arguments=item.check.judges_arguments), None]
        with _RUNS_LOCK:
            _RUNS[key] = cached
            while len(_RUNS) > MAX_CACHED_RUNS:
                _RUNS.popitem(last=False)
    return cached


_REFERENCE = "<reference>"


def _reference_entry(item: Prepared, digest: str) -> list:
    """``[run, visible, called]``: the reference's own run on the cases (as a variant's would be),
    and the code objects of the ``solutions`` functions it executed."""
    key = (_REFERENCE, item.check.check_id, digest)
    with _RUNS_LOCK:
        cached = _RUNS.get(key)
    if cached is None:
        run, called = _traced_reference_run(item)
        cached = [run, None, called]
        with _RUNS_LOCK:
            _RUNS[key] = cached
            while len(_RUNS) > MAX_CACHED_RUNS:
                _RUNS.popitem(last=False)
    return cached


def _traced_reference_run(item: Prepared) -> tuple[VariantRun, frozenset]:
    call = reference_function(item.check.exercise, item.check.function)
    called: set[types.CodeType] = set()

    def profile(frame, event, arg):
        if event == "call":
            called.add(frame.f_code)

    def traced(*args):
        previous = sys.getprofile()
        sys.setprofile(profile)
        try:
            return call(*args)
        finally:
            sys.setprofile(previous)

    run = VariantRun([], [], decoded=False)
    for args in item.cases:
        outcome, raw = _call(traced, args, lazy_values=True, return_arguments=item.check.judges_arguments)
        run.outcomes.append(outcome)
        run.raw.append(raw)
    return run, frozenset(called)


def _code_of(key: str) -> types.CodeType | None:
    """The code object of the reference function that patch ``key`` ("module.function") replaces."""
    module, name = key.split(".")
    function = getattr(importlib.import_module(f"solutions.{module}"), name, None)
    return getattr(function, "__code__", None)


def _visible(item: Prepared, entry: list) -> bool:
    """Whether the variant loses points on the cases; judged only for variants the learner matches."""
    if entry[1] is None:
        entry[1] = judge(item, entry[0].decode_values().outcomes, verdict_only=True).status != "passed"
    return entry[1]
