"""Misconceptions in counting parameters, shared by the code checks and the exam.

``d`` and ``h`` may be ints or SymPy symbols. One catalogue, :data:`COUNT_MISTAKES`, lists every
known wrong way to count a stack of recurrent layers, each as a count in the stacked form
``count(cell, d, h, num_layers, bidirectional)`` with the course-notation feedback the exam prints.
The code side registers, from the same functions, the misconceptions that are wrong variants of a
``param_count`` function (graded by patching ``solutions/``); the exam's count and formula questions
list every entry that applies to their cell, depth and directions.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grader.misconceptions.base import Misconception, register
from solutions.param_count import _PER_CELL, _check_cell, rnn_param_count, stacked_param_count

COUNTS = ("rnn_param_count", "gru_param_count", "lstm_param_count", "stacked_param_count")
GATED_COUNTS = ("gru_param_count", "lstm_param_count", "stacked_param_count")
MAPS = {"rnn": 1, "gru": 3, "lstm": 4}  # affine maps per cell
CELL_NAMES = {"rnn": "vanilla RNN", "gru": "GRU", "lstm": "LSTM"}


def with_article(noun: str) -> str:
    """The noun with its indefinite article ("an LSTM", "a GRU")."""
    return ("an " if noun[0] in "AEFHILMNORSXaeiou" else "a ") + noun


def rnn_count_without_square(d, h):
    return h * d + h


def rnn_count_two_biases(d, h):
    return h * d + h * h + 2 * h


def rnn_count_without_bias(d, h):
    return h * d + h * h


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


def stacked_count_every_layer_reads_d(cell, d, h, num_layers, bidirectional=False):
    _check_cell(cell)
    directions = 2 if bidirectional else 1
    return num_layers * directions * _PER_CELL[cell](d, h)


def stacked_count_as_causal(cell, d, h, num_layers, bidirectional=False):
    return stacked_param_count(cell, d, h, num_layers, False)


def _stack_of(per_cell: Callable) -> Callable:
    """A stacked count built on a wrong per-cell count ``per_cell(cell, n, h)`` (n inputs)."""
    def count(cell, d, h, num_layers, bidirectional=False):
        k = 2 if bidirectional else 1
        return k * per_cell(cell, d, h) + (num_layers - 1) * k * per_cell(cell, k * h, h)
    return count


def _per_map(per_map: Callable) -> Callable:
    return _stack_of(lambda cell, n, h: MAPS[cell] * per_map(n, h))


def _one_bias(cell, n, h):
    return MAPS[cell] * (h * n + h * h) + h


def _counted_as(other: str) -> Callable:
    def count(cell, d, h, num_layers, bidirectional=False):
        return stacked_param_count(other, d, h, num_layers, bidirectional)
    return count


@dataclass(frozen=True)
class CountMistake:
    """A wrong count. ``feedback`` may name ``{cell}`` (with its article) and ``{maps}`` (its affine maps).

    ``cells`` are the cell types it applies to; ``stacked`` means it needs more than one layer,
    ``bidirectional`` (True/False/None) whether it needs a bidirectional, a causal, or either stack.
    """

    id: str
    count: Callable
    feedback: str
    cells: tuple[str, ...] = ("rnn", "gru", "lstm")
    stacked: bool = False
    bidirectional: bool | None = None

    def applies(self, cell: str, num_layers, bidirectional: bool) -> bool:
        return (cell in self.cells and (not self.stacked or num_layers != 1)
                and (self.bidirectional is None or self.bidirectional == bool(bidirectional)))

    def message(self, cell: str) -> str:
        maps = MAPS[cell]
        return self.feedback.format(cell=with_article(CELL_NAMES[cell]),
                                    maps=f"{maps} affine map{'s' if maps > 1 else ''}")


COUNT_MISTAKES: tuple[CountMistake, ...] = (
    CountMistake("bias_left_out", _per_map(rnn_count_without_bias),
                 "The bias vectors are missing: every affine map has a bias of size h (hd + h² + h per map)."),
    CountMistake("bias_counted_twice", _per_map(rnn_count_two_biases),
                 "The bias is counted twice (PyTorch's b_ih and b_hh): the course's cells add one bias vector "
                 "per affine map, hd + h² + h."),
    CountMistake("bias_counted_once", _stack_of(_one_bias),
                 "One bias for the whole cell: in {cell} every gate and the candidate is its own affine map with "
                 "its own bias, so the count is a multiple of hd + h² + h.", cells=("gru", "lstm")),
    CountMistake("forget_h_squared", _per_map(rnn_count_without_square),
                 "The recurrent weights are missing: U multiplies the previous state h_{{t−1}}, so every affine "
                 "map holds hd + h² + h numbers (W is h × d, U is h × h, b has h)."),
    *(CountMistake(f"counted_as_{other}", _counted_as(other),
                   f"That is the count for {with_article(CELL_NAMES[other])}; {{cell}} has {{maps}}.",
                   cells=tuple(c for c in MAPS if c != other))
      for other in MAPS),
    CountMistake("every_layer_reads_d", stacked_count_every_layer_reads_d,
                 "Only layer 1 reads the d inputs; layers ℓ ≥ 2 read the states of the layer below "
                 "(h of them, or 2h when bidirectional).", stacked=True),
    CountMistake("bidirectional_single_cell", stacked_count_one_cell,
                 "That counts one direction only; a bidirectional layer has two cells, each with its own "
                 "parameters.", bidirectional=True),
    CountMistake("bidirectional_counted_causal", stacked_count_as_causal,
                 "That is the count of a causal stack: a bidirectional layer has two cells, one per direction, "
                 "and above layer 1 each reads [→h_t ; ←h_t], 2h inputs.", bidirectional=True),
    CountMistake("bidirectional_input_h", stacked_count_input_h,
                 "Above layer 1 each cell reads the concatenated [→h_t ; ←h_t], of size 2h, not h.",
                 stacked=True, bidirectional=True),
)


def count_mistakes(cell: str, num_layers, bidirectional: bool) -> list[CountMistake]:
    """The catalogued mistakes that apply to a stack of ``num_layers`` ``cell`` layers."""
    return [m for m in COUNT_MISTAKES if m.applies(cell, num_layers, bidirectional)]


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
    Misconception(
        "every_layer_reads_d", "param_count",
        {"param_count.stacked_param_count": stacked_count_every_layer_reads_d}, ("stacked_param_count",),
        mixup="every layer of the stack counted as reading the d inputs",
        equation="layer 1 reads d inputs; layer ℓ ≥ 2 reads the h states of the layer below (2h when "
                 "bidirectional)",
        fix="count layer 1 with P(d, h) and every later layer with P(h, h) (P(2h, h) per cell when bidirectional)"),
)


def torch_count_one_bias(cell, d, h):
    _check_cell(cell)
    return _PER_CELL[cell](d, h)


def torch_count_two_biases_per_cell(cell, d, h):
    _check_cell(cell)
    return _PER_CELL[cell](d, h) + h


register(
    Misconception(
        "torch_bias_counted_once", "param_count", {"param_count.torch_param_count": torch_count_one_bias},
        ("torch_param_count",),
        mixup="the course's count, one bias vector per affine map (PyTorch's bias_hh left out)",
        equation="hd + h² + 2h per affine map in PyTorch: weight_ih, weight_hh, bias_ih and bias_hh",
        fix="PyTorch keeps b_ih and b_hh apart although only their sum matters, so every map has 2h biases"),
    Misconception(
        "torch_second_bias_once_per_cell", "param_count",
        {"param_count.torch_param_count": torch_count_two_biases_per_cell}, ("torch_param_count",),
        mixup="one extra bias vector for the whole cell: the course's count + h",
        equation="1, 3 or 4 × (hd + h² + 2h)",
        fix="every affine map (each gate and the candidate) has its own b_ih and b_hh"),
)
