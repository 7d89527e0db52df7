"""Exercise: the logistic sigmoid and a sigmoid gate.

Every gate in a GRU or an LSTM is the same shape of computation: an affine map of the input and
the previous state, squashed into (0, 1) by σ.
"""
import numpy as np


def sigmoid(a):
    """Return σ(a) = 1 / (1 + exp(−a)) element-wise.

    a: an array of any shape (or a plain number).
    Returns: a float64 array with the same shape as ``a``, every value in [0, 1].

    Requirement: it must stay finite and warning-free for |a| as large as 1e4 (no overflow
    warning, no NaN).
    Hint: exp(−a) overflows when a is very negative. exp(−|a|) never does; pick between two
    algebraically equal formulas according to the sign of a.
    """
    raise NotImplementedError("sigmoid is not implemented yet: replace this line with your code")


def gate(x, h_prev, W, U, b):
    """Return the gate g = σ(W x + U h_prev + b) for a whole batch.

    x:      (N, d)  one input row per example
    h_prev: (N, H)  previous hidden state
    W:      (H, d)  input weights
    U:      (H, H)  recurrent weights
    b:      (H,)    bias
    Returns: g, shape (N, H).

    Hint: with rows as examples, W x is written ``x @ W.T``. Check the shapes on paper first.
    """
    raise NotImplementedError("gate is not implemented yet: replace this line with your code")
