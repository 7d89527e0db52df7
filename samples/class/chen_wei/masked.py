import numpy as np
from exercises.gru import gru_cell
from exercises.lstm import lstm_cell
from exercises.vanilla import rnn_cell


def masked_forward(xs, lengths, h0, params, cell):
    T = xs.shape[0]
    lengths = np.array(lengths)
    if cell == "lstm":
        h, c = h0
    else:
        h = h0
    hs = np.zeros((T,) + h.shape)
    for t in range(T):
        keep = (t < lengths)[:, None]
        if cell == "lstm":
            h_new, c_new = lstm_cell(xs[t], h, c, params)
            c = np.where(keep, c_new, c)
        elif cell == "gru":
            h_new = gru_cell(xs[t], h, params)
        else:
            h_new = rnn_cell(xs[t], h, params)
        h = np.where(keep, h_new, h)
        hs[t] = np.where(keep, h_new, 0.0)
    if cell == "lstm":
        return hs, (h, c)
    return hs, h


def masked_bidirectional_forward(xs, lengths, params_fwd, params_bwd, cell):
    T, N = xs.shape[:2]
    H = params_fwd["b" if cell == "rnn" else "b_z" if cell == "gru" else "b_f"].shape[0]
    zero = (np.zeros((N, H)), np.zeros((N, H))) if cell == "lstm" else np.zeros((N, H))
    fwd, _ = masked_forward(xs, lengths, zero, params_fwd, cell)
    # the backward pass simply reads the batch from the end
    bwd, _ = masked_forward(xs[::-1], [T] * N, zero, params_bwd, cell)
    mask = (np.arange(T)[:, None] < np.array(lengths))[:, :, None]
    return np.concatenate([fwd, bwd[::-1] * mask], axis=-1)
