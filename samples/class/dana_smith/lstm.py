import numpy as np
from exercises.gates import gate


def forget_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"]).tolist()


def input_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"]).tolist()


def output_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"]).tolist()


def candidate_cell(x, h_prev, params):
    s = x.dot(params["W_c"].T) + h_prev.dot(params["U_c"].T) + params["b_c"]
    return np.tanh(s).tolist()


def cell_update(c_prev, f, i, c_tilde):
    c = np.array(f) * np.array(c_prev) + np.array(i) * np.array(c_tilde)
    return c.tolist()


def hidden_state(o, c):
    return (np.array(o) * np.tanh(np.array(c))).tolist()


def lstm_cell(x, h_prev, c_prev, params):
    f = forget_gate(x, h_prev, params)
    i = input_gate(x, h_prev, params)
    o = output_gate(x, h_prev, params)
    c = cell_update(c_prev, f, i, candidate_cell(x, h_prev, params))
    h = hidden_state(o, c)
    return [h, c]
