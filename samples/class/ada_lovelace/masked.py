import numpy as np

from exercises.sequence import gru_forward, lstm_forward, rnn_forward
from exercises.stacked import run_layer


def masked_forward(xs, lengths, h0, params, cell):
    # one sequence at a time, each cut to its own length: padding is never even looked at
    if cell not in ("rnn", "gru", "lstm"):
        raise ValueError(f"cell must be one of 'rnn', 'gru', 'lstm', not {cell!r}")
    T, N = xs.shape[:2]
    first = h0[0] if cell == "lstm" else h0
    hs = np.zeros((T, N, first.shape[1]))
    finals_h = np.zeros_like(first)
    finals_c = np.zeros_like(first)
    for n, length in enumerate(int(v) for v in lengths):
        seq = xs[:length, n:n + 1]
        if cell == "lstm":
            out, (h, c) = lstm_forward(seq, h0[0][n:n + 1], h0[1][n:n + 1], params)
            finals_c[n] = c[0]
        else:
            out, h = (rnn_forward if cell == "rnn" else gru_forward)(seq, h0[n:n + 1], params)
        hs[:length, n] = out[:, 0]
        finals_h[n] = h[0]
    return hs, ((finals_h, finals_c) if cell == "lstm" else finals_h)


def masked_bidirectional_forward(xs, lengths, params_fwd, params_bwd, cell):
    T, N = xs.shape[:2]
    columns = []
    for n, length in enumerate(int(v) for v in lengths):
        seq = xs[:length, n:n + 1]
        left, _ = run_layer(seq, params_fwd, cell)
        right, _ = run_layer(seq[::-1], params_bwd, cell)
        both = np.concatenate((left, right[::-1]), axis=2)[:, 0]
        columns.append(np.concatenate((both, np.zeros((T - length, both.shape[1])))))
    return np.stack(columns, axis=1)
