import numpy as np

from exercises.gates import gate


def forget_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])


def input_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])


def output_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])


def candidate_cell(x, h_prev, params):
    return np.tanh(x @ params["W_c"].T + h_prev @ params["U_c"].T + params["b_c"])


def cell_update(c_prev, f, i, c_tilde):
    return np.multiply(f, c_prev) + np.multiply(i, c_tilde)


def hidden_state(o, c):
    return np.multiply(o, np.tanh(c))


def lstm_cell(x, h_prev, c_prev, params):
    f = forget_gate(x, h_prev, params)
    i = input_gate(x, h_prev, params)
    o = output_gate(x, h_prev, params)
    g = candidate_cell(x, h_prev, params)
    c_next = cell_update(c_prev, f, i, g)
    h_next = hidden_state(o, c_next)
    return h_next, c_next
