"""Exercise: a stacked (deep) recurrent network.

With h_t^(0) = x_t, layer ℓ reads the states of the layer below at the same time step:
for a vanilla cell, h_t^(ℓ) = tanh(W_x^(ℓ) h_t^(ℓ−1) + W_h^(ℓ) h_{t−1}^(ℓ) + b^(ℓ)).
Each layer has its own parameters and its own state, which starts at zero.
"""
import numpy as np


def stacked_forward(xs, layers, cell):
    """Run the layers on top of each other and return the top sequence and every layer's last state.

    xs:     (T, N, d)
    layers: a list of parameter dicts, one per layer. Layer 1's W_* are (H, d); layers 2, 3, … read
            the (T, N, H) output below, so their W_* are (H, H).
    cell:   "rnn", "gru" or "lstm"; any other value must raise ValueError listing these three.
    Returns: (hs_top, finals)
            hs_top: (T, N, H), the top layer's states;
            finals: a list with one entry per layer, its last h (N, H), or (h, c) for "lstm".

    Every layer starts from zero states (zero h, and zero c for "lstm").
    Hint: reuse your functions from ``exercises.sequence``; the output of one layer is the input
    sequence of the next.
    """
    raise NotImplementedError(
        "stacked_forward is not implemented yet: replace this line with your code"
    )
