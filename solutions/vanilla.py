"""The vanilla (Elman) recurrent cell."""
from __future__ import annotations

import numpy as np


def rnn_cell(x, h_prev, params):
    """One step of a vanilla RNN: h = tanh(W_x x + W_h h_prev + b).

    Shapes: ``x`` ``(N, d)``, ``h_prev`` ``(N, H)``; ``params`` holds ``W_x`` ``(H, d)``,
    ``W_h`` ``(H, H)`` and ``b`` ``(H,)``. Returns the new state ``h`` of shape ``(N, H)``.
    """
    return np.tanh(x @ params["W_x"].T + h_prev @ params["W_h"].T + params["b"])
