import numpy as np

from exercises.stacked import run_layer


def bidirectional_forward(xs, params_fwd, params_bwd, cell):
    if cell not in ("rnn", "gru", "lstm"):
        raise ValueError(f"cell must be one of 'rnn', 'gru', 'lstm', not {cell!r}")
    left_to_right, _ = run_layer(xs, params_fwd, cell)
    right_to_left, _ = run_layer(xs[::-1], params_bwd, cell)
    return np.concatenate((left_to_right, right_to_left[::-1]), axis=2)


def deep_bidirectional_forward(xs, layers, cell):
    out = xs
    for fwd, bwd in layers:
        out = bidirectional_forward(out, fwd, bwd, cell)
    return out
