import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gate(x, h_prev, W, U, b):
    return sigmoid(x @ W.T + h_prev @ U.T + b)
