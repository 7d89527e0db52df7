"""Checks for ``param_count``: exact integer counts and the symbolic formula in d and h."""
from __future__ import annotations

import sympy

from grader.suites.base import Check, register

D, H = sympy.Symbol("d", positive=True, integer=True), sympy.Symbol("h", positive=True, integer=True)
GRID = [(d, h) for d in (1, 2, 3, 5, 8) for h in (1, 2, 4, 7)]
CELL_HINTS = {
    "rnn_param_count": "A vanilla cell has one affine map: W_x (h·d), W_h (h·h) and b (h): hd + h² + h.",
    "gru_param_count": "A GRU has three affine maps (r, z and h~), each hd + h² + h: 3(hd + h² + h).",
    "lstm_param_count": "An LSTM has four affine maps (f, i, c~ and o), each hd + h² + h: 4(hd + h² + h).",
}
TORCH_HINT = ("PyTorch gives every affine map two bias vectors, b_ih and b_hh: hd + h² + 2h per map, "
              "times 1 (nn.RNN), 3 (nn.GRU) or 4 (nn.LSTM).")
STACKED_HINT = ("Sum over layers: layer 1 reads d inputs, layer ℓ ≥ 2 reads h (2h when bidirectional, "
                "because the layer below outputs [→h; ←h]); a bidirectional layer has two cells.")


def _pairs(rng, count=6):
    return [(int(rng.integers(1, 300)), int(rng.integers(1, 300))) for _ in range(count)]


def _symbolic(rng):
    return [(D, H), *GRID]


def _stacked_pairs(rng):
    cases = []
    for cell in ("rnn", "gru", "lstm"):
        for bidirectional in (False, True):
            d, h = (int(v) for v in rng.integers(1, 200, size=2))
            cases.append((cell, d, h, int(rng.integers(1, 5)), bidirectional))
    return cases


def _stacked_symbolic(cell: str, num_layers: int, bidirectional: bool):
    def make(rng):
        return [(cell, D, H, num_layers, bidirectional),
                *[(cell, d, h, num_layers, bidirectional) for d, h in GRID]]
    return make


for function, hint in CELL_HINTS.items():
    register(
        Check("param_count", function, "exact counts for several sizes", 1, _pairs, visibility="public",
              kind="count", hint=hint),
        Check("param_count", function, "the formula in d and h", 1, _symbolic, kind="symbolic", hint=hint),
    )

register(
    Check("param_count", "stacked_param_count", "every cell, causal and bidirectional", 2, _stacked_pairs,
          visibility="public", kind="count", hint=STACKED_HINT),
    Check("param_count", "stacked_param_count", "formula for three bidirectional LSTM layers", 1,
          _stacked_symbolic("lstm", 3, True), kind="symbolic", hint=STACKED_HINT),
    Check("param_count", "stacked_param_count", "formula for two causal GRU layers", 1,
          _stacked_symbolic("gru", 2, False), kind="symbolic", hint=STACKED_HINT),
)


def _torch_pairs(rng):
    return [(cell, int(rng.integers(1, 300)), int(rng.integers(1, 300))) for cell in ("rnn", "gru", "lstm")
            for _ in range(2)]


def _torch_symbolic(cell: str):
    def make(rng):
        return [(cell, D, H), *[(cell, d, h) for d, h in GRID]]
    return make


register(
    Check("param_count", "torch_param_count", "exact counts of nn.RNN, nn.GRU and nn.LSTM", 1, _torch_pairs,
          visibility="public", kind="count", hint=TORCH_HINT),
    *[Check("param_count", "torch_param_count", f"the formula in d and h for {cell!r}", 1, _torch_symbolic(cell),
            kind="symbolic", hint=TORCH_HINT) for cell in ("rnn", "gru", "lstm")],
)
