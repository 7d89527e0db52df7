"""Exercise: bidirectional recurrent networks.

    →h_t = forward cell reading x_1, …, x_t       (→h_0 = 0)
    ←h_t = backward cell reading x_T, …, x_t      (←h_{T+1} = 0)
    h_t  = [→h_t ; ←h_t]                          concatenation, forward half first

The two directions have separate parameters. Both halves of h_t belong to the same time step t.
"""
import numpy as np


def bidirectional_forward(xs, params_fwd, params_bwd, cell):
    """Return the concatenated states of a forward and a backward pass.

    xs:         (T, N, d)
    params_fwd: parameters of the forward cell (W_* are (H, d))
    params_bwd: parameters of the backward cell (same shapes)
    cell:       "rnn", "gru" or "lstm"; any other value must raise ValueError listing these three.
    Returns: hs, shape (T, N, 2H), with hs[t] = [→h_t ; ←h_t].

    Both passes start from zero states.
    Hint: the backward pass can run forward over ``xs[::-1]``, but its outputs then come out in
    reverse order: line them up with t again before concatenating.
    """
    raise NotImplementedError(
        "bidirectional_forward is not implemented yet: replace this line with your code"
    )


def deep_bidirectional_forward(xs, layers, cell):
    """Stack bidirectional layers; layer ℓ ≥ 2 reads the (T, N, 2H) output of the layer below.

    xs:     (T, N, d)
    layers: a list of (params_fwd, params_bwd) pairs. Layer 1's W_* are (H, d); later layers'
            W_* are (H, 2H).
    cell:   "rnn", "gru" or "lstm".
    Returns: the top layer's output, shape (T, N, 2H).
    Hint: a loop over ``layers`` calling ``bidirectional_forward``.
    """
    raise NotImplementedError(
        "deep_bidirectional_forward is not implemented yet: replace this line with your code"
    )
