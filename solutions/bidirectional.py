"""Bidirectional recurrent networks: one pass reads 1 … T, another reads T … 1."""
from __future__ import annotations

import numpy as np

from .sequence import _check_cell, _layer_forward


def bidirectional_forward(xs, params_fwd, params_bwd, cell):
    """Run a forward and a backward layer and join their states at each time step.

    →h_t reads x_1 … x_t (from →h_0 = 0); ←h_t reads x_T … x_t (from ←h_{T+1} = 0), each with its
    own parameters. The output is h_t = [→h_t ; ←h_t], both halves belonging to the same t.

    ``xs``: ``(T, N, d)``; ``params_fwd`` and ``params_bwd``: parameter dicts for ``cell``
    (``"rnn"``, ``"gru"`` or ``"lstm"``; anything else raises ``ValueError``), ``W_*`` ``(H, d)``.
    Returns ``hs`` of shape ``(T, N, 2H)``: ``hs[t, :, :H]`` forward, ``hs[t, :, H:]`` backward.
    """
    _check_cell(cell)
    xs = np.asarray(xs, dtype=np.float64)
    hs_fwd, _ = _layer_forward(xs, params_fwd, cell)
    hs_bwd, _ = _layer_forward(xs, params_bwd, cell, reverse=True)
    return np.concatenate([hs_fwd, hs_bwd], axis=-1)


def deep_bidirectional_forward(xs, layers, cell):
    """Stack bidirectional layers: layer ℓ ≥ 2 reads the ``(T, N, 2H)`` output of layer ℓ − 1.

    ``xs``: ``(T, N, d)``. ``layers``: a list of ``(params_fwd, params_bwd)`` pairs; layer 1's
    ``W_*`` are ``(H, d)``, later layers' are ``(H, 2H)``. ``cell`` as for ``bidirectional_forward``.
    Returns the top layer's ``[→h_t ; ←h_t]``, shape ``(T, N, 2H)``.
    """
    _check_cell(cell)
    if len(layers) == 0:
        raise ValueError("deep_bidirectional_forward needs at least one layer")
    hs = np.asarray(xs, dtype=np.float64)
    for params_fwd, params_bwd in layers:
        hs = bidirectional_forward(hs, params_fwd, params_bwd, cell)
    return hs
