"""Localisation probes are drawn once per check, seed and cases, and are what drawing afresh gives."""
from __future__ import annotations

import numpy as np

from grader import diagnose, explain
from grader.engine import prepare
from grader.sandbox.client import Outcome
from grader.suites import select_checks

TRUSTED = diagnose.TrustedSource()


def _check(function: str):
    return next(c for c in select_checks() if c.function == function)


def test_cell_probes_are_remembered_per_cases_and_equal_a_fresh_draw():
    check = _check("gru_cell")
    item, same_inputs, other = prepare(check, 5), prepare(check, 5), prepare(check, 6)
    first = explain._plan(item, [], TRUSTED)
    assert [p.label for p in first] == ["σ", "r", "z", "h~"]
    again = explain._plan(same_inputs, [], TRUSTED)
    assert all(a.args is b.args and a.expected is b.expected for a, b in zip(first, again))  # shared, not redrawn
    assert all(p.item is same_inputs for p in again)
    fresh = diagnose._draw_probes(item)
    for probe, (function, label, args, expected) in zip(first, fresh):
        assert (probe.function, probe.label) == (function, label)
        np.testing.assert_array_equal(probe.expected, expected)
    assert not np.array_equal(explain._plan(other, [], TRUSTED)[0].expected, first[0].expected)


def test_layer_probes_only_when_the_learner_returned_something():
    check = next(c for c in select_checks() if c.function == "stacked_forward"
                 and len(prepare(c, 5).cases[0][1]) > 1)
    item = prepare(check, 5)
    assert [p.function for p in explain._plan(item, [Outcome(ok=False, kind="exception")], TRUSTED)] == ["rnn_cell"]
    probes = explain._plan(item, [Outcome(ok=True, value=None)], TRUSTED)
    assert [p.label for p in probes] == ["rnn_cell", *(str(n) for n in range(1, len(item.cases[0][1])))]
