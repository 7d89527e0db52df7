import numpy as np
from exercises.vanilla import rnn_cell
from exercises.lstm import lstm_cell


def rnn_forward(xs, h0, params):
    h = h0
    out = []
    for t in range(len(xs)):
        h = rnn_cell(xs[t], h, params)
        out.append(h)
    return np.array(out), h


def gru_forward(xs, h0, params):
    from exercises.gru import gru_cell
    h = h0
    out = []
    for t in range(len(xs)):
        h = gru_cell(xs[t], h, params)
        out.append(h)
    return np.array(out), h


def lstm_forward(xs, h0, c0, params):
    h, c = h0, c0
    out = []
    for t in range(len(xs)):
        h, c = lstm_cell(xs[t], np.array(h), np.array(c), params)
        out.append(h)
    return np.array(out), (np.array(h), np.array(c))
