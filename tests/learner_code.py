"""Learner code used by several tests, written the way a learner would write it."""

# The reference, with one NaN in the top layer's last output: the right shape, the right dtype.
NAN_STACKED = """
import numpy as np
from .sequence import _layer_forward

def stacked_forward(xs, layers, cell):
    hs, finals = np.asarray(xs, dtype=np.float64), []
    for params in layers:
        hs, final = _layer_forward(hs, params, cell)
        finals.append(final)
    hs = hs.copy()
    hs[-1, 0, 0] = np.nan
    return hs, finals
"""
