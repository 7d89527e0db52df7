"""A variant whose replaced functions the reference never calls on a check's cases shares the
reference's run (``grader.misconceptions.match``): the run is the variant's own, and the named
misconception does not change."""
from __future__ import annotations

import pytest

from grader.engine import prepare
from grader.misconceptions import by_id, for_function
from grader.misconceptions.match import _code_of, _reference_entry, find_misconception
from grader.misconceptions.variants import run_variant
from grader.sandbox import wire
from grader.suites import select_checks

LAYERED = [c for c in select_checks() if c.function in ("stacked_forward", "bidirectional_forward",
                                                           "deep_bidirectional_forward")]


@pytest.mark.parametrize("check", LAYERED, ids=lambda c: c.check_id)
def test_unreached_variants_run_exactly_as_the_reference(check):
    item = prepare(check, seed=5)
    reference = _reference_entry(item, f"test-{check.check_id}")
    skipped = 0
    for misconception in for_function(check.function):
        codes = [_code_of(key) for key in misconception.patches]
        if any(code is None or code in reference[2] for code in codes):
            continue
        skipped += 1
        run = run_variant(misconception, check.exercise, check.function, item.cases)
        assert [o.ok for o in run.outcomes] == [o.ok for o in reference[0].outcomes]
        assert [o.fp_errors for o in run.outcomes] == [o.fp_errors for o in reference[0].outcomes]
        assert wire.encode(run.raw, lenient=True) == wire.encode(reference[0].raw, lenient=True)
    cells = {arg for args in item.cases for arg in args if isinstance(arg, str)}
    if cells == {"lstm"}:
        assert skipped >= 3  # the GRU's own misconceptions never run on LSTM layers


def test_a_gru_mistake_is_still_named_on_gru_layers_and_not_on_lstm_layers():
    swap = by_id("swap_update_gate")
    for check in LAYERED:
        item = prepare(check, seed=9)
        run = run_variant(swap, check.exercise, check.function, item.cases)
        found = find_misconception(item, run.outcomes)
        cells = {arg for args in item.cases for arg in args if isinstance(arg, str)}
        if cells == {"gru"}:
            assert found is not None and found.id == "swap_update_gate", check.check_id
        elif cells <= {"lstm", "rnn"}:
            assert found is None or found.id != "swap_update_gate", check.check_id


@pytest.mark.parametrize("check", LAYERED[:3] + [c for c in select_checks() if c.function == "sigmoid"][:1],
                         ids=lambda c: c.check_id)
def test_lazy_values_decode_to_the_eager_outcomes(check):
    item = prepare(check, seed=3)
    for misconception in for_function(check.function)[:4]:
        eager = run_variant(misconception, check.exercise, check.function, item.cases)
        lazy = run_variant(misconception, check.exercise, check.function, item.cases, lazy_values=True)
        assert all(o.value is None for o in lazy.outcomes)
        decoded = lazy.decode_values().outcomes
        assert [(o.ok, o.fp_errors, o.kind, o.message) for o in decoded] == \
            [(o.ok, o.fp_errors, o.kind, o.message) for o in eager.outcomes]
        assert wire.encode([o.value for o in decoded], lenient=True) == \
            wire.encode([o.value for o in eager.outcomes], lenient=True)
