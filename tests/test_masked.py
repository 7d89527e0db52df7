"""The ``masked`` references: each sequence runs for its own length, padding is never read, and the
backward direction starts at each sequence's own end.

Expected values come from the plain ``sequence``/``bidirectional`` references run on each sequence
cut to its length (a batch of one), not from any helper of ``solutions.masked``.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader.suites import inputs as gen
from grader.suites.masked import padded_inputs
from solutions.bidirectional import bidirectional_forward
from solutions.masked import masked_bidirectional_forward, masked_forward
from solutions.sequence import gru_forward, lstm_forward, rnn_forward

CELLS = ("rnn", "gru", "lstm")
T, N, D, H = 6, 5, 3, 4
LENGTHS = [6, 1, 3, 5, 2]  # every length different, 1 and T included


def _batch(cell, seed=0, garbage=5.0):
    rng = np.random.default_rng(seed)
    xs = padded_inputs(rng, T, N, D, LENGTHS, garbage)
    h0 = gen.state(rng, N, H)
    if cell == "lstm":
        h0 = (h0, gen.state(rng, N, H))
    return xs, h0, gen.cell_params(rng, cell, D, H), gen.cell_params(rng, cell, D, H)


def _one_sequence(cell, xs_n, h0, params, n):
    if cell == "lstm":
        hs, (h, c) = lstm_forward(xs_n, h0[0][n:n + 1], h0[1][n:n + 1], params)
        return hs, (h, c)
    forward = rnn_forward if cell == "rnn" else gru_forward
    return forward(xs_n, h0[n:n + 1], params)


@pytest.mark.parametrize("cell", CELLS)
def test_each_sequence_runs_for_its_own_length_and_padding_is_zero(cell):
    xs, h0, params, _ = _batch(cell)
    hs, finals = masked_forward(xs, LENGTHS, h0, params, cell)
    assert hs.shape == (T, N, H)
    for n, length in enumerate(LENGTHS):
        alone, final = _one_sequence(cell, xs[:length, n:n + 1], h0, params, n)
        np.testing.assert_allclose(hs[:length, n], alone[:, 0], rtol=1e-12, atol=1e-14)
        assert not hs[length:, n].any()
        if cell == "lstm":
            np.testing.assert_allclose(finals[0][n], final[0][0], rtol=1e-12)
            np.testing.assert_allclose(finals[1][n], final[1][0], rtol=1e-12)
        else:
            np.testing.assert_allclose(finals[n], final[0], rtol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_the_backward_direction_starts_at_each_sequences_own_end(cell):
    xs, _, params_fwd, params_bwd = _batch(cell)
    hs = masked_bidirectional_forward(xs, LENGTHS, params_fwd, params_bwd, cell)
    assert hs.shape == (T, N, 2 * H)
    for n, length in enumerate(LENGTHS):
        alone = bidirectional_forward(xs[:length, n:n + 1], params_fwd, params_bwd, cell)
        np.testing.assert_allclose(hs[:length, n], alone[:, 0], rtol=1e-12, atol=1e-14)
        assert not hs[length:, n].any()


@pytest.mark.parametrize("cell", CELLS)
def test_no_output_depends_on_the_padding_even_at_huge_values(cell):
    xs, h0, params_fwd, params_bwd = _batch(cell)
    other = xs.copy()
    padding = ~(np.arange(T)[:, None] < np.asarray(LENGTHS)[None, :])
    other[padding] = 1e300  # finite, and overflows any product it takes part in
    with np.errstate(all="raise"):
        got = masked_forward(other, LENGTHS, h0, params_fwd, cell)
        got_bi = masked_bidirectional_forward(other, LENGTHS, params_fwd, params_bwd, cell)
    want = masked_forward(xs, LENGTHS, h0, params_fwd, cell)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got_bi, masked_bidirectional_forward(xs, LENGTHS, params_fwd, params_bwd, cell))


def test_causality_forward_ignores_later_inputs_backward_sees_them():
    xs, _, params_fwd, params_bwd = _batch("gru", seed=4)
    n, t0 = 0, 2  # sequence 0 has length T: change its real inputs after t0
    changed = xs.copy()
    changed[t0 + 1:LENGTHS[n], n] += 1.0
    before = masked_bidirectional_forward(xs, LENGTHS, params_fwd, params_bwd, "gru")
    after = masked_bidirectional_forward(changed, LENGTHS, params_fwd, params_bwd, "gru")
    np.testing.assert_array_equal(after[:t0 + 1, n, :H], before[:t0 + 1, n, :H])   # →h_t, t ≤ t0
    assert np.abs(after[:t0 + 1, n, H:] - before[:t0 + 1, n, H:]).min() > 0         # ←h_t, every unit
    np.testing.assert_array_equal(np.delete(after, n, axis=1), np.delete(before, n, axis=1))


def test_lengths_as_an_integer_array_give_the_same_result():
    xs, h0, params, _ = _batch("rnn")
    listed = masked_forward(xs, LENGTHS, h0, params, "rnn")
    arrayed = masked_forward(xs, np.array(LENGTHS, dtype=np.int32), h0, params, "rnn")
    np.testing.assert_array_equal(listed[0], arrayed[0])


@pytest.mark.parametrize("lengths", [[0, 1, 1, 1, 1], [7, 1, 1, 1, 1], [1, 2, 3], [1.0, 2.0, 3.0, 4.0, 5.0]])
def test_lengths_outside_one_to_T_or_not_integers_are_rejected(lengths):
    xs, h0, params, _ = _batch("rnn")
    with pytest.raises(ValueError):
        masked_forward(xs, lengths, h0, params, "rnn")


def test_an_unknown_cell_is_rejected():
    xs, h0, params, _ = _batch("rnn")
    with pytest.raises(ValueError, match="valid cells"):
        masked_bidirectional_forward(xs, LENGTHS, params, params, "transformer")
