"""Checks for ``stacked``: deep (stacked) recurrent networks, layer ℓ reading layer ℓ−1."""
from __future__ import annotations

from grader.suites import inputs as gen
from grader.suites.base import Check, register

HINT = ("Layer 1 reads xs; layer ℓ ≥ 2 reads the whole output sequence of layer ℓ−1 "
        "(h_t^(ℓ−1) is its input at time t). Every layer starts from a zero state.")


def _stack(cell: str, num_layers: int, *, T=None, N=None, square=False):
    """``square``: d = H, so a layer fed the wrong sequence still fits and shows as wrong values."""
    def make(rng):
        s = gen.draw_sizes(rng, T=T, N=N, square=square)
        return (gen.inputs(rng, s.T, s.N, s.d), gen.stacked_layers(rng, cell, s.d, s.H, num_layers), cell)
    return make


AXES = {"hs_top": ("t", "n", "unit")}
OUTPUTS = ("hs_top", "finals")

register(
    Check("stacked", "stacked_forward", "two vanilla RNN layers", 2, _stack("rnn", 2), visibility="public",
          outputs=OUTPUTS, axes=AXES, hint=HINT),
    Check("stacked", "stacked_forward", "three GRU layers", 2, _stack("gru", 3), outputs=OUTPUTS, axes=AXES, hint=HINT),
    Check("stacked", "stacked_forward", "two LSTM layers", 2, _stack("lstm", 2), outputs=OUTPUTS, axes=AXES, hint=HINT),
    Check("stacked", "stacked_forward", "one LSTM layer, one time step", 1, _stack("lstm", 1, T=1),
          outputs=OUTPUTS, axes=AXES, hint=HINT),
    Check("stacked", "stacked_forward", "three vanilla layers, N = 1", 1, _stack("rnn", 3, N=1),
          outputs=OUTPUTS, axes=AXES, hint=HINT),
    Check("stacked", "stacked_forward", "a GRU stack three layers deep", 2, _stack("gru", 3),
          visibility="public", outputs=OUTPUTS, axes=AXES, hint=HINT),
    Check("stacked", "stacked_forward", "two LSTM layers, input size = hidden size", 1,
          _stack("lstm", 2, square=True), outputs=OUTPUTS, axes=AXES, hint=HINT),
)
