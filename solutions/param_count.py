"""Parameter counts of recurrent layers (weights and one bias per affine map, no output layer).

Only ``+`` and ``*`` are used, so integer inputs give exact integers and SymPy symbols give
polynomials that can be compared symbolically.
"""
from __future__ import annotations

from .sequence import _check_cell


def rnn_param_count(d, h):
    """Vanilla RNN with input size ``d`` and hidden size ``h``: W_x (h×d) + W_h (h×h) + b (h).

    Returns hd + h² + h.
    """
    return h * d + h * h + h


def gru_param_count(d, h):
    """GRU: three affine maps (reset, update, candidate), each hd + h² + h.

    Returns 3(hd + h² + h).
    """
    return 3 * rnn_param_count(d, h)


def lstm_param_count(d, h):
    """LSTM: four affine maps (forget, input, candidate cell, output), each hd + h² + h.

    Returns 4(hd + h² + h).
    """
    return 4 * rnn_param_count(d, h)


_PER_CELL = {"rnn": rnn_param_count, "gru": gru_param_count, "lstm": lstm_param_count}


def stacked_param_count(cell, d, h, num_layers, bidirectional=False):
    """Parameters of ``num_layers`` stacked layers of ``cell`` (``"rnn"``, ``"gru"`` or ``"lstm"``).

    Layer 1 reads ``d`` inputs; every later layer reads the ``h`` states below it, or ``2h`` when the
    network is bidirectional (the two directions are concatenated). A bidirectional layer holds two
    cells, one per direction. With k = 2 when bidirectional else 1 and P the per-cell count:
    k·P(d, h) + (num_layers − 1)·k·P(k·h, h).
    """
    _check_cell(cell)
    if isinstance(num_layers, int) and num_layers < 1:
        raise ValueError(f"num_layers must be at least 1, got {num_layers}")
    per_cell = _PER_CELL[cell]
    directions = 2 if bidirectional else 1
    first = directions * per_cell(d, h)
    later = directions * per_cell(directions * h, h)
    return first + (num_layers - 1) * later


_AFFINE_MAPS = {"rnn": 1, "gru": 3, "lstm": 4}


def torch_param_count(cell, d, h):
    """What PyTorch reports for one unidirectional layer of ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``.

    ``sum(p.numel() for p in nn.LSTM(d, h).parameters())``: PyTorch gives every affine map two bias
    vectors, ``b_ih`` and ``b_hh`` (their sum is the course's one ``b``), so each map holds
    hd + h² + 2h numbers: hd + h² + 2h, 3(hd + h² + 2h), 4(hd + h² + 2h). ``cell`` is ``"rnn"``,
    ``"gru"`` or ``"lstm"`` (anything else raises ``ValueError``).
    """
    _check_cell(cell)
    return _AFFINE_MAPS[cell] * (h * d + h * h + 2 * h)
