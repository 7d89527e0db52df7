"""Misconceptions in the GRU: which side z keeps, and where the reset gate acts.

Shapes: ``x`` (N, d), ``h_prev`` and ``r`` (N, H); ``W_*`` (H, d), ``U_*`` (H, H), ``b_*`` (H,).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import GRU_USERS, Misconception, register
from solutions.gru import candidate_state, reset_gate, update_gate

CANDIDATE_USERS = ("candidate_state", *GRU_USERS)


def gru_cell_swapped_update(x, h_prev, params):
    r = reset_gate(x, h_prev, params)
    z = update_gate(x, h_prev, params)
    return z * h_prev + (1.0 - z) * candidate_state(x, h_prev, r, params)


def candidate_reset_after_matmul(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + r * (h_prev @ params["U_h"].T) + params["b_h"])


def candidate_without_reset(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + h_prev @ params["U_h"].T + params["b_h"])


register(
    Misconception(
        "swap_update_gate", "gru", {"gru.gru_cell": gru_cell_swapped_update}, GRU_USERS,
        mixup="h = z ⊙ h_prev + (1 − z) ⊙ h~",
        equation="h = (1 − z) ⊙ h_prev + z ⊙ h~",
        fix="a small z keeps the old state and z near 1 takes the candidate (PyTorch's nn.GRU swaps "
            "the two roles; this course does not)"),
    Misconception(
        "reset_after_matmul", "gru", {"gru.candidate_state": candidate_reset_after_matmul}, CANDIDATE_USERS,
        mixup="h~ = tanh(x W_hᵀ + r ⊙ (h_prev U_hᵀ) + b_h), resetting after the matrix product (PyTorch's form)",
        equation="h~ = tanh(x W_hᵀ + (r ⊙ h_prev) U_hᵀ + b_h)",
        fix="multiply h_prev by r first, then by U_hᵀ: the reset gate chooses which parts of the old state "
            "the candidate may read"),
    Misconception(
        "drop_reset_gate", "gru", {"gru.candidate_state": candidate_without_reset}, CANDIDATE_USERS,
        mixup="h~ = tanh(x W_hᵀ + h_prev U_hᵀ + b_h), with the reset gate r never used",
        equation="h~ = tanh(x W_hᵀ + (r ⊙ h_prev) U_hᵀ + b_h)",
        fix="scale h_prev by r before U_hᵀ; a small r lets the candidate ignore the old state"),
)
