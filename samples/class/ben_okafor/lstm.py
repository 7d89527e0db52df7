"""Exercise: the long short-term memory (LSTM) cell."""
import numpy as np

from exercises.gates import gate


def forget_gate(x, h_prev, params):
    """Return f = sigma(W_f x + U_f h_prev + b_f)."""
    return gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])


def input_gate(x, h_prev, params):
    """Return i = sigma(W_i x + U_i h_prev + b_i)."""
    return gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])


def output_gate(x, h_prev, params):
    """Return o = sigma(W_o x + U_o h_prev + b_o)."""
    return gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])


def candidate_cell(x, h_prev, params):
    """Return c~ = tanh(W_c x + U_c h_prev + b_c)."""
    # TODO
    raise NotImplementedError(
        "candidate_cell is not implemented yet: replace this line with your code"
    )


def cell_update(c_prev, f, i, c_tilde):
    """Return the new cell state c = f * c_prev + i * c~."""
    return f * c_prev + i * c_tilde


def hidden_state(o, c):
    """Return the exposed state h = o * tanh(c)."""
    raise NotImplementedError("hidden_state is not implemented yet: replace this line with your code")


def lstm_cell(x, h_prev, c_prev, params):
    """Return (h, c) after one LSTM step."""
    raise NotImplementedError("lstm_cell is not implemented yet: replace this line with your code")
