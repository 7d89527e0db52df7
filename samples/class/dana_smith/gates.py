import numpy as np


def sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def gate(x, h_prev, W, U, b):
    s = x.dot(W.T) + h_prev.dot(U.T) + b
    return sigmoid(s)
