import numpy as np


def rnn_cell(x, h_prev, params):
    s = x.dot(params["W_x"].T) + h_prev.dot(params["W_h"].T) + params["b"]
    return np.tanh(s)
