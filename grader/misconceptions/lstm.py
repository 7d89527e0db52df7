"""Misconceptions in the LSTM: which gate scales what, and how h leaves the cell.

Shapes: ``x`` (N, d); ``h_prev``, ``c_prev``, ``f``, ``i``, ``o``, ``c~`` and ``c`` are (N, H).
"""
from __future__ import annotations

from grader.misconceptions.base import LSTM_USERS, Misconception, register
from solutions.lstm import candidate_cell, cell_update, forget_gate, hidden_state, input_gate, output_gate


def lstm_cell_returning_c_first(x, h_prev, c_prev, params):
    f, i = forget_gate(x, h_prev, params), input_gate(x, h_prev, params)
    c = cell_update(c_prev, f, i, candidate_cell(x, h_prev, params))
    return c, hidden_state(output_gate(x, h_prev, params), c)


def input_gate_with_forget_weights(x, h_prev, params):
    return forget_gate(x, h_prev, params)


def cell_update_swapped(c_prev, f, i, c_tilde):
    return i * c_prev + f * c_tilde


def hidden_state_without_tanh(o, c):
    return o * c


def lstm_cell_hidden_from_old_cell(x, h_prev, c_prev, params):
    f, i = forget_gate(x, h_prev, params), input_gate(x, h_prev, params)
    c = cell_update(c_prev, f, i, candidate_cell(x, h_prev, params))
    return hidden_state(output_gate(x, h_prev, params), c_prev), c


register(
    Misconception(
        "swap_forget_input", "lstm", {"lstm.cell_update": cell_update_swapped}, ("cell_update", *LSTM_USERS),
        mixup="c = i ⊙ c_prev + f ⊙ c~",
        equation="c = f ⊙ c_prev + i ⊙ c~",
        fix="the forget gate decides how much of the old cell survives, the input gate how much of the "
            "candidate is written"),
    Misconception(
        "hidden_without_tanh", "lstm", {"lstm.hidden_state": hidden_state_without_tanh},
        ("hidden_state", *LSTM_USERS),
        mixup="h = o ⊙ c, exposing the cell without squashing it",
        equation="h = o ⊙ tanh(c)",
        fix="the cell can grow beyond ±1; tanh(c) keeps h in (−1, 1) before the output gate scales it"),
    Misconception(
        "hidden_from_old_cell", "lstm", {"lstm.lstm_cell": lstm_cell_hidden_from_old_cell}, LSTM_USERS,
        mixup="h = o ⊙ tanh(c_prev), computed from the cell before this step's update",
        equation="c = f ⊙ c_prev + i ⊙ c~, then h = o ⊙ tanh(c)",
        fix="update the cell first and expose the new cell c"),
    Misconception(
        "return_c_before_h", "lstm", {"lstm.lstm_cell": lstm_cell_returning_c_first}, LSTM_USERS,
        mixup="lstm_cell returns (c, h), the pair in the wrong order",
        equation="lstm_cell(x, h_prev, c_prev, params) returns (h, c)",
        fix="return h first and c second, as the contract's table says (and unpack h, c = lstm_cell(…) "
            "the same way wherever you call it)"),
    Misconception(
        "input_gate_forget_weights", "lstm", {"lstm.input_gate": input_gate_with_forget_weights},
        ("input_gate", *LSTM_USERS),
        mixup="i = σ(x W_fᵀ + h_prev U_fᵀ + b_f), the input gate computed with the forget gate's weights",
        equation="i = σ(x W_iᵀ + h_prev U_iᵀ + b_i)",
        fix="each gate has its own weights: the input gate uses params['W_i'], params['U_i'] and params['b_i']"),
)
