"""Exercise: the long short-term memory (LSTM) cell, in the course's notation.

    f_t  = σ(W_f x_t + U_f h_{t−1} + b_f)        forget gate
    i_t  = σ(W_i x_t + U_i h_{t−1} + b_i)        input gate
    o_t  = σ(W_o x_t + U_o h_{t−1} + b_o)        output gate
    c~_t = tanh(W_c x_t + U_c h_{t−1} + b_c)     candidate cell content
    c_t  = f_t ⊙ c_{t−1} + i_t ⊙ c~_t            cell state
    h_t  = o_t ⊙ tanh(c_t)                       hidden state

``params`` is a dict with "W_f", "W_i", "W_c", "W_o" of shape (H, d), "U_f", "U_i", "U_c", "U_o"
of shape (H, H) and "b_f", "b_i", "b_c", "b_o" of shape (H,).
"""
import numpy as np


def forget_gate(x, h_prev, params):
    """Return f = σ(W_f x + U_f h_prev + b_f).

    x: (N, d), h_prev: (N, H). Returns: f, shape (N, H).
    Hint: ``from exercises.gates import gate``.
    """
    raise NotImplementedError("forget_gate is not implemented yet: replace this line with your code")


def input_gate(x, h_prev, params):
    """Return i = σ(W_i x + U_i h_prev + b_i).

    x: (N, d), h_prev: (N, H). Returns: i, shape (N, H).
    Hint: like the forget gate, with the i parameters.
    """
    raise NotImplementedError("input_gate is not implemented yet: replace this line with your code")


def output_gate(x, h_prev, params):
    """Return o = σ(W_o x + U_o h_prev + b_o).

    x: (N, d), h_prev: (N, H). Returns: o, shape (N, H).
    Hint: like the forget gate, with the o parameters.
    """
    raise NotImplementedError("output_gate is not implemented yet: replace this line with your code")


def candidate_cell(x, h_prev, params):
    """Return c~ = tanh(W_c x + U_c h_prev + b_c).

    x: (N, d), h_prev: (N, H). Returns: c~, shape (N, H).
    Hint: the same affine map as a gate, but squashed with tanh, not σ.
    """
    raise NotImplementedError(
        "candidate_cell is not implemented yet: replace this line with your code"
    )


def cell_update(c_prev, f, i, c_tilde):
    """Return the new cell state c = f ⊙ c_prev + i ⊙ c~.

    c_prev, f, i, c_tilde: all (N, H). Returns: c, shape (N, H).
    Hint: element-wise products only, no matrices.
    """
    raise NotImplementedError("cell_update is not implemented yet: replace this line with your code")


def hidden_state(o, c):
    """Return the exposed state h = o ⊙ tanh(c).

    o, c: (N, H). Returns: h, shape (N, H).
    Hint: do not forget the tanh on the cell state.
    """
    raise NotImplementedError("hidden_state is not implemented yet: replace this line with your code")


def lstm_cell(x, h_prev, c_prev, params):
    """Return (h, c) after one LSTM step.

    x: (N, d), h_prev: (N, H), c_prev: (N, H).
    Returns: the tuple (h, c), each of shape (N, H).
    Hint: all four gate-like quantities read the same x and h_prev; then update c, then h.
    """
    raise NotImplementedError("lstm_cell is not implemented yet: replace this line with your code")
