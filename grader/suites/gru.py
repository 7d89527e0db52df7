"""Checks for ``gru``: the reset and update gates, the candidate state and one full step."""
from __future__ import annotations

from grader.suites.base import Check, register
from grader.suites.cells import step

GATE_HINT = "{g} = σ(x W_{g}ᵀ + h_prev U_{g}ᵀ + b_{g}): use the '{g}' weights of the params dict."
CANDIDATE_HINT = ("h~ = tanh(x W_hᵀ + (r ⊙ h_prev) U_hᵀ + b_h): the reset gate scales h_prev "
                  "before the matrix product.")
CELL_HINT = "h = (1 − z) ⊙ h_prev + z ⊙ h~: a small z keeps the old state."

register(
    Check("gru", "reset_gate", "reset gate, one step", 1, step("gru"), visibility="public",
          outputs=("r",), hint=GATE_HINT.format(g="r")),
    Check("gru", "reset_gate", "reset gate, N = 1", 1, step("gru", N=1), outputs=("r",), hint=GATE_HINT.format(g="r")),
    Check("gru", "update_gate", "update gate, one step", 1, step("gru"), visibility="public",
          outputs=("z",), hint=GATE_HINT.format(g="z")),
    Check("gru", "update_gate", "update gate, N = 1", 1, step("gru", N=1), outputs=("z",), hint=GATE_HINT.format(g="z")),
    Check("gru", "candidate_state", "candidate state with a given reset gate", 2, step("gru", with_r=True),
          visibility="public", outputs=("h~",), hint=CANDIDATE_HINT),
    Check("gru", "candidate_state", "candidate state, N = 1", 1, step("gru", N=1, with_r=True),
          outputs=("h~",), hint=CANDIDATE_HINT),
    Check("gru", "gru_cell", "one GRU step, nonzero state and biases", 2, step("gru"), visibility="public",
          outputs=("h",), hint=CELL_HINT),
    Check("gru", "gru_cell", "one GRU step, fresh sizes", 2, step("gru"), outputs=("h",), hint=CELL_HINT),
    Check("gru", "gru_cell", "one GRU step, N = 1", 1, step("gru", N=1), outputs=("h",), hint=CELL_HINT),
)
