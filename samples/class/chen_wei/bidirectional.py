import numpy as np
from exercises.stacked import stacked_forward


def bidirectional_forward(xs, params_fwd, params_bwd, cell):
    fwd, _ = stacked_forward(xs, [params_fwd], cell)
    bwd, _ = stacked_forward(xs[::-1], [params_bwd], cell)
    return np.concatenate([fwd, bwd], axis=-1)


def deep_bidirectional_forward(xs, layers, cell):
    h = xs
    for pf, pb in layers:
        h = bidirectional_forward(h, pf, pb, cell)
    return h
