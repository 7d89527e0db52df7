"""The references are called on the suites' inputs themselves, without private copies: that is only
right because no reference modifies its inputs, which these tests check on every check of every suite."""
from __future__ import annotations

import copy

import pytest

from grader.engine import prepare
from grader.reference import expected_value, reference_function
from grader.sandbox import wire
from grader.suites import select_checks

SEEDS = (0, 7, 2024)


@pytest.mark.parametrize("check", select_checks(), ids=lambda c: c.check_id)
def test_references_leave_their_inputs_alone_and_give_what_they_give_on_copies(check):
    for seed in SEEDS:
        for args in prepare(check, seed).cases:
            before = wire.encode(copy.deepcopy(args))
            on_copies = reference_function(check.exercise, check.function)(*copy.deepcopy(args))
            value = expected_value(check.exercise, check.function, args)
            assert wire.encode(args) == before, f"the reference changed its inputs (seed {seed})"
            assert wire.encode(value) == wire.encode(on_copies)


def test_prepare_draws_the_same_cases_and_expected_values_every_time():
    for check in select_checks():
        first, again = prepare(check, 11), prepare(check, 11)
        assert wire.encode(first.cases) == wire.encode(again.cases)
        assert wire.encode(first.expected) == wire.encode(again.expected)


def test_input_draws_are_the_same_as_their_plain_numpy_spelling():
    """``draw_sizes`` and ``state`` use cheaper NumPy calls than ``rng.choice``; the draws and the
    generator's state afterwards must be exactly those of the plain spelling."""
    import numpy as np

    from grader.suites import inputs as gen

    for seed in range(300):
        fast, plain = np.random.default_rng(seed), np.random.default_rng(seed)
        sizes = gen.draw_sizes(fast)
        n, d, h = (int(v) for v in plain.choice(np.arange(2, 8), size=3, replace=False))
        assert (sizes.N, sizes.d, sizes.H, sizes.T) == (n, d, h, int(plain.integers(3, 7)))
        drawn = gen.state(fast, n, h)
        expected = plain.uniform(0.2, 0.9, size=(n, h)) * plain.choice([-1.0, 1.0], size=(n, h))
        assert np.array_equal(drawn, expected)
        assert fast.bit_generator.state == plain.bit_generator.state
