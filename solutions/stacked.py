"""Stacked (deep) recurrent networks: each layer reads the sequence of states below it."""
from __future__ import annotations

import numpy as np

from .sequence import _check_cell, _layer_forward


def stacked_forward(xs, layers, cell):
    """Run ``len(layers)`` recurrent layers on top of each other, each from zero states.

    With h_t^(0) = x_t, layer ℓ computes h_t^(ℓ) from h_t^(ℓ−1) and h_{t−1}^(ℓ) with its own
    parameters, e.g. for ``"rnn"``: h_t^(ℓ) = tanh(W_x^(ℓ) h_t^(ℓ−1) + W_h^(ℓ) h_{t−1}^(ℓ) + b^(ℓ)).

    ``xs``: ``(T, N, d)``. ``layers``: a list of parameter dicts; layer 1's ``W_*`` are ``(H, d)``,
    later layers' are ``(H, H)``. ``cell``: ``"rnn"``, ``"gru"`` or ``"lstm"`` (anything else raises
    ``ValueError``). An LSTM layer starts from zero ``h`` and ``c``.

    Returns ``(hs_top, finals)``: ``hs_top`` ``(T, N, H)`` are the top layer's states, and
    ``finals[ℓ]`` is layer ℓ's last ``h`` ``(N, H)`` (for ``"lstm"``, its pair ``(h, c)``).
    """
    _check_cell(cell)
    if len(layers) == 0:
        raise ValueError("stacked_forward needs at least one layer")
    hs = np.asarray(xs, dtype=np.float64)
    finals = []
    for params in layers:
        hs, final = _layer_forward(hs, params, cell)
        finals.append(final)
    return hs, finals
