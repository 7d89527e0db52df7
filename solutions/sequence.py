"""Unrolling one recurrent layer over a time-major sequence ``xs`` of shape ``(T, N, d)``.

The private helpers below are shared with ``stacked`` and ``bidirectional`` so that the time loop
and the choice of cell live in one place each.
"""
from __future__ import annotations

import numpy as np

from .gru import gru_cell
from .lstm import lstm_cell
from .vanilla import rnn_cell

CELL_TYPES = ("rnn", "gru", "lstm")

# A weight whose first axis is H, for each cell type (used to size the zero initial states).
_SIZING_WEIGHT = {"rnn": "W_x", "gru": "W_r", "lstm": "W_f"}


def _check_cell(cell):
    """Raise ``ValueError`` naming the valid cell types unless ``cell`` is one of them."""
    if cell not in CELL_TYPES:
        valid = ", ".join(repr(name) for name in CELL_TYPES)
        raise ValueError(f"unknown cell {cell!r}; valid cells are: {valid}")


def _step_function(params, cell):
    """Return ``step(x_t, state) -> (h_t, new_state)`` for one cell type.

    The state is ``h`` for ``"rnn"`` and ``"gru"`` and the pair ``(h, c)`` for ``"lstm"``.
    """
    _check_cell(cell)
    if cell == "lstm":
        def step(x_t, state):
            h, c = lstm_cell(x_t, state[0], state[1], params)
            return h, (h, c)
    else:
        one_step = rnn_cell if cell == "rnn" else gru_cell

        def step(x_t, h):
            h = one_step(x_t, h, params)
            return h, h
    return step


def _zero_state(batch_size, params, cell):
    """Zero initial state for one layer: ``h`` ``(N, H)``, or ``(h, c)`` for ``"lstm"``."""
    _check_cell(cell)
    hidden = params[_SIZING_WEIGHT[cell]].shape[0]
    h0 = np.zeros((batch_size, hidden))
    return (h0, np.zeros_like(h0)) if cell == "lstm" else h0


def _unroll(step, xs, state, h_shape, reverse=False):
    """Feed ``xs[t]`` to ``step`` for t = 1 … T (or T … 1 when ``reverse``).

    Returns ``(hs, final_state)`` where ``hs[t]`` is the ``h`` produced while reading ``xs[t]``,
    so ``hs`` stays aligned with ``xs`` in both directions. ``h_shape`` is ``(N, H)``.
    """
    steps = len(xs)
    hs = np.empty((steps, *h_shape))
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        hs[t], state = step(xs[t], state)
    return hs, state


def _layer_forward(xs, params, cell, reverse=False):
    """Run one layer of ``cell`` over ``xs`` from zero states; return ``(hs, final_state)``."""
    state = _zero_state(xs.shape[1], params, cell)
    h_shape = state[0].shape if cell == "lstm" else state.shape
    return _unroll(_step_function(params, cell), xs, state, h_shape, reverse=reverse)


def rnn_forward(xs, h0, params):
    """Vanilla RNN over a sequence: h_t = tanh(W_x x_t + W_h h_{t−1} + b), starting from ``h0``.

    Shapes: ``xs`` ``(T, N, d)``, ``h0`` ``(N, H)``; ``params`` as for ``rnn_cell``.
    Returns ``(hs, h_T)``: ``hs`` ``(T, N, H)`` with ``hs[t]`` the state after reading ``xs[t]``,
    and ``h_T`` ``(N, H)`` the last state.
    """
    xs = np.asarray(xs, dtype=np.float64)
    h0 = np.asarray(h0, dtype=np.float64)
    return _unroll(_step_function(params, "rnn"), xs, h0, h0.shape)


def gru_forward(xs, h0, params):
    """GRU over a sequence: h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t, starting from ``h0``.

    Shapes: ``xs`` ``(T, N, d)``, ``h0`` ``(N, H)``; ``params`` as for ``gru_cell``.
    Returns ``(hs, h_T)``: ``hs`` ``(T, N, H)`` and the last state ``h_T`` ``(N, H)``.
    """
    xs = np.asarray(xs, dtype=np.float64)
    h0 = np.asarray(h0, dtype=np.float64)
    return _unroll(_step_function(params, "gru"), xs, h0, h0.shape)


def lstm_forward(xs, h0, c0, params):
    """LSTM over a sequence, carrying both h_t and c_t, starting from ``(h0, c0)``.

    Each step: c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t and h_t = o_t ⊙ tanh(c_t).
    Shapes: ``xs`` ``(T, N, d)``, ``h0`` and ``c0`` ``(N, H)``; ``params`` as for ``lstm_cell``.
    Returns ``(hs, (h_T, c_T))``: ``hs`` ``(T, N, H)`` and the last pair, each ``(N, H)``.
    """
    xs = np.asarray(xs, dtype=np.float64)
    h0 = np.asarray(h0, dtype=np.float64)
    c0 = np.asarray(c0, dtype=np.float64)
    return _unroll(_step_function(params, "lstm"), xs, (h0, c0), h0.shape)
