"""Checks for ``sequence``: unrolling each cell over a time-major sequence."""
from __future__ import annotations

from grader.suites import inputs as gen
from grader.suites.base import Check, register

TIME_AXES = ("t", "n", "unit")
STATE_AXES = ("n", "unit")
HINT = ("Loop t = 1 … T, feed h_{t−1} (and c_{t−1}) from the previous step, store every h_t in hs "
        "of shape (T, N, H), and return the last state too.")


def _sequence(cell: str, *, T=None, N=None):
    def make(rng):
        s = gen.draw_sizes(rng, T=T, N=N)
        xs = gen.inputs(rng, s.T, s.N, s.d)
        params = gen.cell_params(rng, cell, s.d, s.H)
        if cell == "lstm":
            return (xs, gen.state(rng, s.N, s.H), 2.0 * gen.state(rng, s.N, s.H), params)
        return (xs, gen.state(rng, s.N, s.H), params)
    return make


for function, cell, outputs, axes in (
    ("rnn_forward", "rnn", ("hs", "h_T"), {"hs": TIME_AXES, "h_T": STATE_AXES}),
    ("gru_forward", "gru", ("hs", "h_T"), {"hs": TIME_AXES, "h_T": STATE_AXES}),
    ("lstm_forward", "lstm", ("hs", ("h_T", "c_T")), {"hs": TIME_AXES, "h_T": STATE_AXES, "c_T": STATE_AXES}),
):
    register(
        Check("sequence", function, "a short sequence, nonzero initial state", 2, _sequence(cell, T=4),
              visibility="public", outputs=outputs, axes=axes, hint=HINT),
        Check("sequence", function, "a sequence of fresh length and sizes", 2, _sequence(cell),
              outputs=outputs, axes=axes, hint=HINT),
        Check("sequence", function, "one time step (T = 1)", 1, _sequence(cell, T=1),
              outputs=outputs, axes=axes, hint=HINT),
        Check("sequence", function, "one sequence in the batch (N = 1)", 1, _sequence(cell, N=1),
              outputs=outputs, axes=axes, hint=HINT),
    )
