"""Checks for ``backprop``: the gradients of one step of each cell, and through time.

Every part of a returned value is graded on its own (dx, dh_prev, dc_prev and each entry of
``grads``), so feedback names the parameter and the gate whose gradient is off. The upstream
gradients are standard normal: no part of the loss is zero.
"""
from __future__ import annotations

from grader.suites import inputs as gen
from grader.suites.base import Check, register

CELL_AXES = {"dx": ("n", "input"), "dh_prev": ("n", "unit"), "dc_prev": ("n", "unit")}
TIME_AXES = {"dxs": ("t", "n", "input"), "dh0": ("n", "unit"), "dc0": ("n", "unit")}
HINTS = {
    "rnn_cell_backward": "da = dh ⊙ (1 − h²); then dx = da W_x, dh_prev = da W_h, ∂L/∂W_x = daᵀ x, "
                         "∂L/∂W_h = daᵀ h_prev, ∂L/∂b = Σ_n da.",
    "gru_cell_backward": "dh~ = dh ⊙ z, dz = dh ⊙ (h~ − h_prev); h_prev gets dh ⊙ (1 − z) directly, dq ⊙ r "
                         "through q = r ⊙ h_prev (and dr = dq ⊙ h_prev), and da_r U_r + da_z U_z.",
    "lstm_cell_backward": "First the dc path through tanh(c): dc_t = dc + dh ⊙ o ⊙ (1 − tanh²(c)); then "
                          "df = dc_t ⊙ c_prev, di = dc_t ⊙ c~, dc~ = dc_t ⊙ i and dc_prev = dc_t ⊙ f.",
}
TIME_HINT = ("Go t = T … 1: the gradient reaching h_t is dhs[t] plus the dh_prev of step t + 1 (and dc_t the "
             "dc_prev of step t + 1); the weights are shared, so sum every step's gradients.")


def _cell_step(cell: str, *, N: int | None = None, square: bool = False):
    """``(dh[, dc], x, h_prev[, c_prev], params)`` for one step of ``cell``."""
    def make(rng):
        s = gen.draw_sizes(rng, N=N, square=square)
        dh = gen.inputs(rng, s.N, s.H)
        x, h_prev = gen.inputs(rng, s.N, s.d), gen.state(rng, s.N, s.H)
        params = gen.cell_params(rng, cell, s.d, s.H)
        if cell == "lstm":
            return (dh, gen.inputs(rng, s.N, s.H), x, h_prev, 2.0 * gen.state(rng, s.N, s.H), params)
        return (dh, x, h_prev, params)
    return make


def _sequence(cell: str, *, T: int | None = None, N: int | None = None, last_only: bool = False):
    """``(dhs, xs, h0[, c0], params)``; ``last_only``: the loss reads the last state only."""
    def make(rng):
        s = gen.draw_sizes(rng, T=T, N=N)
        dhs = gen.inputs(rng, s.T, s.N, s.H)
        if last_only:
            dhs[:-1] = 0.0
        xs, h0 = gen.inputs(rng, s.T, s.N, s.d), gen.state(rng, s.N, s.H)
        params = gen.cell_params(rng, cell, s.d, s.H)
        if cell == "lstm":
            return (dhs, xs, h0, 2.0 * gen.state(rng, s.N, s.H), params)
        return (dhs, xs, h0, params)
    return make


for function, cell in (("rnn_cell_backward", "rnn"), ("gru_cell_backward", "gru"), ("lstm_cell_backward", "lstm")):
    outputs = ("dx", "dh_prev", "dc_prev", "grads") if cell == "lstm" else ("dx", "dh_prev", "grads")
    register(
        Check("backprop", function, "one step, nonzero state and biases", 2, _cell_step(cell), visibility="public",
              outputs=outputs, axes=CELL_AXES, hint=HINTS[function]),
        Check("backprop", function, "one step, fresh sizes", 1, _cell_step(cell), outputs=outputs, axes=CELL_AXES,
              hint=HINTS[function]),
        Check("backprop", function, "one step, N = 1", 1, _cell_step(cell, N=1), outputs=outputs, axes=CELL_AXES,
              hint=HINTS[function]),
        Check("backprop", function, "square weights (d = H)", 1, _cell_step(cell, square=True), outputs=outputs,
              axes=CELL_AXES, hint=HINTS[function]),
    )

for function, cell in (("rnn_backward", "rnn"), ("gru_backward", "gru"), ("lstm_backward", "lstm")):
    outputs = ("dxs", ("dh0", "dc0"), "grads") if cell == "lstm" else ("dxs", "dh0", "grads")
    register(
        Check("backprop", function, "a short sequence, loss on every step", 2, _sequence(cell, T=4),
              visibility="public", outputs=outputs, axes=TIME_AXES, hint=TIME_HINT),
        Check("backprop", function, "a sequence of fresh length and sizes", 1, _sequence(cell), outputs=outputs,
              axes=TIME_AXES, hint=TIME_HINT),
        Check("backprop", function, "loss on the last state only", 1, _sequence(cell, last_only=True),
              outputs=outputs, axes=TIME_AXES, hint=TIME_HINT),
        Check("backprop", function, "one time step (T = 1)", 1, _sequence(cell, T=1), outputs=outputs,
              axes=TIME_AXES, hint=TIME_HINT),
    )
