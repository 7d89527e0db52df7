import numpy as np


def sigmoid(a):
    """sigma(a), safe for huge |a|."""
    a = np.clip(np.asarray(a, dtype=np.float64), -700.0, 700.0)
    result = np.empty_like(a)
    positive = a >= 0
    result[positive] = 1.0 / (1.0 + np.exp(-a[positive]))
    ea = np.exp(a[~positive])
    result[~positive] = ea / (1.0 + ea)
    return result


def gate(x, h_prev, W, U, b):
    """sigma(W x + U h_prev + b), batch rows."""
    pre = np.dot(x, W.T)
    pre += np.dot(h_prev, U.T)
    pre += b
    return sigmoid(pre)
