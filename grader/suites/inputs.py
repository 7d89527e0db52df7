"""Input generators for the hidden and public suites.

Everything is drawn from a ``numpy.random.Generator`` at grading time. Sizes are chosen so that
``N``, ``d`` and ``H`` all differ (a transpose cannot pass), weights are O(1) and biases and states
are nonzero (so known mix-ups change the output visibly), and gates are kept away from saturation
(so a swapped gate cannot hide behind a sigmoid stuck at 0 or 1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELL_GATES = {
    "rnn": ("",),
    "gru": ("r", "z", "h"),
    "lstm": ("f", "i", "c", "o"),
}


@dataclass(frozen=True)
class Sizes:
    """Batch size ``N``, input size ``d``, hidden size ``H`` and sequence length ``T``."""

    N: int
    d: int
    H: int
    T: int = 1


def draw_sizes(rng: np.random.Generator, *, T: int | None = None, N: int | None = None,
               square: bool = False) -> Sizes:
    """Three distinct sizes for N, d and H (each 2–7) and, unless given, T in 3–6.

    ``square`` makes d = H (still ≠ N): weights used untransposed then fit, so that mistake shows
    as wrong values the feedback can name, not only as a shape error.
    """
    n, d, h = (int(v) + 2 for v in rng.choice(6, size=3, replace=False))  # = choice(arange(2, 8), …), faster
    return Sizes(N=N if N is not None else n, d=h if square else d, H=h,
                 T=T if T is not None else int(rng.integers(3, 7)))


def matrix(rng: np.random.Generator, rows: int, cols: int, scale: float) -> np.ndarray:
    """A ``(rows, cols)`` matrix with entries of size about ``scale / sqrt(cols)``·√3."""
    return rng.uniform(-scale, scale, size=(rows, cols)) * np.sqrt(3.0 / cols)


def cell_params(rng: np.random.Generator, cell: str, d: int, H: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """One cell's parameter dict in the contract's names: ``W_*`` (H, d), ``U_*`` (H, H), ``b_*`` (H,)."""
    params: dict[str, np.ndarray] = {}
    if cell == "rnn":
        params["W_x"] = matrix(rng, H, d, scale)
        params["W_h"] = matrix(rng, H, H, scale)
        params["b"] = rng.uniform(-0.5, 0.5, size=H)
        return params
    for gate in CELL_GATES[cell]:
        params[f"W_{gate}"] = matrix(rng, H, d, scale)
        params[f"U_{gate}"] = matrix(rng, H, H, scale)
        params[f"b_{gate}"] = rng.uniform(-0.5, 0.5, size=H)
    return params


def state(rng: np.random.Generator, N: int, H: int) -> np.ndarray:
    """A nonzero ``(N, H)`` state with entries in ±[0.2, 0.9] (inside tanh's range)."""
    magnitude = rng.uniform(0.2, 0.9, size=(N, H))
    return magnitude * _SIGNS[rng.integers(0, 2, size=(N, H))]  # = rng.choice([-1.0, 1.0], …), faster


_SIGNS = np.array([-1.0, 1.0])
_SIGNS.flags.writeable = False


def inputs(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Inputs ``x`` of the given shape, standard normal."""
    return rng.normal(size=shape)


def stacked_layers(rng: np.random.Generator, cell: str, d: int, H: int, num_layers: int) -> list[dict]:
    """``num_layers`` parameter dicts: layer 1 reads ``d`` inputs, later layers read ``H``."""
    return [cell_params(rng, cell, d if layer == 0 else H, H) for layer in range(num_layers)]


def bidirectional_layers(rng: np.random.Generator, cell: str, d: int, H: int, num_layers: int) -> list[tuple[dict, dict]]:
    """``(params_fwd, params_bwd)`` per layer: layer 1 reads ``d``, later layers read ``2H``."""
    layers = []
    for layer in range(num_layers):
        width = d if layer == 0 else 2 * H
        layers.append((cell_params(rng, cell, width, H), cell_params(rng, cell, width, H)))
    return layers
