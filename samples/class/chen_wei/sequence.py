import numpy as np
from exercises.vanilla import rnn_cell
from exercises.gru import gru_cell
from exercises.lstm import lstm_cell


def rnn_forward(xs, h0, params):
    T = xs.shape[0]
    hs = np.zeros((T,) + h0.shape)
    h = h0
    for t in range(T):
        h = rnn_cell(xs[t], h, params)
        hs[t] = h
    return hs, h


def gru_forward(xs, h0, params):
    T = xs.shape[0]
    hs = np.zeros((T,) + h0.shape)
    h = h0
    for t in range(T):
        h = gru_cell(xs[t], h, params)
        hs[t] = h
    return hs, h


def lstm_forward(xs, h0, c0, params):
    T = xs.shape[0]
    hs = np.zeros((T,) + h0.shape)
    h, c = h0, c0
    for t in range(T):
        h, c = lstm_cell(xs[t], h, c, params)
        hs[t] = h
    return hs, (h, c)
