"""Input makers shared by the cell suites (vanilla, GRU, LSTM): one step of one cell."""
from __future__ import annotations

from grader.suites import inputs as gen


def step(cell: str, *, N: int | None = None, with_c: bool = False, with_r: bool = False, scale: float = 1.0,
         square: bool = False):
    """Make ``(x, h_prev[, c_prev | r], params)`` for one step of ``cell`` (``square``: d = H)."""
    def make(rng):
        s = gen.draw_sizes(rng, N=N, square=square)
        x, h_prev = gen.inputs(rng, s.N, s.d), gen.state(rng, s.N, s.H)
        params = gen.cell_params(rng, cell, s.d, s.H, scale=scale)
        if with_c:
            return (x, h_prev, 2.0 * gen.state(rng, s.N, s.H), params)
        if with_r:
            return (x, h_prev, rng.uniform(0.1, 0.9, size=(s.N, s.H)), params)
        return (x, h_prev, params)
    return make
