"""Exercise: the gated recurrent unit (GRU)."""
import numpy as np

from exercises.gates import gate


def reset_gate(x, h_prev, params):
    """Return r = sigma(W_r x + U_r h_prev + b_r)."""
    return gate(x, h_prev, params["W_r"], params["U_r"], params["b_r"])


def update_gate(x, h_prev, params):
    """Return z = sigma(W_z x + U_z h_prev + b_z)."""
    return gate(x, h_prev, params["W_z"], params["U_z"], params["b_z"])


def candidate_state(x, h_prev, r, params):
    """Return h~ = tanh(W_h x + U_h (r * h_prev) + b_h)."""
    a = x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T + params["b_h"]
    return np.tanh(a)


def gru_cell(x, h_prev, params):
    """Return h = (1 - z) * h_prev + z * h~."""
    r = reset_gate(x, h_prev, params)
    z = update_gate(x, h_prev, params)
    h_tilde = candidate_state(x, h_prev, r, params)
    return (1 - z) * h_prev + z * h_tilde
