"""The logistic sigmoid and a generic sigmoid gate."""
from __future__ import annotations

import numpy as np


def sigmoid(a):
    """Logistic function σ(a) = 1 / (1 + exp(−a)), applied element-wise.

    ``a``: an array of any shape (or a scalar). Returns a float64 array of the same shape.

    Stable for large ``|a|``: only ``exp(−|a|)`` is ever evaluated, which lies in ``(0, 1]``, so
    nothing overflows. For ``a ≥ 0`` we use ``1 / (1 + e)``; for ``a < 0`` the equal form
    ``e / (1 + e)``, with ``e = exp(−|a|)``. An ``e`` that underflows to 0 gives the exact limit
    (0 or 1), so the underflow is silenced here rather than reported.
    """
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def gate(x, h_prev, W, U, b):
    """One sigmoid gate: g = σ(W x + U h_prev + b), for a batch.

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``, ``W`` ``(H, d)``, ``U`` ``(H, H)``, ``b`` ``(H,)``.
    Returns ``g`` of shape ``(N, H)``, computed as ``σ(x @ W.T + h_prev @ U.T + b)``.
    """
    return sigmoid(x @ W.T + h_prev @ U.T + b)
