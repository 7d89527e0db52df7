"""Your exercises for the deep recurrent networks unit.

Fill in every function that raises ``NotImplementedError``. Shape letters used throughout:
``N`` batch size, ``d`` input size, ``H`` hidden size, ``T`` number of time steps.
Weights are stored the way the course writes ``W x + U h``: ``W_*`` is ``(H, d)``, ``U_*`` is
``(H, H)``, ``b_*`` is ``(H,)``. With a batch of row vectors, ``W x`` becomes ``x @ W.T``.

You may reuse your own helpers across files, e.g. ``from exercises.gates import sigmoid``
(inside this package ``from .gates import sigmoid`` works too).
Check your work with ``grade check <exercise>``, e.g. ``grade check gru``.
"""
