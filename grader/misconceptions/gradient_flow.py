"""Misconceptions in state Jacobians and gradient norms: which index is which, and counting steps.

Shapes: ``x`` (N, d), ``h_prev`` and ``c_prev`` (N, H), ``xs`` (T, N, d); Jacobians (N, S, S).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import FLOW_FUNCTIONS, Misconception, register
from solutions.gradient_flow import _check_cell, _jacobian_rows, _lstm_state, _require_cell_state, _step_jacobians


def state_jacobian_transposed(cell, x, h_prev, params, c_prev=None):
    _check_cell(cell)
    _require_cell_state(cell, c_prev, "c_prev")
    s_prev = _lstm_state(h_prev, c_prev) if cell == "lstm" else np.asarray(h_prev, dtype=np.float64)
    return _jacobian_rows(cell, x, s_prev, params).transpose(0, 2, 1)


def gradient_norms_one_step_late(cell, xs, h0, params, c0=None):
    jacobians = _step_jacobians(cell, xs, h0, params, c0)
    T, N = jacobians.shape[:2]
    norms = np.empty((T, N))
    product = np.broadcast_to(np.eye(jacobians.shape[-1]), jacobians.shape[1:])
    for k in range(T - 1, -1, -1):
        norms[k] = np.sqrt(np.einsum("nij,nij->n", product, product))  # recorded before multiplying
        product = product @ jacobians[k]
    return norms


register(
    Misconception(
        "transpose_jacobian", "gradient_flow", {"gradient_flow.state_jacobian": state_jacobian_transposed},
        FLOW_FUNCTIONS,
        mixup="J[n, i, j] = ∂s_{t−1}[n, i] / ∂s_t[n, j]: the Jacobian is transposed (rows and columns swapped)",
        equation="J[n, i, j] = ∂s_t[n, i] / ∂s_{t−1}[n, j]: row i is one output, column j one input",
        fix="the backward step gives ds_prev = ds J, a row vector times J, so ds = e_i returns row i, "
            "not column i (for the vanilla cell J = diag(1 − h²) W_h, not W_hᵀ diag(1 − h²))"),
    Misconception(
        "shift_norms_one_step", "gradient_flow", {"gradient_flow.gradient_norms": gradient_norms_one_step_late},
        ("gradient_norms",),
        mixup="norms[k] = ‖∂s_T/∂s_{k+1}‖, one step short: the norm is taken before the step's Jacobian is "
              "multiplied in, so norms[T−1] = ‖I‖",
        equation="norms[k] = ‖J_T J_{T−1} … J_{k+1}‖_F, so norms[T−1] = ‖J_T‖_F spans one step",
        fix="multiply by J_{k+1} first, then take the norm; norms[0] must span all T steps"),
)
