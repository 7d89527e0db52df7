import numpy as np

from exercises.gates import gate, sigmoid


def reset_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_r"], params["U_r"], params["b_r"])


def update_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_z"], params["U_z"], params["b_z"])


def candidate_state(x, h_prev, r, params):
    gated = r * h_prev
    return np.tanh(x @ params["W_h"].T + gated @ params["U_h"].T + params["b_h"])


def gru_cell(x, h_prev, params):
    # all three input projections in one matrix product, both gate recurrences in another
    H = h_prev.shape[1]
    W_big = np.concatenate([params["W_r"], params["W_z"], params["W_h"]], axis=0)   # (3H, d)
    b_big = np.concatenate([params["b_r"], params["b_z"], params["b_h"]])           # (3H,)
    U_gates = np.concatenate([params["U_r"], params["U_z"]], axis=0)                # (2H, H)

    xa = x @ W_big.T + b_big
    ha = h_prev @ U_gates.T
    r = sigmoid(xa[:, :H] + ha[:, :H])
    z = sigmoid(xa[:, H:2 * H] + ha[:, H:])
    h_cand = np.tanh(xa[:, 2 * H:] + (r * h_prev) @ params["U_h"].T)
    return h_prev + z * (h_cand - h_prev)
