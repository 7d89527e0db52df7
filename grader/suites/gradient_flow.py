"""Checks for ``gradient_flow``: one step's state Jacobian, and gradient norms over long sequences.

Norms over 40–60 steps of a vanilla RNN fall to 1e-10 and below, so they are graded with a
purely relative tolerance (atol = 0): a value of 1e-10 must be right to 1e-6 of itself, and an
answer of 0 for it is wrong. LSTM forget biases are drawn around +1.5, as practice initialises
them, so that the cell path keeps its gradient (the contrast the unit is about).
"""
from __future__ import annotations

from grader.suites import inputs as gen
from grader.suites.base import Check, Tolerance, register

RELATIVE = Tolerance(atol=0.0, rtol=1e-6)
JACOBIAN_HINT = ("J[n, i, j] = ∂s_t[n, i] / ∂s_{t−1}[n, j]: row i is what your backward step returns as "
                 "ds_prev for ds = e_i (for the vanilla cell J = diag(1 − h²) W_h). For \"lstm\" s = [h; c], h first.")
NORMS_HINT = ("norms[k] = ‖J_T J_{T−1} … J_{k+1}‖_F: norms[T−1] is the norm of the last step's Jacobian alone, "
              "and going back one step multiplies the product by one more Jacobian on the right.")


def _params(rng, cell: str, d: int, H: int) -> dict:
    params = gen.cell_params(rng, cell, d, H)
    if cell == "lstm":
        params["b_f"] = rng.uniform(1.0, 2.0, size=H)
    return params


def _jacobian_step(cell: str, *, N: int | None = None):
    """``(cell, x, h_prev, params[, c_prev])``."""
    def make(rng):
        s = gen.draw_sizes(rng, N=N)
        x, h_prev = gen.inputs(rng, s.N, s.d), gen.state(rng, s.N, s.H)
        params = _params(rng, cell, s.d, s.H)
        if cell == "lstm":
            return (cell, x, h_prev, params, 2.0 * gen.state(rng, s.N, s.H))
        return (cell, x, h_prev, params)
    return make


def _long_sequence(cell: str, *, T: int | None = None, N: int | None = None):
    """``(cell, xs, h0, params[, c0])`` over ``T`` steps (default: 40–60)."""
    def make(rng):
        s = gen.draw_sizes(rng, T=T if T is not None else int(rng.integers(40, 61)), N=N)
        xs, h0 = gen.inputs(rng, s.T, s.N, s.d), gen.state(rng, s.N, s.H)
        params = _params(rng, cell, s.d, s.H)
        if cell == "lstm":
            return (cell, xs, h0, params, gen.state(rng, s.N, s.H))
        return (cell, xs, h0, params)
    return make


JACOBIAN_AXES = {"J": ("n", "unit", "unit")}
NORM_AXES = {"norms": ("k", "n")}

for cell in ("rnn", "gru", "lstm"):
    register(
        Check("gradient_flow", "state_jacobian", f"one {cell} step", 2, _jacobian_step(cell), visibility="public",
              outputs=("J",), axes=JACOBIAN_AXES, hint=JACOBIAN_HINT),
        Check("gradient_flow", "state_jacobian", f"one {cell} step, fresh sizes", 1, _jacobian_step(cell),
              outputs=("J",), axes=JACOBIAN_AXES, hint=JACOBIAN_HINT),
        Check("gradient_flow", "state_jacobian", f"one {cell} step, N = 1", 1, _jacobian_step(cell, N=1),
              outputs=("J",), axes=JACOBIAN_AXES, hint=JACOBIAN_HINT),
    )

for cell in ("rnn", "gru", "lstm"):
    register(
        Check("gradient_flow", "gradient_norms", f"{cell}, 60 steps", 2, _long_sequence(cell, T=60),
              visibility="public", outputs=("norms",), axes=NORM_AXES, tolerance=RELATIVE, hint=NORMS_HINT,
              chart="log_norms"),
        Check("gradient_flow", "gradient_norms", f"{cell}, a long sequence of fresh length", 1,
              _long_sequence(cell), outputs=("norms",), axes=NORM_AXES, tolerance=RELATIVE, hint=NORMS_HINT),
        Check("gradient_flow", "gradient_norms", f"{cell}, one time step (T = 1)", 1, _long_sequence(cell, T=1),
              outputs=("norms",), axes=NORM_AXES, tolerance=RELATIVE, hint=NORMS_HINT),
    )
