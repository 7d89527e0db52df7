import numpy as np
from exercises.gates import gate


def reset_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_r"], params["U_r"], params["b_r"])


def update_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_z"], params["U_z"], params["b_z"])


def candidate_state(x, h_prev, r, params):
    s = x.dot(params["W_h"].T) + (r * h_prev).dot(params["U_h"].T) + params["b_h"]
    return np.tanh(s)


def gru_cell(x, h_prev, params)
    r = reset_gate(x, h_prev, params)
    z = update_gate(x, h_prev, params)
    return (1 - z) * h_prev + z * candidate_state(x, h_prev, r, params)
