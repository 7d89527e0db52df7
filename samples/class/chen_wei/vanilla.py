import numpy as np


def rnn_cell(x, h_prev, params):
    return np.tanh(x @ params["W_x"].T + h_prev @ params["W_h"].T + params["b"])
