import numpy as np
from exercises.gates import gate


def reset_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_r"], params["U_r"], params["b_r"])


def update_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_z"], params["U_z"], params["b_z"])


def candidate_state(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T + params["b_h"])


def gru_cell(x, h_prev, params):
    r = reset_gate(x, h_prev, params)
    z = update_gate(x, h_prev, params)
    cand = candidate_state(x, h_prev, r, params)
    # z = how much of the old state we keep
    return z * h_prev + (1 - z) * cand
