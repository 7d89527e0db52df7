"""Checks for ``gates``: a stable sigmoid and one generic gate."""
from __future__ import annotations

import numpy as np

from grader.suites import inputs as gen
from grader.suites.base import Check, register

GATE_HINT = "A gate is σ(x Wᵀ + h_prev Uᵀ + b): W is (H, d) and U is (H, H), so both are transposed."


def _moderate(rng):
    return (rng.normal(scale=3.0, size=(3, 5)),)


def _large(rng):
    extremes = np.array([-1e4, -1e3, -745.0, -50.0, 0.0, 50.0, 745.0, 1e3, 1e4])
    return (np.concatenate([extremes, rng.uniform(-1e4, 1e4, size=7)]).reshape(4, 4),)


def _any_shape(rng):
    return (rng.normal(scale=2.0, size=(2, 3, 4)),)


def _gate_inputs(N=None, square=False):
    def make(rng):
        s = gen.draw_sizes(rng, N=N, square=square)
        p = gen.cell_params(rng, "gru", s.d, s.H)
        return (gen.inputs(rng, s.N, s.d), gen.state(rng, s.N, s.H), p["W_z"], p["U_z"], p["b_z"])
    return make


register(
    Check("gates", "sigmoid", "moderate values", 1, _moderate, visibility="public",
          hint="σ(a) = 1 / (1 + e^(−a)), applied elementwise."),
    Check("gates", "sigmoid", "keeps any input shape", 1, _any_shape,
          hint="Work elementwise with NumPy operations so any shape comes back unchanged."),
    Check("gates", "sigmoid", "large pre-activations up to ±1e4 without overflow", 2, _large,
          forbid_fp_warnings=True,
          hint="e^(−a) overflows for a ≪ 0. For negative a use σ(a) = e^a / (1 + e^a); "
               "for positive a use 1 / (1 + e^(−a)). np.where evaluates both sides, so compute "
               "e^(−|a|) once and combine."),
    Check("gates", "gate", "one gate, nonzero state and bias", 2, _gate_inputs(), visibility="public",
          outputs=("gate",), hint=GATE_HINT),
    Check("gates", "gate", "batch of one (N = 1)", 1, _gate_inputs(N=1), outputs=("gate",), hint=GATE_HINT),
    Check("gates", "gate", "square weights (d = H)", 1, _gate_inputs(square=True), outputs=("gate",),
          hint=GATE_HINT),
)
