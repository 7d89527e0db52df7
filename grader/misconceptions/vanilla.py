"""Misconceptions taught with ``vanilla`` that recur in every cell: which squashing function goes where.

Shapes: ``x`` (N, d), ``h_prev`` and ``r`` (N, H); ``W_*`` (H, d), ``U_*`` (H, H), ``b_*`` (H,).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import GRU_USERS, LSTM_USERS, RNN_USERS, Misconception, register
from solutions.gates import sigmoid


def sigmoid_rnn_cell(x, h_prev, params):
    return sigmoid(x @ params["W_x"].T + h_prev @ params["W_h"].T + params["b"])


def sigmoid_candidate_state(x, h_prev, r, params):
    return sigmoid(x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T + params["b_h"])


def sigmoid_candidate_cell(x, h_prev, params):
    return sigmoid(x @ params["W_c"].T + h_prev @ params["U_c"].T + params["b_c"])


def bias_outside_rnn_cell(x, h_prev, params):
    return np.tanh(x @ params["W_x"].T + h_prev @ params["W_h"].T) + params["b"]


def bias_outside_candidate_state(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T) + params["b_h"]


def bias_outside_candidate_cell(x, h_prev, params):
    return np.tanh(x @ params["W_c"].T + h_prev @ params["U_c"].T) + params["b_c"]


SQUASHED_STATE_USERS = tuple(dict.fromkeys(("candidate_state", "candidate_cell", *RNN_USERS, *GRU_USERS,
                                            *LSTM_USERS)))

register(
    Misconception(
        "swap_tanh_sigmoid", "vanilla",
        {"vanilla.rnn_cell": sigmoid_rnn_cell, "gru.candidate_state": sigmoid_candidate_state,
         "lstm.candidate_cell": sigmoid_candidate_cell},
        SQUASHED_STATE_USERS,
        mixup="a new state or candidate squashed with σ, so it lies in (0, 1)",
        equation="h = tanh(x W_xᵀ + h_prev W_hᵀ + b), h~ = tanh(x W_hᵀ + (r ⊙ h_prev) U_hᵀ + b_h) and "
                 "c~ = tanh(x W_cᵀ + h_prev U_cᵀ + b_c)",
        fix="states and candidates use tanh, which is centred on 0 and reaches (−1, 1); σ is only for gates"),
    Misconception(
        "bias_outside_tanh", "vanilla",
        {"vanilla.rnn_cell": bias_outside_rnn_cell, "gru.candidate_state": bias_outside_candidate_state,
         "lstm.candidate_cell": bias_outside_candidate_cell},
        SQUASHED_STATE_USERS,
        mixup="tanh(x Wᵀ + h_prev Uᵀ) + b, the bias added after the squashing",
        equation="h = tanh(x W_xᵀ + h_prev W_hᵀ + b) (and likewise h~ and c~)",
        fix="add the bias inside, before tanh: it shifts the pre-activation, and the state stays in (−1, 1)"),
)
