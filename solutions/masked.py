"""Padded batches of sequences with different lengths, as PyTorch's packed sequences run them.

``xs`` is time-major ``(T, N, d)``; sequence n is ``xs[:lengths[n], n]`` and the rows after it are
padding, which may hold any finite values: the references never compute with them, so no output
depends on them. Outputs over time are ``(T, N, H)`` (``(T, N, 2H)`` for both directions), with
zeros at the padded positions.
"""
from __future__ import annotations

import numpy as np

from .sequence import _check_cell, _step_function, _zero_state


def _check_lengths(lengths, steps, batch_size):
    """``lengths`` as an integer array of shape ``(N,)`` with 1 ≤ lengths[n] ≤ T, else ``ValueError``."""
    values = np.asarray(lengths)
    if values.shape != (batch_size,):
        raise ValueError(f"lengths must hold one length per sequence ({batch_size}), got shape {values.shape}")
    if values.dtype.kind not in "iu":
        raise ValueError(f"lengths must be integers, got dtype {values.dtype}")
    if values.size and (values.min() < 1 or values.max() > steps):
        raise ValueError(f"every length must be between 1 and T = {steps}, got {values.tolist()}")
    return values.astype(np.int64)


def _state_arrays(state, cell):
    """The state as a list of writable float64 arrays: ``[h]``, or ``[h, c]`` for ``"lstm"``."""
    parts = state if cell == "lstm" else (state,)
    return [np.array(part, dtype=np.float64) for part in parts]


def _real_steps(lengths, steps):
    """``(T, N)`` booleans: True where t < lengths[n] (a real step), False on padding."""
    return np.arange(steps)[:, None] < lengths[None, :]


def _masked_unroll(xs, lengths, state, params, cell):
    """Run ``cell`` over the real steps only; return ``(hs, state)`` with zeros at padded positions.

    ``lengths`` checked already; ``state`` as ``_state_arrays`` makes it (updated in place). At step t
    only the rows with t < lengths[n] are computed, so no value is ever read from padding."""
    step = _step_function(params, cell)
    hs = np.zeros((len(xs), *state[0].shape))
    for t in range(len(xs)):
        rows = np.flatnonzero(lengths > t)
        now = (state[0][rows], state[1][rows]) if cell == "lstm" else state[0][rows]
        h_t, new_state = step(xs[t, rows], now)
        for part, new_part in zip(state, new_state if cell == "lstm" else (new_state,)):
            part[rows] = new_part
        hs[t, rows] = h_t
    return hs, (state[0], state[1]) if cell == "lstm" else state[0]


def masked_forward(xs, lengths, h0, params, cell):
    """One layer over a padded batch: each sequence runs for its own length, then its state stops.

    ``xs``: ``(T, N, d)``; ``lengths``: N ints, 1 ≤ lengths[n] ≤ T; ``h0``: ``(N, H)``, or the pair
    ``(h0, c0)`` for ``"lstm"``; ``params`` and ``cell`` (``"rnn"``, ``"gru"``, ``"lstm"``) as for
    ``stacked_forward``. At step t only the rows with t < lengths[n] are computed.
    Returns ``(hs, finals)``: ``hs`` ``(T, N, H)``, ``hs[t, n] = 0`` for t ≥ lengths[n]; ``finals``
    ``(N, H)``, row n the state after ``xs[lengths[n] − 1, n]`` (for ``"lstm"``, the pair ``(h, c)``).
    """
    _check_cell(cell)
    xs = np.asarray(xs, dtype=np.float64)
    lengths = _check_lengths(lengths, *xs.shape[:2])
    return _masked_unroll(xs, lengths, _state_arrays(h0, cell), params, cell)


def _reverse_within_lengths(values, lengths):
    """``out[t, n] = values[lengths[n] − 1 − t, n]`` for t < lengths[n], zeros after.

    Reverses each sequence inside its own length and is its own inverse there; the padding of
    ``values`` is never read."""
    source = lengths[None, :] - 1 - np.arange(values.shape[0])[:, None]  # (T, N)
    real = source >= 0
    picked = values[np.where(real, source, 0), np.arange(values.shape[1])[None, :]]
    return np.where(real[..., None], picked, 0.0)


def masked_bidirectional_forward(xs, lengths, params_fwd, params_bwd, cell):
    """A bidirectional layer over a padded batch; both directions start from zero states.

    →h_t reads x_1 … x_t of its own sequence; ←h_t reads x_{L_n} … x_t, starting at that
    sequence's own last real step L_n = lengths[n] (not at T, which may be padding).
    ``xs``: ``(T, N, d)``; ``lengths``, ``params_*``, ``cell`` as for ``masked_forward``.
    Returns ``(T, N, 2H)``: ``[→h_t ; ←h_t]`` aligned on t, zeros at padded positions.
    """
    _check_cell(cell)
    xs = np.asarray(xs, dtype=np.float64)
    steps, batch_size = xs.shape[:2]
    lengths = _check_lengths(lengths, steps, batch_size)
    hs_fwd, _ = masked_forward(xs, lengths, _zero_state(batch_size, params_fwd, cell), params_fwd, cell)
    reversed_xs = _reverse_within_lengths(xs, lengths)
    hs_rev, _ = masked_forward(reversed_xs, lengths, _zero_state(batch_size, params_bwd, cell), params_bwd, cell)
    return np.concatenate([hs_fwd, _reverse_within_lengths(hs_rev, lengths)], axis=-1)
