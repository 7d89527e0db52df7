"""Reference implementations of the exercise contract (``CONTRACT.md``).

Each module here mirrors ``exercises/`` name for name and signature for signature. Shape letters:
``N`` batch size, ``d`` input size, ``H`` hidden size, ``T`` time steps. Weights follow the course's
``W x + U h`` layout: ``W_*`` is ``(H, d)``, ``U_*`` is ``(H, H)``, ``b_*`` is ``(H,)``, so a batch step
is ``x @ W.T + h_prev @ U.T + b``.
"""
