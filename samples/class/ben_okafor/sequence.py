"""Exercise: run one recurrent layer over a whole sequence.

Sequences are time-major: ``xs`` has shape (T, N, d) and ``xs[t]`` is the batch of inputs at step t.
The outputs ``hs`` have shape (T, N, H), where ``hs[t]`` is the state right after reading ``xs[t]``.
"""
import numpy as np


def rnn_forward(xs, h0, params):
    """Unroll a vanilla RNN: h_t = tanh(W_x x_t + W_h h_{t−1} + b), starting from h0.

    xs: (T, N, d), h0: (N, H), params as for ``rnn_cell``.
    Returns: (hs, h_T) with hs of shape (T, N, H) and h_T, the last state, of shape (N, H).
    Hint: a loop over t that calls your ``rnn_cell`` (``from exercises.vanilla import rnn_cell``).
    """
    raise NotImplementedError("rnn_forward is not implemented yet: replace this line with your code")


def gru_forward(xs, h0, params):
    """Unroll a GRU: h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t, starting from h0.

    xs: (T, N, d), h0: (N, H), params as for ``gru_cell``.
    Returns: (hs, h_T) with hs of shape (T, N, H) and h_T of shape (N, H).
    Hint: the same loop as ``rnn_forward``, calling your ``gru_cell``.
    """
    raise NotImplementedError("gru_forward is not implemented yet: replace this line with your code")


def lstm_forward(xs, h0, c0, params):
    """Unroll an LSTM, carrying both h_t and c_t from step to step, starting from (h0, c0).

    xs: (T, N, d), h0: (N, H), c0: (N, H), params as for ``lstm_cell``.
    Returns: (hs, (h_T, c_T)) with hs of shape (T, N, H) and h_T, c_T each of shape (N, H).
    Hint: c_t must be passed on to the next step too, not only h_t.
    """
    raise NotImplementedError("lstm_forward is not implemented yet: replace this line with your code")
