"""Exercise: one step of a vanilla recurrent network."""
import numpy as np


def rnn_cell(x, h_prev, params):
    """Return the next hidden state h = tanh(W_x x + W_h h_prev + b).

    x:      (N, d)
    h_prev: (N, H)
    params: dict with "W_x" (H, d), "W_h" (H, H), "b" (H,)
    Returns: h, shape (N, H).

    Hint: this is ``gate`` with tanh in place of σ.
    """
    raise NotImplementedError("rnn_cell is not implemented yet: replace this line with your code")
