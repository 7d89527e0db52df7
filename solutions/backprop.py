"""Backpropagation through the recurrent cells and through time.

Every backward function takes the upstream gradient(s) and the *same inputs as its forward
function*, recomputes the forward values it needs, and returns the gradients of one scalar loss
``L``. ``grads`` is a dict with exactly the keys and shapes of ``params``.

Notation: ``dv`` is ∂L/∂v, an array shaped like ``v``; ``⊙`` is the element-wise product. Every
pre-activation of the course's cells is one affine map ``a = x Wᵀ + h_in Uᵀ + b`` (a batch of row
vectors), and its backward step is the same for all of them (``_affine_backward``)::

    dx   = da W          (N, d)        dW = daᵀ x      (H, d)
    dh_in = da U         (N, H)        dU = daᵀ h_in   (H, H)
                                       db = Σ_n da     (H,)

The local derivatives of the squashing functions, written with their outputs:

    g = σ(a)    → ∂g/∂a = g ⊙ (1 − g)
    y = tanh(a) → ∂y/∂a = 1 − y²
"""
from __future__ import annotations

import numpy as np

from .gru import candidate_state, gru_cell, reset_gate, update_gate
from .lstm import candidate_cell, forget_gate, input_gate, lstm_cell, output_gate
from .vanilla import rnn_cell

_LSTM_GATES = ("f", "i", "c", "o")


def _affine_backward(da, x, h_in, W, U):
    """Backward step of ``a = x Wᵀ + h_in Uᵀ + b``: ``(dx, dh_in, dW, dU, db)``.

    Shapes: ``da`` ``(N, H)``, ``x`` ``(N, d)``, ``h_in`` ``(N, H)``, ``W`` ``(H, d)``, ``U`` ``(H, H)``.
    """
    return da @ W, da @ U, da.T @ x, da.T @ h_in, da.sum(axis=0)


def _gate_backward(da, x, h_in, params, name, grads):
    """``_affine_backward`` for the map of ``W_name, U_name, b_name``: its three parameter gradients go
    into ``grads``; returns ``(dx, dh_in)``."""
    dx, dh_in, grads[f"W_{name}"], grads[f"U_{name}"], grads[f"b_{name}"] = _affine_backward(
        da, x, h_in, params[f"W_{name}"], params[f"U_{name}"])
    return dx, dh_in


def _ordered(grads, params):
    """``grads`` with the keys in ``params``' order."""
    return {key: grads[key] for key in params}


def _gru_pieces(x, h_prev, params):
    """The forward values the GRU's backward step reads: ``(r, z, h~)``, each ``(N, H)``."""
    r = reset_gate(x, h_prev, params)
    return r, update_gate(x, h_prev, params), candidate_state(x, h_prev, r, params)


def rnn_cell_backward(dh, x, h_prev, params):
    """Backward step of the vanilla cell h = tanh(a), a = x W_xᵀ + h_prev W_hᵀ + b.

    Derivation: tanh's local derivative gives da = dh ⊙ (1 − h²); the affine map then gives
    dx = da W_x, dh_prev = da W_h, ∂L/∂W_x = daᵀ x, ∂L/∂W_h = daᵀ h_prev, ∂L/∂b = Σ_n da.

    Shapes: ``dh`` and ``h_prev`` ``(N, H)``, ``x`` ``(N, d)``; ``params`` as for ``rnn_cell``.
    Returns ``(dx, dh_prev, grads)``: ``(N, d)``, ``(N, H)`` and a dict with keys ``W_x, W_h, b``.
    """
    h = rnn_cell(x, h_prev, params)
    da = dh * (1.0 - h * h)
    dx, dh_prev, dW_x, dW_h, db = _affine_backward(da, x, h_prev, params["W_x"], params["W_h"])
    return dx, dh_prev, {"W_x": dW_x, "W_h": dW_h, "b": db}


def gru_cell_backward(dh, x, h_prev, params):
    """Backward step of the course's GRU, h = (1 − z) ⊙ h_prev + z ⊙ h~.

    Forward, for reference: r = σ(a_r), z = σ(a_z), h~ = tanh(a_h) with
    a_r = x W_rᵀ + h_prev U_rᵀ + b_r, a_z = x W_zᵀ + h_prev U_zᵀ + b_z and
    a_h = x W_hᵀ + (r ⊙ h_prev) U_hᵀ + b_h.

    Derivation, from the output back:

    1. The blend h = (1 − z) ⊙ h_prev + z ⊙ h~ is linear in each piece:
       dh~ = dh ⊙ z,   dz = dh ⊙ (h~ − h_prev),   and h_prev's direct share dh ⊙ (1 − z).
    2. Candidate: da_h = dh~ ⊙ (1 − h~²). Its affine map reads x and the reset state
       q = r ⊙ h_prev, so ∂L/∂W_h = da_hᵀ x, ∂L/∂U_h = da_hᵀ q, ∂L/∂b_h = Σ_n da_h, and dq = da_h U_h.
    3. The r path: q = r ⊙ h_prev gives dr = dq ⊙ h_prev and h_prev a second share dq ⊙ r.
    4. The gates: da_z = dz ⊙ z ⊙ (1 − z) and da_r = dr ⊙ r ⊙ (1 − r); each affine map reads
       (x, h_prev) and adds its share to dx and dh_prev.

    So dh_prev = dh ⊙ (1 − z) + dq ⊙ r + da_z U_z + da_r U_r, and dx = da_h W_h + da_z W_z + da_r W_r.

    Shapes: ``dh`` and ``h_prev`` ``(N, H)``, ``x`` ``(N, d)``; ``params`` as for ``gru_cell``.
    Returns ``(dx, dh_prev, grads)``: ``(N, d)``, ``(N, H)`` and a dict with the nine GRU keys.
    """
    r, z, h_tilde = _gru_pieces(x, h_prev, params)
    grads = {}
    dx, dq = _gate_backward(dh * z * (1.0 - h_tilde * h_tilde), x, r * h_prev, params, "h", grads)
    dx_z, dh_z = _gate_backward(dh * (h_tilde - h_prev) * z * (1.0 - z), x, h_prev, params, "z", grads)
    dx_r, dh_r = _gate_backward(dq * h_prev * r * (1.0 - r), x, h_prev, params, "r", grads)
    dh_prev = dh * (1.0 - z) + dq * r + dh_z + dh_r
    return dx + dx_z + dx_r, dh_prev, _ordered(grads, params)


def lstm_cell_backward(dh, dc, x, h_prev, c_prev, params):
    """Backward step of the LSTM cell, c = f ⊙ c_prev + i ⊙ c~ and h = o ⊙ tanh(c).

    ``dh`` and ``dc`` are the upstream gradients of the two outputs, as if L = Σ dh ⊙ h + Σ dc ⊙ c;
    ``dc`` does not yet include the path from c through h, which is added here.

    Derivation, from the outputs back:

    1. The dc path through tanh(c): h = o ⊙ tanh(c) reads c too, so the cell's total gradient is
       dc_t = dc + dh ⊙ o ⊙ (1 − tanh²(c)), and the output gate gets do = dh ⊙ tanh(c).
    2. The additive update c = f ⊙ c_prev + i ⊙ c~ passes dc_t on, scaled element-wise:
       df = dc_t ⊙ c_prev,   di = dc_t ⊙ c~,   dc~ = dc_t ⊙ i,   dc_prev = dc_t ⊙ f.
       No matrix and no squashing on that last path: the forget gate alone decides how much of
       the gradient reaches the previous cell, which is why it survives many steps.
    3. Local derivatives: da_f = df ⊙ f ⊙ (1 − f), da_i = di ⊙ i ⊙ (1 − i),
       da_o = do ⊙ o ⊙ (1 − o), da_c = dc~ ⊙ (1 − c~²).
    4. Each of the four affine maps reads (x, h_prev): ∂L/∂W_g = da_gᵀ x, ∂L/∂U_g = da_gᵀ h_prev,
       ∂L/∂b_g = Σ_n da_g, and dx = Σ_g da_g W_g, dh_prev = Σ_g da_g U_g.

    Shapes: ``dh``, ``dc``, ``h_prev``, ``c_prev`` ``(N, H)``, ``x`` ``(N, d)``; ``params`` as for
    ``lstm_cell``. Returns ``(dx, dh_prev, dc_prev, grads)``: ``(N, d)``, ``(N, H)``, ``(N, H)`` and
    a dict with the twelve LSTM keys.
    """
    pieces = _lstm_pieces(x, h_prev, c_prev, params)
    f, _, o, _, tanh_c = pieces
    dc_total = dc + dh * o * (1.0 - tanh_c * tanh_c)
    dx, dh_prev, grads = _lstm_gates_backward(dh, dc_total, x, h_prev, c_prev, params, pieces)
    return dx, dh_prev, dc_total * f, grads


def _lstm_pieces(x, h_prev, c_prev, params):
    """The forward values the LSTM's backward step reads: ``(f, i, o, c~, tanh(c))``, each ``(N, H)``."""
    f, i, o = forget_gate(x, h_prev, params), input_gate(x, h_prev, params), output_gate(x, h_prev, params)
    c_tilde = candidate_cell(x, h_prev, params)
    return f, i, o, c_tilde, np.tanh(f * c_prev + i * c_tilde)


def _lstm_gates_backward(dh, dc_total, x, h_prev, c_prev, params, pieces):
    """Steps 2–4 of ``lstm_cell_backward``, from the cell's total gradient ``dc_total`` and ``dh``:
    the four gates' pre-activation gradients and their affine maps. Returns ``(dx, dh_prev, grads)``."""
    f, i, o, c_tilde, tanh_c = pieces
    da = {
        "f": dc_total * c_prev * f * (1.0 - f),
        "i": dc_total * c_tilde * i * (1.0 - i),
        "c": dc_total * i * (1.0 - c_tilde * c_tilde),
        "o": dh * tanh_c * o * (1.0 - o),
    }
    dx, dh_prev, grads = 0.0, 0.0, {}
    for name in _LSTM_GATES:
        dx_g, dh_g = _gate_backward(da[name], x, h_prev, params, name, grads)
        dx, dh_prev = dx + dx_g, dh_prev + dh_g
    return dx, dh_prev, _ordered(grads, params)


def _through_time(step_backward, dhs, xs, previous, zero_state, add_upstream, params):
    """Backpropagation through time, t = T … 1, for any cell.

    ``previous[t]`` is the state the step reading ``xs[t]`` started from; ``step_backward(d_state,
    x_t, previous_t)`` returns ``(dx_t, d_previous_state, step_grads)``. The gradient reaching
    state t is the loss's own ``dhs[t]`` plus what flows back from step t + 1
    (``add_upstream(d_state, dhs[t])``), and the parameters are shared by every step, so their
    gradients are summed over time. Returns ``(dxs, d_initial_state, grads)``.
    """
    dxs = np.zeros_like(xs)
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    d_state = zero_state
    for t in range(len(xs) - 1, -1, -1):
        dxs[t], d_state, step_grads = step_backward(add_upstream(d_state, dhs[t]), xs[t], previous[t])
        for key in grads:
            grads[key] += step_grads[key]
    return dxs, d_state, grads


def _add_to_h(d_state, dh_t):
    return d_state + dh_t


def _add_to_h_of_pair(d_state, dh_t):
    return d_state[0] + dh_t, d_state[1]


def _states_before(cell_step, xs, state):
    """The state before each step: ``[s_0, s_1, …, s_{T−1}]`` with s_t = cell_step(xs[t−1], s_{t−1})."""
    before = []
    for x_t in xs:
        before.append(state)
        state = cell_step(x_t, state)
    return before


def rnn_backward(dhs, xs, h0, params):
    """Backpropagation through time for the vanilla RNN of ``sequence.rnn_forward``.

    For t = T … 1: dh_t = dhs[t] + (dh_prev from step t + 1), then ``rnn_cell_backward`` gives
    dxs[t], the dh_prev for step t − 1, and this step's share of each parameter gradient.

    Shapes: ``dhs`` ``(T, N, H)`` is ∂L/∂hs, ``xs`` ``(T, N, d)``, ``h0`` ``(N, H)``.
    Returns ``(dxs, dh0, grads)``: ``(T, N, d)``, ``(N, H)`` and grads summed over time.
    """
    xs, h0 = np.asarray(xs, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    previous = _states_before(lambda x_t, h: rnn_cell(x_t, h, params), xs, h0)
    step = lambda dh, x_t, h_prev: rnn_cell_backward(dh, x_t, h_prev, params)  # noqa: E731
    return _through_time(step, dhs, xs, previous, np.zeros_like(h0), _add_to_h, params)


def gru_backward(dhs, xs, h0, params):
    """Backpropagation through time for the GRU of ``sequence.gru_forward``.

    As ``rnn_backward``, with ``gru_cell_backward`` for each step.
    Shapes: ``dhs`` ``(T, N, H)``, ``xs`` ``(T, N, d)``, ``h0`` ``(N, H)``.
    Returns ``(dxs, dh0, grads)``: ``(T, N, d)``, ``(N, H)`` and grads summed over time.
    """
    xs, h0 = np.asarray(xs, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    previous = _states_before(lambda x_t, h: gru_cell(x_t, h, params), xs, h0)
    step = lambda dh, x_t, h_prev: gru_cell_backward(dh, x_t, h_prev, params)  # noqa: E731
    return _through_time(step, dhs, xs, previous, np.zeros_like(h0), _add_to_h, params)


def lstm_backward(dhs, xs, h0, c0, params):
    """Backpropagation through time for the LSTM of ``sequence.lstm_forward``; the loss reads hs only.

    For t = T … 1: dh_t = dhs[t] + (dh_prev from step t + 1) and dc_t = dc_prev from step t + 1
    (zero after the last step), then ``lstm_cell_backward`` adds the path through tanh(c_t) and
    passes dc_prev = dc_t^total ⊙ f_t back along the cell.

    Shapes: ``dhs`` ``(T, N, H)``, ``xs`` ``(T, N, d)``, ``h0`` and ``c0`` ``(N, H)``.
    Returns ``(dxs, (dh0, dc0), grads)``: ``(T, N, d)``, two ``(N, H)`` arrays, grads summed over time.
    """
    xs = np.asarray(xs, dtype=np.float64)
    h0, c0 = np.asarray(h0, dtype=np.float64), np.asarray(c0, dtype=np.float64)
    previous = _states_before(lambda x_t, s: lstm_cell(x_t, s[0], s[1], params), xs, (h0, c0))

    def step(d_state, x_t, s_prev):
        dx, dh_prev, dc_prev, grads = lstm_cell_backward(d_state[0], d_state[1], x_t, s_prev[0], s_prev[1], params)
        return dx, (dh_prev, dc_prev), grads

    zero = (np.zeros_like(h0), np.zeros_like(c0))
    return _through_time(step, dhs, xs, previous, zero, _add_to_h_of_pair, params)
