"""Misconceptions in loading other sources' weights: the keep-gate GRU, PyTorch's gate order and
its two biases, and converting in place.

Shapes: the course's ``W_*`` (H, d), ``U_*`` (H, H), ``b_*`` (H,); PyTorch's ``weight_ih`` (G·H, d),
``weight_hh`` (G·H, H), ``bias_ih`` and ``bias_hh`` (G·H,) with G = 1 (RNN) or 4 (LSTM).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import Misconception, register
from solutions.conventions import GRU_KEYS, TORCH_LSTM_ORDER, _lstm_blocks, _torch_shapes

TORCH = ("rnn_from_torch", "lstm_from_torch")


def keep_gate_copied(params):
    return {key: np.array(params[key], dtype=np.float64) for key in GRU_KEYS}


def keep_gate_one_minus(params):
    converted = {key: np.array(params[key], dtype=np.float64) for key in GRU_KEYS}
    for key in ("W_z", "U_z", "b_z"):
        converted[key] = 1.0 - converted[key]
    return converted


def keep_gate_reset_negated_too(params):
    converted = {key: np.array(params[key], dtype=np.float64) for key in GRU_KEYS}
    for key in ("W_z", "U_z", "b_z", "W_r", "U_r", "b_r"):
        converted[key] = -converted[key]
    return converted


def keep_gate_in_place(params):
    for key in ("W_z", "U_z", "b_z"):
        params[key] *= -1.0
    return params


def rnn_torch_one_bias(weight_ih, weight_hh, bias_ih, bias_hh):
    w_ih, w_hh, b_ih, _ = _torch_shapes(weight_ih, weight_hh, bias_ih, bias_hh, 1)
    return {"W_x": w_ih, "W_h": w_hh, "b": b_ih}


def lstm_torch_one_bias(weight_ih, weight_hh, bias_ih, bias_hh):
    w_ih, w_hh, b_ih, _ = _torch_shapes(weight_ih, weight_hh, bias_ih, bias_hh, 4)
    return _lstm_blocks(w_ih, w_hh, b_ih, TORCH_LSTM_ORDER)


def lstm_torch_order_ifog(weight_ih, weight_hh, bias_ih, bias_hh):
    w_ih, w_hh, b_ih, b_hh = _torch_shapes(weight_ih, weight_hh, bias_ih, bias_hh, 4)
    return _lstm_blocks(w_ih, w_hh, b_ih + b_hh, ("i", "f", "o", "c"))


def lstm_torch_course_order(weight_ih, weight_hh, bias_ih, bias_hh):
    w_ih, w_hh, b_ih, b_hh = _torch_shapes(weight_ih, weight_hh, bias_ih, bias_hh, 4)
    return _lstm_blocks(w_ih, w_hh, b_ih + b_hh, ("f", "i", "c", "o"))


def rnn_torch_in_place(weight_ih, weight_hh, bias_ih, bias_hh):
    bias_ih += bias_hh
    return {"W_x": weight_ih, "W_h": weight_hh, "b": bias_ih}


def lstm_torch_in_place(weight_ih, weight_hh, bias_ih, bias_hh):
    bias_ih += bias_hh
    hidden = weight_hh.shape[1]
    return {f"{p}_{g}": a[k * hidden:(k + 1) * hidden] for p, a in (("W", weight_ih), ("U", weight_hh), ("b", bias_ih))
            for k, g in enumerate(("i", "f", "c", "o"))}


KEEP_GATE = "z = σ(−a) where the keep-gate form has σ(a), since σ(−a) = 1 − σ(a): W_z, U_z, b_z negated"
register(
    Misconception(
        "keep_gate_not_negated", "conventions", {"conventions.gru_from_keep_gate": keep_gate_copied},
        ("gru_from_keep_gate",),
        mixup="the keep-gate parameters copied unchanged, as if swapping the update's two terms were enough",
        equation=KEEP_GATE,
        fix="the course's gru_cell computes (1 − z) ⊙ h_prev + z ⊙ h~ with whatever weights it gets, so the "
            "weights themselves must flip z: negate W_z, U_z and b_z"),
    Misconception(
        "keep_gate_one_minus_weights", "conventions", {"conventions.gru_from_keep_gate": keep_gate_one_minus},
        ("gru_from_keep_gate",),
        mixup="W_z, U_z and b_z replaced by 1 − W_z, 1 − U_z and 1 − b_z",
        equation=KEEP_GATE,
        fix="1 − z is a statement about the gate's value, not its weights: σ(−a) = 1 − σ(a), so negate them"),
    Misconception(
        "keep_gate_reset_negated", "conventions",
        {"conventions.gru_from_keep_gate": keep_gate_reset_negated_too}, ("gru_from_keep_gate",),
        mixup="the reset gate's W_r, U_r, b_r negated along with the update gate's",
        equation="only z changes meaning between the two conventions; r and h~ are the same",
        fix="negate W_z, U_z and b_z only"),
    Misconception(
        "convert_in_place", "conventions",
        {"conventions.gru_from_keep_gate": keep_gate_in_place, "conventions.rnn_from_torch": rnn_torch_in_place,
         "conventions.lstm_from_torch": lstm_torch_in_place},
        ("gru_from_keep_gate", "rnn_from_torch", "lstm_from_torch"),
        mixup="the conversion writes into the caller's arrays (`*= -1`, `+=`) and returns them",
        equation="a conversion returns new arrays and leaves its arguments as they were",
        fix="compute new arrays (-a, a + b) and copy the blocks you slice: the caller may still use its weights"),
    Misconception(
        "torch_biases_not_summed", "conventions",
        {"conventions.rnn_from_torch": rnn_torch_one_bias, "conventions.lstm_from_torch": lstm_torch_one_bias},
        TORCH,
        mixup="b = bias_ih only, dropping PyTorch's second bias vector bias_hh",
        equation="PyTorch adds both, x W_ihᵀ + b_ih + h_prev W_hhᵀ + b_hh, so b = b_ih + b_hh",
        fix="add the two bias vectors (block by block for an LSTM)"),
    Misconception(
        "torch_gate_order_ifog", "conventions", {"conventions.lstm_from_torch": lstm_torch_order_ifog},
        ("lstm_from_torch",),
        mixup="the blocks read in the order i, f, o, g (CS231n's layout), swapping o and c~",
        equation="PyTorch's nn.LSTM stacks i, f, g, o: rows 2H … 3H − 1 are g (c~) and 3H … 4H − 1 are o",
        fix="take W_c, U_c, b_c from the third block and W_o, U_o, b_o from the fourth"),
    Misconception(
        "torch_gate_order_course", "conventions", {"conventions.lstm_from_torch": lstm_torch_course_order},
        ("lstm_from_torch",),
        mixup="the blocks read in the course's order f, i, c~, o",
        equation="PyTorch's nn.LSTM stacks i, f, g, o: the input gate comes first",
        fix="the first block is i and the second f"),
)
