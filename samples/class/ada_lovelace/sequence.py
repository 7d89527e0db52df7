import numpy as np

from exercises.gru import gru_cell
from exercises.lstm import lstm_cell
from exercises.vanilla import rnn_cell


def rnn_forward(xs, h0, params):
    states = []
    h = h0
    for x_t in xs:
        h = rnn_cell(x_t, h, params)
        states.append(h)
    return np.stack(states), h


def gru_forward(xs, h0, params):
    states = []
    h = h0
    for x_t in xs:
        h = gru_cell(x_t, h, params)
        states.append(h)
    return np.stack(states), h


def lstm_forward(xs, h0, c0, params):
    states = []
    h, c = h0, c0
    for x_t in xs:
        h, c = lstm_cell(x_t, h, c, params)
        states.append(h)
    return np.stack(states), (h, c)
