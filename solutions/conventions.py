"""Weights written by other sources, turned into the course's parameter dicts.

Shapes follow the contract: ``W_*`` ``(H, d)``, ``U_*`` ``(H, H)``, ``b_*`` ``(H,)``. PyTorch stores
``weight_ih_l0`` ``(G·H, d)`` and ``weight_hh_l0`` ``(G·H, H)`` with the G gate blocks stacked by
rows, and two bias vectors ``bias_ih_l0``, ``bias_hh_l0`` ``(G·H,)`` that are simply added. Every
function returns new arrays: the caller's are never modified.
"""
from __future__ import annotations

import numpy as np

GRU_KEYS = ("W_r", "U_r", "b_r", "W_z", "U_z", "b_z", "W_h", "U_h", "b_h")
TORCH_LSTM_ORDER = ("i", "f", "c", "o")  # PyTorch's blocks i, f, g, o; its g is the course's c~
LSTM_KEYS = tuple(f"{p}_{gate}" for gate in ("f", "i", "c", "o") for p in ("W", "U", "b"))


def _float_array(value):
    return np.array(value, dtype=np.float64)  # a copy, never a view of the caller's array


def gru_from_keep_gate(params):
    """Course-form GRU parameters from a GRU written h = z ⊙ h_prev + (1 − z) ⊙ h~.

    In that convention (Cho et al. 2014, Dive into Deep Learning, ONNX) z = σ(a) keeps the old
    state. The course's z must be 1 − σ(a) = σ(−a), so W_z, U_z and b_z are negated; r and the
    candidate (reset before the product) are the same in both. ``params`` holds the nine GRU keys;
    the result is a new dict of new arrays with the same keys and shapes.
    """
    missing = [key for key in GRU_KEYS if key not in params]
    if missing:
        raise ValueError(f"a GRU parameter dict needs {', '.join(GRU_KEYS)}; missing: {', '.join(missing)}")
    converted = {key: _float_array(params[key]) for key in GRU_KEYS}
    for key in ("W_z", "U_z", "b_z"):
        converted[key] = -converted[key]
    return converted


def _torch_shapes(weight_ih, weight_hh, bias_ih, bias_hh, gates):
    """The four tensors as float64 arrays, checked against ``(G·H, d)``, ``(G·H, H)``, ``(G·H,)`` twice."""
    w_ih, w_hh, b_ih, b_hh = (_float_array(v) for v in (weight_ih, weight_hh, bias_ih, bias_hh))
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(f"weight_hh must be ({gates}·H, H), got shape {w_hh.shape}")
    rows = w_hh.shape[0]
    if w_ih.ndim != 2 or w_ih.shape[0] != rows:
        raise ValueError(f"weight_ih must be ({rows}, d) to match weight_hh, got shape {w_ih.shape}")
    for name, bias in (("bias_ih", b_ih), ("bias_hh", b_hh)):
        if bias.shape != (rows,):
            raise ValueError(f"{name} must have shape ({rows},), got {bias.shape}")
    return w_ih, w_hh, b_ih, b_hh


def rnn_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """The course's vanilla RNN from PyTorch ``nn.RNN`` (tanh) layer-0 tensors as arrays.

    Shapes ``(H, d)``, ``(H, H)``, ``(H,)``, ``(H,)``. PyTorch computes
    h = tanh(x W_ihᵀ + b_ih + h_prev W_hhᵀ + b_hh), so W_x = W_ih, W_h = W_hh, b = b_ih + b_hh.
    Returns ``{"W_x", "W_h", "b"}``, new arrays.
    """
    w_ih, w_hh, b_ih, b_hh = _torch_shapes(weight_ih, weight_hh, bias_ih, bias_hh, 1)
    return {"W_x": w_ih, "W_h": w_hh, "b": b_ih + b_hh}


def _lstm_blocks(w_ih, w_hh, bias, order):
    """The course's LSTM dict from row blocks stacked in ``order`` (gate letters, H rows each)."""
    hidden = w_hh.shape[1]
    params = {}
    for k, gate in enumerate(order):
        rows = slice(k * hidden, (k + 1) * hidden)
        params[f"W_{gate}"], params[f"U_{gate}"], params[f"b_{gate}"] = w_ih[rows], w_hh[rows], bias[rows]
    return {key: params[key].copy() for key in LSTM_KEYS}


def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """The course's LSTM dict from PyTorch ``nn.LSTM`` layer-0 tensors as arrays.

    Rows are stacked in PyTorch's gate order i, f, g, o (g is the candidate cell c~), H rows each:
    shapes ``(4H, d)``, ``(4H, H)``, ``(4H,)``, ``(4H,)``. Block k gives W_k = weight_ih[kH:(k+1)H],
    U_k = weight_hh[kH:(k+1)H] and b_k = bias_ih[kH:(k+1)H] + bias_hh[kH:(k+1)H].
    Returns the twelve keys ``W_f, U_f, b_f, W_i, …, b_o``, new arrays.
    """
    w_ih, w_hh, b_ih, b_hh = _torch_shapes(weight_ih, weight_hh, bias_ih, bias_hh, 4)
    return _lstm_blocks(w_ih, w_hh, b_ih + b_hh, TORCH_LSTM_ORDER)
