"""Exercise: the gated recurrent unit (GRU), in the course's notation.

    r_t  = σ(W_r x_t + U_r h_{t−1} + b_r)               reset gate
    z_t  = σ(W_z x_t + U_z h_{t−1} + b_z)               update gate
    h~_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h)    candidate state
    h_t  = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t             new state

``params`` is a dict with "W_r", "W_z", "W_h" of shape (H, d), "U_r", "U_z", "U_h" of shape (H, H)
and "b_r", "b_z", "b_h" of shape (H,). ⊙ is the element-wise product (``*`` in NumPy).
"""
import numpy as np


def reset_gate(x, h_prev, params):
    """Return r = σ(W_r x + U_r h_prev + b_r).

    x: (N, d), h_prev: (N, H). Returns: r, shape (N, H).
    Hint: ``from exercises.gates import gate`` does almost all of the work.
    """
    raise NotImplementedError("reset_gate is not implemented yet: replace this line with your code")


def update_gate(x, h_prev, params):
    """Return z = σ(W_z x + U_z h_prev + b_z).

    x: (N, d), h_prev: (N, H). Returns: z, shape (N, H).
    Hint: same as the reset gate, with the z parameters.
    """
    raise NotImplementedError("update_gate is not implemented yet: replace this line with your code")


def candidate_state(x, h_prev, r, params):
    """Return h~ = tanh(W_h x + U_h (r ⊙ h_prev) + b_h).

    x: (N, d), h_prev: (N, H), r: (N, H) the reset gate. Returns: h~, shape (N, H).
    Hint: the reset gate multiplies h_prev *before* the product with U_h.
    """
    raise NotImplementedError(
        "candidate_state is not implemented yet: replace this line with your code"
    )


def gru_cell(x, h_prev, params):
    """Return the new state h = (1 − z) ⊙ h_prev + z ⊙ h~ after one GRU step.

    x: (N, d), h_prev: (N, H). Returns: h, shape (N, H).
    Hint: compute r and z first, then h~ using r, then mix. A small z keeps the old state.
    """
    raise NotImplementedError("gru_cell is not implemented yet: replace this line with your code")
