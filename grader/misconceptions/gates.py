"""Misconceptions taught with ``gates``: the sigmoid, and how a gate meets its weights.

Shapes as in the contract: ``x`` (N, d), ``h_prev`` (N, H), ``W`` (H, d), ``U`` (H, H), ``b`` (H,).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import GRU_USERS, LSTM_USERS, RNN_USERS, Misconception, register
from solutions.gates import sigmoid

GATE_FUNCTIONS = ("gate", "reset_gate", "update_gate", "forget_gate", "input_gate", "output_gate")
WEIGHTED = tuple(dict.fromkeys((*GATE_FUNCTIONS, "candidate_state", "candidate_cell", *RNN_USERS, *GRU_USERS,
                                *LSTM_USERS)))
UNSQUASHED = ("candidate_state", "candidate_cell", "rnn_cell", "rnn_forward")  # no sigmoid gate inside


def naive_sigmoid(a):
    return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=np.float64)))


def two_branch_sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    return np.where(a >= 0, 1.0 / (1.0 + np.exp(-a)), np.exp(a) / (1.0 + np.exp(a)))


def untransposed_gate(x, h_prev, W, U, b):
    return sigmoid(x @ W + h_prev @ U + b)


def untransposed_rnn_cell(x, h_prev, params):
    return np.tanh(x @ params["W_x"] + h_prev @ params["W_h"] + params["b"])


def untransposed_candidate_state(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"] + (r * h_prev) @ params["U_h"] + params["b_h"])


def untransposed_candidate_cell(x, h_prev, params):
    return np.tanh(x @ params["W_c"] + h_prev @ params["U_c"] + params["b_c"])


def biasless_gate(x, h_prev, W, U, b):
    return sigmoid(x @ W.T + h_prev @ U.T)


def biasless_rnn_cell(x, h_prev, params):
    return np.tanh(x @ params["W_x"].T + h_prev @ params["W_h"].T)


def biasless_candidate_state(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T)


def biasless_candidate_cell(x, h_prev, params):
    return np.tanh(x @ params["W_c"].T + h_prev @ params["U_c"].T)


def tanh_gate(x, h_prev, W, U, b):
    return np.tanh(x @ W.T + h_prev @ U.T + b)


register(
    Misconception(
        "naive_sigmoid_overflow", "gates", {"gates.sigmoid": naive_sigmoid}, ("sigmoid",),
        mixup="σ(a) = 1 / (1 + e^(−a)) evaluated as written, so e^(−a) overflows to inf for large negative a",
        equation="σ(a) = 1 / (1 + e^(−a)) computed from e = e^(−|a|), which never overflows",
        fix="use 1 / (1 + e) where a ≥ 0 and e / (1 + e) where a < 0"),
    Misconception(
        "where_evaluates_both_branches", "gates", {"gates.sigmoid": two_branch_sigmoid}, ("sigmoid",),
        mixup="np.where(a ≥ 0, 1 / (1 + e^(−a)), e^a / (1 + e^a)): the right two forms, but np.where "
              "evaluates both for every element, so e^(−a) and e^a overflow where they are not used",
        equation="σ(a) computed from e = e^(−|a|), which never overflows",
        fix="compute e = np.exp(-np.abs(a)) once, then np.where(a >= 0, 1 / (1 + e), e / (1 + e)): "
            "both branches are then safe to evaluate"),
    Misconception(
        "untransposed_weights", "gates",
        {"gates.gate": untransposed_gate, "vanilla.rnn_cell": untransposed_rnn_cell,
         "gru.candidate_state": untransposed_candidate_state, "lstm.candidate_cell": untransposed_candidate_cell},
        WEIGHTED,
        mixup="x W + h_prev U + b, with the weights as stored rather than transposed",
        equation="x Wᵀ + h_prev Uᵀ + b for a batch of rows x (N, d), with W (H, d) and U (H, H)",
        fix="write x @ W.T + h_prev @ U.T + b; without .T the shapes only fit when d = H, and even then "
            "every unit reads the wrong weights"),
    Misconception(
        "drop_bias", "gates",
        {"gates.gate": biasless_gate, "vanilla.rnn_cell": biasless_rnn_cell,
         "gru.candidate_state": biasless_candidate_state, "lstm.candidate_cell": biasless_candidate_cell},
        WEIGHTED,
        mixup="x Wᵀ + h_prev Uᵀ with the bias b left out",
        equation="σ(x Wᵀ + h_prev Uᵀ + b) (and tanh(… + b) for candidates)",
        fix="every affine map has its own bias vector b of shape (H,), added after both products"),
    Misconception(
        "tanh_for_gate", "gates", {"gates.gate": tanh_gate},
        tuple(f for f in WEIGHTED if f not in UNSQUASHED),
        mixup="a gate squashed with tanh, so it ranges over (−1, 1)",
        equation="r, z, f, i, o = σ(x Wᵀ + h_prev Uᵀ + b)",
        fix="gates use the sigmoid σ so they lie in (0, 1) and act as soft switches; tanh is for candidates"),
)
