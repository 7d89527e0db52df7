"""The long short-term memory cell: three sigmoid gates, a candidate and a cell state."""
from __future__ import annotations

import numpy as np

from .gates import gate


def forget_gate(x, h_prev, params):
    """Forget gate f = σ(W_f x + U_f h_prev + b_f).

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; uses ``W_f`` ``(H, d)``, ``U_f`` ``(H, H)``,
    ``b_f`` ``(H,)``. Returns ``f`` of shape ``(N, H)``.
    """
    return gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])


def input_gate(x, h_prev, params):
    """Input gate i = σ(W_i x + U_i h_prev + b_i).

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; uses ``W_i`` ``(H, d)``, ``U_i`` ``(H, H)``,
    ``b_i`` ``(H,)``. Returns ``i`` of shape ``(N, H)``.
    """
    return gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])


def output_gate(x, h_prev, params):
    """Output gate o = σ(W_o x + U_o h_prev + b_o).

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; uses ``W_o`` ``(H, d)``, ``U_o`` ``(H, H)``,
    ``b_o`` ``(H,)``. Returns ``o`` of shape ``(N, H)``.
    """
    return gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])


def candidate_cell(x, h_prev, params):
    """Candidate cell content c~ = tanh(W_c x + U_c h_prev + b_c).

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; uses ``W_c`` ``(H, d)``, ``U_c`` ``(H, H)``,
    ``b_c`` ``(H,)``. Returns ``c~`` of shape ``(N, H)``.
    """
    return np.tanh(x @ params["W_c"].T + h_prev @ params["U_c"].T + params["b_c"])


def cell_update(c_prev, f, i, c_tilde):
    """New cell state c = f ⊙ c_prev + i ⊙ c~ (an additive update).

    All arguments and the result have shape ``(N, H)``.
    """
    return f * c_prev + i * c_tilde


def hidden_state(o, c):
    """Exposed state h = o ⊙ tanh(c).

    ``o`` and ``c`` have shape ``(N, H)``; returns ``h`` of shape ``(N, H)``.
    """
    return o * np.tanh(c)


def lstm_cell(x, h_prev, c_prev, params):
    """One LSTM step from (h_prev, c_prev) to (h, c).

    f, i, o are the three gates and c~ the candidate, all read from ``x`` and ``h_prev``; then
    c = f ⊙ c_prev + i ⊙ c~ and h = o ⊙ tanh(c).
    Shapes: ``x`` ``(N, d)``, ``h_prev`` and ``c_prev`` ``(N, H)``; ``params`` holds the twelve LSTM
    arrays. Returns the tuple ``(h, c)``, each ``(N, H)``.
    """
    f = forget_gate(x, h_prev, params)
    i = input_gate(x, h_prev, params)
    o = output_gate(x, h_prev, params)
    c_tilde = candidate_cell(x, h_prev, params)
    c = cell_update(c_prev, f, i, c_tilde)
    return hidden_state(o, c), c
