"""Misconceptions in backpropagation: a path of the chain rule left out, or time handled wrongly.

Shapes: ``dh``, ``dc``, ``h_prev``, ``c_prev`` (N, H); ``x`` (N, d); ``dhs`` (T, N, H); ``xs`` (T, N, d).
The variants are built from the reference's own pieces (``_lstm_pieces``, ``_gate_backward``, …),
so each differs from it in the one step it names.
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import FLOW_FUNCTIONS, Misconception, register
from solutions.backprop import _gate_backward, _gru_pieces, _lstm_gates_backward, _lstm_pieces, _ordered

LSTM_GRADIENTS = ("lstm_cell_backward", "lstm_backward", *FLOW_FUNCTIONS)
GRU_GRADIENTS = ("gru_cell_backward", "gru_backward", *FLOW_FUNCTIONS)
SEQUENCE_GRADIENTS = ("rnn_backward", "gru_backward", "lstm_backward")


def lstm_cell_backward_without_tanh_path(dh, dc, x, h_prev, c_prev, params):
    pieces = _lstm_pieces(x, h_prev, c_prev, params)
    dx, dh_prev, grads = _lstm_gates_backward(dh, dc, x, h_prev, c_prev, params, pieces)
    return dx, dh_prev, dc * pieces[0], grads


def lstm_cell_backward_dc_prev_without_forget(dh, dc, x, h_prev, c_prev, params):
    pieces = _lstm_pieces(x, h_prev, c_prev, params)
    o, tanh_c = pieces[2], pieces[4]
    dc_total = dc + dh * o * (1.0 - tanh_c * tanh_c)
    dx, dh_prev, grads = _lstm_gates_backward(dh, dc_total, x, h_prev, c_prev, params, pieces)
    return dx, dh_prev, dc_total, grads


def gru_cell_backward_without_keep_term(dh, x, h_prev, params):
    r, z, h_tilde = _gru_pieces(x, h_prev, params)
    grads = {}
    dx, dq = _gate_backward(dh * z * (1.0 - h_tilde * h_tilde), x, r * h_prev, params, "h", grads)
    dx_z, dh_z = _gate_backward(dh * (h_tilde - h_prev) * z * (1.0 - z), x, h_prev, params, "z", grads)
    dx_r, dh_r = _gate_backward(dq * h_prev * r * (1.0 - r), x, h_prev, params, "r", grads)
    return dx + dx_z + dx_r, dq * r + dh_z + dh_r, _ordered(grads, params)


def gru_cell_backward_without_reset_path(dh, x, h_prev, params):
    r, z, h_tilde = _gru_pieces(x, h_prev, params)
    grads = {}
    dx, dq = _gate_backward(dh * z * (1.0 - h_tilde * h_tilde), x, r * h_prev, params, "h", grads)
    dx_z, dh_z = _gate_backward(dh * (h_tilde - h_prev) * z * (1.0 - z), x, h_prev, params, "z", grads)
    _gate_backward(np.zeros_like(dq), x, h_prev, params, "r", grads)  # r treated as a constant
    return dx + dx_z, dh * (1.0 - z) + dq * r + dh_z, _ordered(grads, params)


def through_time_overwriting_grads(step_backward, dhs, xs, previous, zero_state, add_upstream, params):
    dxs = np.zeros_like(xs)
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    d_state = zero_state
    for t in range(len(xs) - 1, -1, -1):
        dxs[t], d_state, grads = step_backward(add_upstream(d_state, dhs[t]), xs[t], previous[t])
    return dxs, d_state, grads


def through_time_last_step_only(step_backward, dhs, xs, previous, zero_state, add_upstream, params):
    dxs = np.zeros_like(xs)
    last = len(xs) - 1
    dxs[last], d_state, grads = step_backward(add_upstream(zero_state, dhs[last]), xs[last], previous[last])
    return dxs, d_state, grads


register(
    Misconception(
        "drop_tanh_path", "backprop", {"backprop.lstm_cell_backward": lstm_cell_backward_without_tanh_path},
        LSTM_GRADIENTS,
        mixup="the cell's gradient is only the dc that arrives from step t + 1: the path from c through "
              "h = o ⊙ tanh(c) is missing",
        equation="dc_t = dc + dh ⊙ o ⊙ (1 − tanh²(c_t))",
        fix="h reads c too, so add dh ⊙ o ⊙ (1 − tanh²(c)) to dc before you use it for df, di, dc~ and dc_prev"),
    Misconception(
        "drop_forget_from_dc_prev", "backprop",
        {"backprop.lstm_cell_backward": lstm_cell_backward_dc_prev_without_forget}, LSTM_GRADIENTS,
        mixup="dc_prev = dc_t, passing the cell's gradient back unscaled",
        equation="c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t, so dc_prev = dc_t ⊙ f_t",
        fix="multiply by the forget gate: it decides how much of the old cell, and so of its gradient, survives"),
    Misconception(
        "drop_keep_term", "backprop", {"backprop.gru_cell_backward": gru_cell_backward_without_keep_term},
        GRU_GRADIENTS,
        mixup="dh_prev collects only the paths through the gates and the candidate; the direct term "
              "dh ⊙ (1 − z) is missing",
        equation="h = (1 − z) ⊙ h_prev + z ⊙ h~, so dh_prev = dh ⊙ (1 − z) + (the paths through r, z and h~)",
        fix="h_prev also reaches h directly, scaled by 1 − z: that term is what lets a GRU keep its gradient"),
    Misconception(
        "drop_reset_path", "backprop", {"backprop.gru_cell_backward": gru_cell_backward_without_reset_path},
        GRU_GRADIENTS,
        mixup="the reset gate is treated as a constant: no gradient flows through r, so ∂L/∂W_r, ∂L/∂U_r "
              "and ∂L/∂b_r are zero",
        equation="q = r ⊙ h_prev inside h~, so dr = dq ⊙ h_prev with dq = da_h U_h, and da_r = dr ⊙ r ⊙ (1 − r)",
        fix="r depends on x and h_prev through W_r and U_r: backpropagate dr through σ and its affine map"),
    Misconception(
        "overwrite_grads_over_time", "backprop", {"backprop._through_time": through_time_overwriting_grads},
        SEQUENCE_GRADIENTS,
        mixup="the parameter gradients are overwritten at every step, so only step t = 1's are returned",
        equation="∂L/∂W = Σ_t ∂L/∂W at step t (every step uses the same W)",
        fix="start each gradient at zero and add every step's share (grads[k] += step_grads[k])"),
    Misconception(
        "backprop_last_step_only", "backprop", {"backprop._through_time": through_time_last_step_only},
        SEQUENCE_GRADIENTS,
        mixup="only the last step t = T is backpropagated: the gradient never flows to earlier steps",
        equation="dh_t = dhs[t] + dh_prev from step t + 1, for t = T … 1",
        fix="loop over every step from T down to 1, passing dh_prev (and dc_prev) back to the step before"),
)
