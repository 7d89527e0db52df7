"""The gated recurrent unit in the course's form (reset before the product, ``(1 − z)`` keeps)."""
from __future__ import annotations

import numpy as np

from .gates import gate


def reset_gate(x, h_prev, params):
    """Reset gate r = σ(W_r x + U_r h_prev + b_r).

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; uses ``W_r`` ``(H, d)``, ``U_r`` ``(H, H)``,
    ``b_r`` ``(H,)``. Returns ``r`` of shape ``(N, H)``.
    """
    return gate(x, h_prev, params["W_r"], params["U_r"], params["b_r"])


def update_gate(x, h_prev, params):
    """Update gate z = σ(W_z x + U_z h_prev + b_z).

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; uses ``W_z`` ``(H, d)``, ``U_z`` ``(H, H)``,
    ``b_z`` ``(H,)``. Returns ``z`` of shape ``(N, H)``.
    """
    return gate(x, h_prev, params["W_z"], params["U_z"], params["b_z"])


def candidate_state(x, h_prev, r, params):
    """Candidate state h~ = tanh(W_h x + U_h (r ⊙ h_prev) + b_h).

    The reset gate scales the old state before it meets ``U_h``.
    Shapes: ``x`` ``(N, d)``, ``h_prev`` and ``r`` ``(N, H)``; uses ``W_h`` ``(H, d)``,
    ``U_h`` ``(H, H)``, ``b_h`` ``(H,)``. Returns ``h~`` of shape ``(N, H)``.
    """
    return np.tanh(x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T + params["b_h"])


def gru_cell(x, h_prev, params):
    """One GRU step: h = (1 − z) ⊙ h_prev + z ⊙ h~, with r, z and h~ as above.

    A small ``z`` keeps the old state; ``z`` near 1 takes the candidate.
    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; ``params`` holds the nine GRU arrays.
    Returns ``h`` of shape ``(N, H)``.
    """
    r = reset_gate(x, h_prev, params)
    z = update_gate(x, h_prev, params)
    h_tilde = candidate_state(x, h_prev, r, params)
    return (1.0 - z) * h_prev + z * h_tilde
