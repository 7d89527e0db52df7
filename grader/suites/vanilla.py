"""Checks for ``vanilla``: one step of the plain RNN cell."""
from __future__ import annotations

from grader.suites.base import Check, register
from grader.suites.cells import step

HINT = "h = tanh(x W_xᵀ + h_prev W_hᵀ + b), with W_x (H, d) and W_h (H, H)."

register(
    Check("vanilla", "rnn_cell", "one step, nonzero state and bias", 2, step("rnn"), visibility="public",
          outputs=("h",), hint=HINT),
    Check("vanilla", "rnn_cell", "batch of one (N = 1)", 1, step("rnn", N=1), outputs=("h",), hint=HINT),
    Check("vanilla", "rnn_cell", "larger weights", 1, step("rnn", scale=2.5), outputs=("h",), hint=HINT),
    Check("vanilla", "rnn_cell", "square weights (d = H)", 1, step("rnn", square=True), outputs=("h",), hint=HINT),
)
