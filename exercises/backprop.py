"""Exercise: backpropagation through the recurrent cells and through time.

A backward function takes the upstream gradient(s) and the *same inputs as its forward function*;
recompute the forward values you need (call your own cells and gates). All gradients are of one
scalar loss L; ``dv`` means ∂L/∂v and has the shape of ``v``. ``grads`` is a dict with exactly the
keys and shapes of ``params``.

Every pre-activation is one affine map a = x Wᵀ + h_in Uᵀ + b (batch rows), whose backward step is

    dx = da W,   dh_in = da U,   ∂L/∂W = daᵀ x,   ∂L/∂U = daᵀ h_in,   ∂L/∂b = Σ_n da

and the squashing functions' local derivatives are σ'(a) = g ⊙ (1 − g) for g = σ(a) and
tanh'(a) = 1 − y² for y = tanh(a).

Check your gradients against central differences of your own forward functions before you ask
the grader:  ``python -m grader.gradcheck lstm_cell_backward``  (see ``grader/gradcheck.py``).
"""
import numpy as np


def rnn_cell_backward(dh, x, h_prev, params):
    """Return (dx, dh_prev, grads) for one vanilla step h = tanh(x W_xᵀ + h_prev W_hᵀ + b).

    dh: (N, H) is ∂L/∂h; x: (N, d); h_prev: (N, H).
    Returns: dx (N, d), dh_prev (N, H), and grads = {"W_x": (H, d), "W_h": (H, H), "b": (H,)}.
    Hint: da = dh ⊙ (1 − h²), then the affine map's backward step.
    """
    raise NotImplementedError("rnn_cell_backward is not implemented yet: replace this line with your code")


def gru_cell_backward(dh, x, h_prev, params):
    """Return (dx, dh_prev, grads) for one GRU step h = (1 − z) ⊙ h_prev + z ⊙ h~.

    dh: (N, H) is ∂L/∂h; x: (N, d); h_prev: (N, H).
    Returns: dx (N, d), dh_prev (N, H), and grads with the nine GRU keys.
    Hint: dh~ = dh ⊙ z and dz = dh ⊙ (h~ − h_prev); h_prev gets three shares: dh ⊙ (1 − z) directly,
    one through the reset state q = r ⊙ h_prev inside h~ (dq ⊙ r, and dr = dq ⊙ h_prev feeds the
    r gate), and one through each gate's U.
    """
    raise NotImplementedError("gru_cell_backward is not implemented yet: replace this line with your code")


def lstm_cell_backward(dh, dc, x, h_prev, c_prev, params):
    """Return (dx, dh_prev, dc_prev, grads) for one LSTM step.

    dh, dc: (N, H), the upstream gradients of h and c (as if L = Σ dh ⊙ h + Σ dc ⊙ c); dc does not
    include the path from c through h = o ⊙ tanh(c): add it yourself. x: (N, d); h_prev, c_prev: (N, H).
    Returns: dx (N, d), dh_prev (N, H), dc_prev (N, H), and grads with the twelve LSTM keys.
    Hint: the cell's total gradient is dc + dh ⊙ o ⊙ (1 − tanh²(c)); then dc_prev = (that) ⊙ f.
    """
    raise NotImplementedError("lstm_cell_backward is not implemented yet: replace this line with your code")


def rnn_backward(dhs, xs, h0, params):
    """Return (dxs, dh0, grads): backpropagation through time for rnn_forward(xs, h0, params).

    dhs: (T, N, H) is ∂L/∂hs; xs: (T, N, d); h0: (N, H).
    Returns: dxs (T, N, d), dh0 (N, H), grads summed over the T steps.
    Hint: go t = T … 1; the gradient reaching h_t is dhs[t] plus the dh_prev of step t + 1.
    """
    raise NotImplementedError("rnn_backward is not implemented yet: replace this line with your code")


def gru_backward(dhs, xs, h0, params):
    """Return (dxs, dh0, grads): backpropagation through time for gru_forward(xs, h0, params).

    dhs: (T, N, H); xs: (T, N, d); h0: (N, H).
    Returns: dxs (T, N, d), dh0 (N, H), grads summed over the T steps.
    Hint: the same loop as rnn_backward, with your gru_cell_backward.
    """
    raise NotImplementedError("gru_backward is not implemented yet: replace this line with your code")


def lstm_backward(dhs, xs, h0, c0, params):
    """Return (dxs, (dh0, dc0), grads) for lstm_forward(xs, h0, c0, params); the loss reads hs only.

    dhs: (T, N, H); xs: (T, N, d); h0, c0: (N, H).
    Returns: dxs (T, N, d), the pair (dh0, dc0) each (N, H), grads summed over the T steps.
    Hint: carry both dh and dc backwards; the last step's dc starts at zero.
    """
    raise NotImplementedError("lstm_backward is not implemented yet: replace this line with your code")
