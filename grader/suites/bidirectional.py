"""Checks for ``bidirectional``: one and several bidirectional layers."""
from __future__ import annotations

from grader.suites import inputs as gen
from grader.suites.base import Check, register

AXES = {"hs": ("t", "n", "dir")}
HINT = ("Run the forward cell over t = 1 … T and the backward cell over t = T … 1, both from zero "
        "states; put the backward outputs back in time order, then hs[t] = [→h_t ; ←h_t].")
DEEP_HINT = HINT + " Layer ℓ ≥ 2 reads the (T, N, 2H) output of the layer below."


def _single(cell: str, *, T=None, N=None):
    def make(rng):
        s = gen.draw_sizes(rng, T=T, N=N)
        return (gen.inputs(rng, s.T, s.N, s.d), gen.cell_params(rng, cell, s.d, s.H),
                gen.cell_params(rng, cell, s.d, s.H), cell)
    return make


def _deep(cell: str, num_layers: int, *, T=None, wide_input=False):
    """``wide_input``: d = 2H, so a layer fed the wrong sequence still fits and shows as wrong values."""
    def make(rng):
        s = gen.draw_sizes(rng, T=T)
        d = 2 * s.H if wide_input else s.d
        return (gen.inputs(rng, s.T, s.N, d), gen.bidirectional_layers(rng, cell, d, s.H, num_layers), cell)
    return make


register(
    Check("bidirectional", "bidirectional_forward", "vanilla RNN in both directions", 2, _single("rnn"),
          visibility="public", outputs=("hs",), axes=AXES, hint=HINT),
    Check("bidirectional", "bidirectional_forward", "GRU in both directions", 2, _single("gru"),
          outputs=("hs",), axes=AXES, hint=HINT),
    Check("bidirectional", "bidirectional_forward", "LSTM in both directions", 2, _single("lstm"),
          outputs=("hs",), axes=AXES, hint=HINT),
    Check("bidirectional", "bidirectional_forward", "one time step (T = 1)", 1, _single("gru", T=1),
          outputs=("hs",), axes=AXES, hint=HINT),
    Check("bidirectional", "deep_bidirectional_forward", "two vanilla bidirectional layers", 2, _deep("rnn", 2),
          visibility="public", outputs=("hs",), axes=AXES, hint=DEEP_HINT),
    Check("bidirectional", "deep_bidirectional_forward", "two GRU bidirectional layers", 2, _deep("gru", 2),
          outputs=("hs",), axes=AXES, hint=DEEP_HINT),
    Check("bidirectional", "deep_bidirectional_forward", "three LSTM bidirectional layers", 2, _deep("lstm", 3),
          outputs=("hs",), axes=AXES, hint=DEEP_HINT),
    Check("bidirectional", "deep_bidirectional_forward", "two vanilla bidirectional layers, input size 2H", 1,
          _deep("rnn", 2, wide_input=True), outputs=("hs",), axes=AXES, hint=DEEP_HINT),
)
