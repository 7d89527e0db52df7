"""Misconceptions in the GRU: which side z keeps, and where the reset gate acts.

Two of them are other sources' conventions rather than slips: the keep-gate GRU of Cho et al. 2014,
Dive into Deep Learning and ONNX (``h = z ⊙ h_prev + (1 − z) ⊙ h~``), and PyTorch's reset after the
matrix product; PyTorch's ``nn.GRU`` (cuDNN) is both at once (``follow_pytorch_gru``).

Shapes: ``x`` (N, d), ``h_prev`` and ``r`` (N, H); ``W_*`` (H, d), ``U_*`` (H, H), ``b_*`` (H,).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import GRU_USERS, Misconception, register
from solutions.gru import candidate_state, reset_gate, update_gate

CANDIDATE_USERS = ("candidate_state", *GRU_USERS)
KEEP_GATE = ("the keep-gate convention of Dive into Deep Learning, Cho et al. 2014 and ONNX, where z near 1 "
             "keeps the old state; convert by negating W_z, U_z and b_z, since σ(−a) = 1 − σ(a)")
RESET_AFTER = ("the reset-after-product form of PyTorch's nn.GRU, cuDNN, Keras reset_after=True and ONNX "
               "linear_before_reset=1, which is a different model")
COURSE_CELL = "h = (1 − z) ⊙ h_prev + z ⊙ h~"
COURSE_CANDIDATE = "h~ = tanh(x W_hᵀ + (r ⊙ h_prev) U_hᵀ + b_h)"


def gru_cell_swapped_update(x, h_prev, params):
    r = reset_gate(x, h_prev, params)
    z = update_gate(x, h_prev, params)
    return z * h_prev + (1.0 - z) * candidate_state(x, h_prev, r, params)


def candidate_reset_after_matmul(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + r * (h_prev @ params["U_h"].T) + params["b_h"])


def candidate_reset_after_matmul_and_bias(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + r * (h_prev @ params["U_h"].T + params["b_h"]))


def candidate_without_reset(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + h_prev @ params["U_h"].T + params["b_h"])


register(
    Misconception(
        "swap_update_gate", "gru", {"gru.gru_cell": gru_cell_swapped_update}, GRU_USERS,
        mixup="h = z ⊙ h_prev + (1 − z) ⊙ h~", equation=COURSE_CELL,
        fix="a small z keeps the old state and z near 1 takes the candidate", convention=KEEP_GATE),
    Misconception(
        "reset_after_matmul", "gru", {"gru.candidate_state": candidate_reset_after_matmul}, CANDIDATE_USERS,
        mixup="h~ = tanh(x W_hᵀ + r ⊙ (h_prev U_hᵀ) + b_h), resetting after the matrix product",
        equation=COURSE_CANDIDATE,
        fix="multiply h_prev by r first, then by U_hᵀ: the reset gate chooses which parts of the old state "
            "the candidate may read", convention=RESET_AFTER),
    Misconception(
        "drop_reset_gate", "gru", {"gru.candidate_state": candidate_without_reset}, CANDIDATE_USERS,
        mixup="h~ = tanh(x W_hᵀ + h_prev U_hᵀ + b_h), with the reset gate r never used",
        equation=COURSE_CANDIDATE,
        fix="scale h_prev by r before U_hᵀ; a small r lets the candidate ignore the old state"),
    Misconception(
        "follow_pytorch_gru", "gru",
        {"gru.candidate_state": candidate_reset_after_matmul, "gru.gru_cell": gru_cell_swapped_update},
        CANDIDATE_USERS,
        mixup="PyTorch's nn.GRU: h~ = tanh(x W_hᵀ + b_h + r ⊙ (h_prev U_hᵀ)) and h = z ⊙ h_prev + (1 − z) ⊙ h~",
        equation=f"{COURSE_CANDIDATE} and {COURSE_CELL}",
        fix="two changes: (1) reset before the product, (r * h_prev) @ U_h.T; (2) swap the roles of z, "
            "h = (1 − z) ⊙ h_prev + z ⊙ h~ (a small z keeps the old state)",
        convention="PyTorch, cuDNN and Keras reset_after=True write the GRU so; σ(−a) = 1 − σ(a) converts "
                   "the z roles, but resetting after the product is a different model"),
    Misconception(
        "reset_after_matmul_and_bias", "gru",
        {"gru.candidate_state": candidate_reset_after_matmul_and_bias}, CANDIDATE_USERS,
        mixup="h~ = tanh(x W_hᵀ + r ⊙ (h_prev U_hᵀ + b_h)), resetting after the product and its bias",
        equation=COURSE_CANDIDATE,
        fix="multiply h_prev by r first, then by U_hᵀ, and add b_h outside the reset",
        convention="PyTorch's nn.GRU with b_h in the place of its b_hn, a different model"),
)
