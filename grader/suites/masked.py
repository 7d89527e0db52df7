"""Checks for ``masked``: padded batches of sequences with different lengths.

The padding of every batch holds garbage (finite values unlike the real inputs), so a function
that reads padding, or returns it, loses points. Lengths include 1 and T, and one batch has every
length different.
"""
from __future__ import annotations

import numpy as np

from grader.suites import inputs as gen
from grader.suites.base import Check, register

TIME_AXES = ("t", "n", "unit")
HINT = ("At step t update only the sequences with t < lengths[n]; the others keep their state and "
        "output 0. finals[n] is the state after sequence n's own last real step, not the state at T.")
BIDIRECTIONAL_HINT = ("Both directions read only the real steps of each sequence: the backward direction of "
                      "sequence n starts at t = lengths[n] (not at T, which may be padding) and runs down "
                      "to t = 1; padded positions of hs are 0.")
GARBAGE = 5.0


def lengths_all_different(rng: np.random.Generator, T: int, N: int) -> np.ndarray:
    """N different lengths in 1 … T (needs T ≥ N)."""
    return rng.choice(np.arange(1, T + 1), size=N, replace=False)


def lengths_with_ends(rng: np.random.Generator, T: int, N: int) -> np.ndarray:
    """Lengths in 1 … T with at least one sequence of length 1 and one of length T (N ≥ 2)."""
    lengths = rng.integers(1, T + 1, size=N)
    short, full = rng.choice(N, size=2, replace=False)
    lengths[short], lengths[full] = 1, T
    return lengths


def padded_inputs(rng: np.random.Generator, T: int, N: int, d: int, lengths, garbage: float = GARBAGE) -> np.ndarray:
    """``(T, N, d)`` inputs: standard normal at real steps, uniform in ±``garbage`` on the padding."""
    xs = gen.inputs(rng, T, N, d)
    padding = ~(np.arange(T)[:, None] < np.asarray(lengths)[None, :])
    xs[padding] = rng.uniform(-garbage, garbage, size=(int(padding.sum()), d))
    return xs


def _batch(rng, draw_lengths, T, N, garbage):
    s = gen.draw_sizes(rng, T=T, N=N)
    steps = max(s.T, s.N) if draw_lengths is lengths_all_different else s.T
    lengths = draw_lengths(rng, steps, s.N) if steps > 1 else np.ones(s.N, dtype=np.int64)
    return s, steps, lengths, padded_inputs(rng, steps, s.N, s.d, lengths, garbage)


def _forward(cell: str, draw_lengths, *, T=None, N=None, garbage=GARBAGE, as_array=False):
    def make(rng):
        s, steps, lengths, xs = _batch(rng, draw_lengths, T, N, garbage)
        h0 = gen.state(rng, s.N, s.H)
        if cell == "lstm":
            h0 = (h0, 2.0 * gen.state(rng, s.N, s.H))
        given = lengths.astype(np.int64) if as_array else [int(v) for v in lengths]
        return (xs, given, h0, gen.cell_params(rng, cell, s.d, s.H), cell)
    return make


def _bidirectional(cell: str, draw_lengths, *, T=None, N=None, garbage=GARBAGE):
    def make(rng):
        s, steps, lengths, xs = _batch(rng, draw_lengths, T, N, garbage)
        return (xs, [int(v) for v in lengths], gen.cell_params(rng, cell, s.d, s.H),
                gen.cell_params(rng, cell, s.d, s.H), cell)
    return make


FORWARD = dict(outputs=("hs", "finals"), axes={"hs": TIME_AXES}, hint=HINT)
LSTM_FORWARD = dict(outputs=("hs", ("h", "c")), axes={"hs": TIME_AXES}, hint=HINT)
BIDIRECTIONAL = dict(outputs=("hs",), axes={"hs": ("t", "n", "dir")}, hint=BIDIRECTIONAL_HINT)

register(
    Check("masked", "masked_forward", "vanilla RNN, every length different, garbage in the padding", 2,
          _forward("rnn", lengths_all_different), visibility="public", **FORWARD),
    Check("masked", "masked_forward", "GRU, lengths 1 and T in one batch", 2,
          _forward("gru", lengths_with_ends), **FORWARD),
    Check("masked", "masked_forward", "LSTM from (h0, c0), lengths as an integer array", 2,
          _forward("lstm", lengths_all_different, as_array=True), **LSTM_FORWARD),
    Check("masked", "masked_forward", "GRU, large garbage (±1000) in the padding", 1,
          _forward("gru", lengths_with_ends, garbage=1000.0), **FORWARD),
    Check("masked", "masked_bidirectional_forward", "vanilla RNN, every length different", 2,
          _bidirectional("rnn", lengths_all_different), visibility="public", **BIDIRECTIONAL),
    Check("masked", "masked_bidirectional_forward", "GRU, lengths 1 and T in one batch", 2,
          _bidirectional("gru", lengths_with_ends), **BIDIRECTIONAL),
    Check("masked", "masked_bidirectional_forward", "LSTM, every length different", 2,
          _bidirectional("lstm", lengths_all_different), **BIDIRECTIONAL),
    Check("masked", "masked_bidirectional_forward", "one time step (T = 1)", 1,
          _bidirectional("gru", lengths_with_ends, T=1), **BIDIRECTIONAL),
)
