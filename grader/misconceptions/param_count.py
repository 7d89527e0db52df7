"""Misconceptions in counting parameters. ``d`` and ``h`` may be ints or SymPy symbols."""
from __future__ import annotations

from grader.misconceptions.base import Misconception, register
from solutions.param_count import _PER_CELL, _check_cell, rnn_param_count

COUNTS = ("rnn_param_count", "gru_param_count", "lstm_param_count", "stacked_param_count")
GATED_COUNTS = ("gru_param_count", "lstm_param_count", "stacked_param_count")


def rnn_count_without_square(d, h):
    return h * d + h


def rnn_count_two_biases(d, h):
    return h * d + h * h + 2 * h


def gru_count_one_bias(d, h):
    return 3 * (h * d + h * h) + h


def lstm_count_one_bias(d, h):
    return 4 * (h * d + h * h) + h


def stacked_count_input_h(cell, d, h, num_layers, bidirectional=False):
    _check_cell(cell)
    directions = 2 if bidirectional else 1
    return directions * _PER_CELL[cell](d, h) + (num_layers - 1) * directions * _PER_CELL[cell](h, h)


def stacked_count_one_cell(cell, d, h, num_layers, bidirectional=False):
    _check_cell(cell)
    width = 2 * h if bidirectional else h
    return _PER_CELL[cell](d, h) + (num_layers - 1) * _PER_CELL[cell](width, h)


register(
    Misconception(
        "forget_h_squared", "param_count", {"param_count.rnn_param_count": rnn_count_without_square}, COUNTS,
        mixup="hd + h per affine map, leaving out the recurrent weights",
        equation="hd + h² + h per affine map: W (h × d), U (h × h) and b (h)",
        fix="U multiplies the previous state, an h-vector, into h units, so it holds h² numbers"),
    Misconception(
        "bias_counted_twice", "param_count", {"param_count.rnn_param_count": rnn_count_two_biases}, COUNTS,
        mixup="hd + h² + 2h per affine map, one bias for Wx and another for Uh (PyTorch's b_ih and b_hh)",
        equation="hd + h² + h per affine map",
        fix="the course's cells add one bias vector b per affine map"),
    Misconception(
        "bias_counted_once", "param_count",
        {"param_count.gru_param_count": gru_count_one_bias, "param_count.lstm_param_count": lstm_count_one_bias},
        GATED_COUNTS,
        mixup="one bias for the whole cell: 3(hd + h²) + h for a GRU, 4(hd + h²) + h for an LSTM",
        equation="3(hd + h² + h) and 4(hd + h² + h)",
        fix="every gate and candidate is its own affine map with its own bias b_r, b_z, b_h (b_f, b_i, b_c, b_o)"),
    Misconception(
        "bidirectional_input_h", "param_count", {"param_count.stacked_param_count": stacked_count_input_h},
        ("stacked_param_count",),
        mixup="bidirectional layers ℓ ≥ 2 counted as reading h inputs",
        equation="layer ℓ ≥ 2 of a bidirectional stack reads [→h ; ←h], 2h inputs, in each of its two cells",
        fix="use P(2h, h) per cell for the layers above the first"),
    Misconception(
        "bidirectional_single_cell", "param_count", {"param_count.stacked_param_count": stacked_count_one_cell},
        ("stacked_param_count",),
        mixup="a bidirectional layer counted as one cell",
        equation="a bidirectional layer = one forward cell + one backward cell, each with its own parameters",
        fix="multiply every layer's count by 2 when bidirectional"),
)
