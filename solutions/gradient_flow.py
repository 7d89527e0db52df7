"""How much of a change to an earlier state still reaches a later one: Jacobians through time.

The state ``s`` is ``h`` for ``"rnn"`` and ``"gru"`` and ``[h; c]`` (length 2H, h first) for
``"lstm"``. One step's Jacobian ``J_t = ∂s_t/∂s_{t−1}`` is read off the backward step: the
backward function computes the vector–Jacobian product ds_prev = ds J (a row vector times J), so
with ds = e_i, the i-th unit vector, it returns row i of J. The chain rule multiplies the steps'
Jacobians, ∂s_T/∂s_k = J_T J_{T−1} … J_{k+1}, and the size of that product says how much of the
gradient survives T − k steps.

For the vanilla cell J_t = diag(1 − h_t²) W_h: every step multiplies by W_h and by a tanh
derivative ≤ 1, so the product shrinks geometrically when W_h is not large (it vanishes). The
LSTM's cell block ∂c_t/∂c_{t−1} = diag(f_t) has no matrix and no squashing: with forget gates near
1 (a forget bias of 2 gives f ≈ σ(2) ≈ 0.88) the product ∏ f_t shrinks far more slowly.
"""
from __future__ import annotations

import numpy as np

from .backprop import _states_before, gru_cell_backward, lstm_cell_backward, rnn_cell_backward
from .gru import gru_cell
from .lstm import lstm_cell
from .sequence import _check_cell
from .vanilla import rnn_cell


def _lstm_state(h, c):
    return np.concatenate([h, c], axis=-1)


def _require_cell_state(cell, c, name):
    if cell == "lstm" and c is None:
        raise ValueError(f"the LSTM's state is [h; c]: {name} is required for cell 'lstm'")


def _state_vjp(cell, ds, x, s_prev, params):
    """ds_prev = ds J for one step from state ``s_prev`` (both ``(N, S)``), through the cell's backward."""
    if cell == "lstm":
        H = ds.shape[1] // 2
        _, dh_prev, dc_prev, _ = lstm_cell_backward(ds[:, :H], ds[:, H:], x, s_prev[:, :H], s_prev[:, H:], params)
        return _lstm_state(dh_prev, dc_prev)
    backward = rnn_cell_backward if cell == "rnn" else gru_cell_backward
    return backward(ds, x, s_prev, params)[1]


def state_jacobian(cell, x, h_prev, params, c_prev=None):
    """One step's Jacobian of the new state with respect to the previous one, per batch row.

    ``J[n, i, j] = ∂s_t[n, i] / ∂s_{t−1}[n, j]``, built from the backward step: row i is the
    ds_prev it returns for ds = e_i. All S rows come from one backward call, on a batch that
    repeats each batch row S times with the unit vectors e_1 … e_S as upstream gradients (batch
    rows do not interact). In closed form, for the vanilla cell J = diag(1 − h²) W_h; for the
    LSTM the blocks are ∂c/∂c_prev = diag(f) and ∂h/∂c_prev = diag(o ⊙ (1 − tanh²(c)) ⊙ f), and
    the h_prev columns collect every gate's U matrix.

    Shapes: ``x`` ``(N, d)``, ``h_prev`` (and ``c_prev`` for ``"lstm"``) ``(N, H)``.
    Returns ``(N, H, H)``, or ``(N, 2H, 2H)`` for ``"lstm"`` (state [h; c], h first).
    Raises ``ValueError`` for an unknown cell, or for ``"lstm"`` without ``c_prev``.
    """
    _check_cell(cell)
    _require_cell_state(cell, c_prev, "c_prev")
    s_prev = _lstm_state(h_prev, c_prev) if cell == "lstm" else np.asarray(h_prev, dtype=np.float64)
    return _jacobian_rows(cell, x, s_prev, params)


def _jacobian_rows(cell, x, s_prev, params):
    """``J`` ``(N, S, S)`` for states ``s_prev`` ``(N, S)``: row i of J[n] is the VJP of e_i."""
    N, S = s_prev.shape
    unit_rows = np.broadcast_to(np.eye(S), (N, S, S)).reshape(N * S, S)  # row n·S + i is e_i
    rows = _state_vjp(cell, unit_rows, np.repeat(x, S, axis=0), np.repeat(s_prev, S, axis=0), params)
    return rows.reshape(N, S, S)


def _stacked_states(cell, xs, h0, params, c0):
    """The states s_0 … s_{T−1} that the steps start from, stacked: ``(T, N, H)`` for h, and for c
    (``None`` unless ``"lstm"``)."""
    if cell == "lstm":
        before = _states_before(lambda x_t, s: lstm_cell(x_t, s[0], s[1], params), xs, (h0, c0))
        return np.stack([s[0] for s in before]), np.stack([s[1] for s in before])
    one_step = rnn_cell if cell == "rnn" else gru_cell
    return np.stack(_states_before(lambda x_t, h: one_step(x_t, h, params), xs, h0)), None


def _step_jacobians(cell, xs, h0, params, c0):
    """Every step's Jacobian, ``(T, N, S, S)``: entry k is J_{k+1}, the step reading ``xs[k]``."""
    _check_cell(cell)
    _require_cell_state(cell, c0, "c0")
    xs = np.asarray(xs, dtype=np.float64)
    T, N = xs.shape[0], xs.shape[1]
    hs, cs = _stacked_states(cell, xs, np.asarray(h0, dtype=np.float64), params,
                            None if c0 is None else np.asarray(c0, dtype=np.float64))
    flat = lambda a: None if a is None else a.reshape(T * N, a.shape[-1])  # noqa: E731
    jacobians = state_jacobian(cell, flat(xs), flat(hs), params, flat(cs))
    return jacobians.reshape(T, N, *jacobians.shape[1:])


def gradient_norms(cell, xs, h0, params, c0=None):
    """‖∂s_T/∂s_k‖ (Frobenius, per batch row) for k = 0 … T−1: how much of a change still arrives.

    s_0 is the initial state and s_t the state after reading ``xs[t−1]``. With J_t = ∂s_t/∂s_{t−1},
    the chain rule gives ∂s_T/∂s_k = J_T J_{T−1} … J_{k+1}: start from P = J_T (k = T − 1, one
    step), then P ← P J_{k+1} for k = T − 2 … 0, one more step each time. Every step's Jacobian
    depends only on that step's input and starting state, so all T of them come from one call
    of ``state_jacobian`` on the T·N rows (time and batch flattened together).

    Shapes: ``xs`` ``(T, N, d)``, ``h0`` (and ``c0`` for ``"lstm"``) ``(N, H)``.
    Returns ``norms`` ``(T, N)``: ``norms[k, n] = ‖∂s_T[n] / ∂s_k[n]‖_F``, so ``norms[0]`` spans T
    steps and ``norms[T−1]`` one step. Raises ``ValueError`` for ``"lstm"`` without ``c0``.
    """
    jacobians = _step_jacobians(cell, xs, h0, params, c0)  # jacobians[k] is J_{k+1}: it reads xs[k]
    T, N = jacobians.shape[:2]
    norms = np.empty((T, N))
    product = jacobians[T - 1]
    norms[T - 1] = np.sqrt(np.einsum("nij,nij->n", product, product))
    for k in range(T - 2, -1, -1):
        product = product @ jacobians[k]
        norms[k] = np.sqrt(np.einsum("nij,nij->n", product, product))
    return norms
