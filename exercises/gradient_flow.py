"""Exercise: how gradients flow through time, and why gates help.

The state s is h for "rnn" and "gru", and [h; c] (length 2H, h first) for "lstm". One step's
Jacobian J_t = ∂s_t/∂s_{t−1}; by the chain rule ∂s_T/∂s_k = J_T J_{T−1} … J_{k+1}. Its size says how
much of a change to s_k still reaches s_T: for a vanilla RNN it shrinks geometrically (vanishing
gradients), while the LSTM's cell path ∂c_t/∂c_{t−1} = diag(f_t) keeps much more of it.

See it with your own code: ``grade explore gradients``.
"""
import numpy as np


def state_jacobian(cell, x, h_prev, params, c_prev=None):
    """Return J with J[n, i, j] = ∂s_t[n, i] / ∂s_{t−1}[n, j] for one step of ``cell``.

    cell: "rnn", "gru" or "lstm"; x: (N, d); h_prev: (N, H); c_prev: (N, H), required for "lstm".
    Returns: J of shape (N, H, H), or (N, 2H, 2H) for "lstm"; raise ValueError for "lstm" without c_prev.
    Hint: your backward step computes ds_prev = ds J; with ds = e_i it returns row i of J.
    (Or write J out: for "rnn" it is diag(1 − h²) W_h per batch row.)
    """
    raise NotImplementedError("state_jacobian is not implemented yet: replace this line with your code")


def gradient_norms(cell, xs, h0, params, c0=None):
    """Return norms (T, N) with norms[k, n] = ‖∂s_T[n] / ∂s_k[n]‖ (Frobenius), k = 0 … T−1.

    cell: "rnn", "gru" or "lstm"; xs: (T, N, d); h0: (N, H); c0: (N, H), required for "lstm"
    (raise ValueError without it). s_0 is the initial state, s_t the state after reading xs[t−1].
    Returns: norms of shape (T, N); norms[T−1] spans one step (‖J_T‖), norms[0] all T steps.
    Hint: run forward to get s_0 … s_{T−1}, then multiply P = J_T, P ← P J_k going back in time.
    """
    raise NotImplementedError("gradient_norms is not implemented yet: replace this line with your code")
