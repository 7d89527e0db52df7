import numpy as np
from exercises.sequence import rnn_forward, gru_forward, lstm_forward


def stacked_forward(xs, layers, cell):
    if cell not in ["rnn", "gru", "lstm"]:
        raise ValueError("cell should be rnn, gru or lstm")
    inp = xs
    finals = []
    for p in layers:
        N = inp.shape[1]
        if cell == "rnn":
            H = p["b"].shape[0]
            inp, last = rnn_forward(inp, np.zeros((N, H)), p)
        elif cell == "gru":
            H = p["b_z"].shape[0]
            inp, last = gru_forward(inp, np.zeros((N, H)), p)
        else:
            H = p["b_f"].shape[0]
            inp, last = lstm_forward(inp, np.zeros((N, H)), np.zeros((N, H)), p)
        finals.append(last)
    return inp, finals
