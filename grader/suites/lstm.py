"""Checks for ``lstm``: the four gate outputs, the cell update, the hidden state and one full step."""
from __future__ import annotations

from grader.suites import inputs as gen
from grader.suites.base import Check, register
from grader.suites.cells import step

GATES = {
    "forget_gate": ("f", "σ", "f = σ(x W_fᵀ + h_prev U_fᵀ + b_f)"),
    "input_gate": ("i", "σ", "i = σ(x W_iᵀ + h_prev U_iᵀ + b_i)"),
    "output_gate": ("o", "σ", "o = σ(x W_oᵀ + h_prev U_oᵀ + b_o)"),
    "candidate_cell": ("c~", "tanh", "c~ = tanh(x W_cᵀ + h_prev U_cᵀ + b_c): a tanh, not a sigmoid"),
}
CELL_UPDATE_HINT = "c = f ⊙ c_prev + i ⊙ c~: the forget gate scales the old cell, the input gate the candidate."
HIDDEN_HINT = "h = o ⊙ tanh(c): squash the cell with tanh before the output gate scales it."
CELL_HINT = "Compute f, i, o and c~ from (x, h_prev), then c = f ⊙ c_prev + i ⊙ c~ and h = o ⊙ tanh(c)."


def _cell_update(N=None):
    def make(rng):
        s = gen.draw_sizes(rng, N=N)
        f, i = rng.uniform(0.1, 0.9, size=(2, s.N, s.H))
        return (2.0 * gen.state(rng, s.N, s.H), f, i, gen.state(rng, s.N, s.H))
    return make


def _hidden_state(N=None):
    def make(rng):
        s = gen.draw_sizes(rng, N=N)
        return (rng.uniform(0.1, 0.9, size=(s.N, s.H)), 2.0 * gen.state(rng, s.N, s.H))
    return make


for function, (symbol, _, equation) in GATES.items():
    register(
        Check("lstm", function, f"{symbol}, one step", 1, step("lstm"), visibility="public",
              outputs=(symbol,), hint=equation),
        Check("lstm", function, f"{symbol}, N = 1", 1, step("lstm", N=1), outputs=(symbol,), hint=equation),
    )

register(
    Check("lstm", "cell_update", "cell update", 1, _cell_update(), visibility="public", outputs=("c",),
          hint=CELL_UPDATE_HINT),
    Check("lstm", "cell_update", "cell update, N = 1", 1, _cell_update(N=1), outputs=("c",), hint=CELL_UPDATE_HINT),
    Check("lstm", "hidden_state", "hidden state from a cell beyond ±1", 1, _hidden_state(), visibility="public",
          outputs=("h",), hint=HIDDEN_HINT),
    Check("lstm", "hidden_state", "hidden state, N = 1", 1, _hidden_state(N=1), outputs=("h",), hint=HIDDEN_HINT),
    Check("lstm", "lstm_cell", "one LSTM step, nonzero states and biases", 2, step("lstm", with_c=True),
          visibility="public", outputs=("h", "c"), hint=CELL_HINT),
    Check("lstm", "lstm_cell", "one LSTM step, fresh sizes", 2, step("lstm", with_c=True), outputs=("h", "c"),
          hint=CELL_HINT),
    Check("lstm", "lstm_cell", "one LSTM step, N = 1", 1, step("lstm", N=1, with_c=True), outputs=("h", "c"),
          hint=CELL_HINT),
)
