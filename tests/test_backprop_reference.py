"""The gradient references checked against central finite differences of the forward references,
and against derivatives written out by hand for the scalar case (N = d = H = 1).

The loss is always L = Σ dh ⊙ h (+ Σ dc ⊙ c for an LSTM step) with random upstream gradients, so
every output element matters. The finite differences are computed here, in a few lines, from the
forward functions of ``solutions`` only.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from solutions import backprop, gradient_flow
from solutions.gru import gru_cell
from solutions.lstm import lstm_cell
from solutions.sequence import gru_forward, lstm_forward, rnn_forward
from solutions.vanilla import rnn_cell

EPS = 1e-6
CELLS = ("rnn", "gru", "lstm")
KEYS = {"rnn": ("W_x", "W_h", "b"),
        "gru": ("W_r", "U_r", "b_r", "W_z", "U_z", "b_z", "W_h", "U_h", "b_h"),
        "lstm": ("W_f", "U_f", "b_f", "W_i", "U_i", "b_i", "W_c", "U_c", "b_c", "W_o", "U_o", "b_o")}


def shape_of(cell, key, d, H):
    if key.startswith("b"):
        return (H,)
    return (H, H) if key.startswith("U") or (cell, key) == ("rnn", "W_h") else (H, d)


def params_for(rng, cell, d, H):
    return {k: rng.uniform(-0.9, 0.9, size=shape_of(cell, k, d, H)) for k in KEYS[cell]}


def numerical_gradient(loss, array):
    """Central differences of the scalar ``loss()`` with respect to every element of ``array`` (in place)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        old = array[index]
        array[index] = old + EPS
        up = loss()
        array[index] = old - EPS
        down = loss()
        array[index] = old
        grad[index] = (up - down) / (2 * EPS)
    return grad


def assert_gradient(loss, array, analytic, what):
    numeric = numerical_gradient(loss, array)
    assert analytic.shape == array.shape, what
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=what)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("N,d,H", [(3, 4, 5), (1, 2, 3), (2, 3, 3)])
def test_cell_backward_matches_central_differences(cell, N, d, H):
    rng = np.random.default_rng(N * 100 + d * 10 + H)
    p = params_for(rng, cell, d, H)
    x, h_prev, c_prev = rng.normal(size=(N, d)), rng.uniform(-0.9, 0.9, (N, H)), rng.uniform(-1.5, 1.5, (N, H))
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    if cell == "lstm":
        def loss():
            h, c = lstm_cell(x, h_prev, c_prev, p)
            return float(np.sum(dh * h) + np.sum(dc * c))
        dx, dh_prev, dc_prev, grads = backprop.lstm_cell_backward(dh, dc, x, h_prev, c_prev, p)
        assert_gradient(loss, c_prev, dc_prev, "dc_prev")
    else:
        forward = rnn_cell if cell == "rnn" else gru_cell
        backward = backprop.rnn_cell_backward if cell == "rnn" else backprop.gru_cell_backward

        def loss():
            return float(np.sum(dh * forward(x, h_prev, p)))
        dx, dh_prev, grads = backward(dh, x, h_prev, p)
    assert_gradient(loss, x, dx, "dx")
    assert_gradient(loss, h_prev, dh_prev, "dh_prev")
    assert list(grads) == list(KEYS[cell])
    for key in KEYS[cell]:
        assert_gradient(loss, p[key], grads[key], key)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("T,N,d,H", [(4, 2, 3, 4), (1, 3, 2, 4), (5, 1, 4, 2)])
def test_backward_through_time_matches_central_differences(cell, T, N, d, H):
    rng = np.random.default_rng(T * 1000 + N * 100 + d * 10 + H)
    p = params_for(rng, cell, d, H)
    xs, h0, c0 = rng.normal(size=(T, N, d)), rng.uniform(-0.9, 0.9, (N, H)), rng.uniform(-1, 1, (N, H))
    dhs = rng.normal(size=(T, N, H))
    if cell == "lstm":
        def loss():
            return float(np.sum(dhs * lstm_forward(xs, h0, c0, p)[0]))
        dxs, (dh0, dc0), grads = backprop.lstm_backward(dhs, xs, h0, c0, p)
        assert_gradient(loss, c0, dc0, "dc0")
    else:
        forward = rnn_forward if cell == "rnn" else gru_forward
        backward = backprop.rnn_backward if cell == "rnn" else backprop.gru_backward

        def loss():
            return float(np.sum(dhs * forward(xs, h0, p)[0]))
        dxs, dh0, grads = backward(dhs, xs, h0, p)
    assert_gradient(loss, xs, dxs, "dxs")
    assert_gradient(loss, h0, dh0, "dh0")
    for key in KEYS[cell]:
        assert_gradient(loss, p[key], grads[key], key)


def _state_step(cell, x, s, p, H):
    if cell == "lstm":
        return np.concatenate(lstm_cell(x, s[:, :H], s[:, H:], p), axis=1)
    return (rnn_cell if cell == "rnn" else gru_cell)(x, s, p)


def _numerical_jacobian(cell, x, s, p, H):
    """J[n, :, j] by central differences in column j of every batch row at once (rows do not interact)."""
    N, S = s.shape
    J = np.zeros((N, S, S))
    for j in range(S):
        step = np.zeros_like(s)
        step[:, j] = EPS
        J[:, :, j] = (_state_step(cell, x, s + step, p, H) - _state_step(cell, x, s - step, p, H)) / (2 * EPS)
    return J


@pytest.mark.parametrize("cell", CELLS)
def test_state_jacobian_matches_central_differences(cell):
    rng = np.random.default_rng(5)
    N, d, H = 3, 4, 5
    p = params_for(rng, cell, d, H)
    x, h, c = rng.normal(size=(N, d)), rng.uniform(-0.9, 0.9, (N, H)), rng.uniform(-1.5, 1.5, (N, H))
    s = np.concatenate([h, c], axis=1) if cell == "lstm" else h
    J = gradient_flow.state_jacobian(cell, x, h, p, c if cell == "lstm" else None)
    assert J.shape == (N, s.shape[1], s.shape[1])
    np.testing.assert_allclose(J, _numerical_jacobian(cell, x, s, p, H), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("cell", CELLS)
def test_gradient_norms_are_norms_of_products_of_numerical_jacobians(cell):
    rng = np.random.default_rng(9)
    T, N, d, H = 6, 2, 3, 4
    p = params_for(rng, cell, d, H)
    xs, h0, c0 = rng.normal(size=(T, N, d)), rng.uniform(-0.9, 0.9, (N, H)), rng.uniform(-1, 1, (N, H))
    s = np.concatenate([h0, c0], axis=1) if cell == "lstm" else h0
    jacobians = []
    for t in range(T):
        jacobians.append(_numerical_jacobian(cell, xs[t], s, p, H))
        s = _state_step(cell, xs[t], s, p, H)
    norms = gradient_flow.gradient_norms(cell, xs, h0, p, c0 if cell == "lstm" else None)
    assert norms.shape == (T, N)
    for k in range(T):
        for n in range(N):
            product = np.eye(s.shape[1])
            for J in jacobians[k:]:  # J_{k+1} first: the product J_T … J_{k+1}
                product = J[n] @ product
            assert norms[k, n] == pytest.approx(np.linalg.norm(product), rel=1e-6)


def test_the_lstm_state_needs_its_cell():
    rng = np.random.default_rng(0)
    p = params_for(rng, "lstm", 2, 3)
    with pytest.raises(ValueError):
        gradient_flow.state_jacobian("lstm", np.ones((1, 2)), np.zeros((1, 3)), p)
    with pytest.raises(ValueError):
        gradient_flow.gradient_norms("lstm", np.ones((4, 1, 2)), np.zeros((1, 3)), p)
    with pytest.raises(ValueError):
        gradient_flow.gradient_norms("elman", np.ones((4, 1, 2)), np.zeros((1, 3)), p)


# --- the scalar case, differentiated by hand ---------------------------------------------------

def sig(a):
    return 1.0 / (1.0 + math.exp(-a))


def one(value):
    return np.array([[value]])


def scalar_params(names, values):
    return {name: (np.array([value]) if name.startswith("b") else one(value)) for name, value in zip(names, values)}


def test_scalar_rnn_step_by_hand():
    x, h_prev, w_x, w_h, b, dh = 0.7, -0.4, 0.9, -1.3, 0.2, 1.5
    h = math.tanh(w_x * x + w_h * h_prev + b)
    da = dh * (1 - h * h)
    dx, dh_prev, grads = backprop.rnn_cell_backward(one(dh), one(x), one(h_prev),
                                                    scalar_params(KEYS["rnn"], (w_x, w_h, b)))
    assert dx[0, 0] == pytest.approx(da * w_x, rel=1e-12)
    assert dh_prev[0, 0] == pytest.approx(da * w_h, rel=1e-12)
    assert grads["W_x"][0, 0] == pytest.approx(da * x, rel=1e-12)
    assert grads["W_h"][0, 0] == pytest.approx(da * h_prev, rel=1e-12)
    assert grads["b"][0] == pytest.approx(da, rel=1e-12)


def test_scalar_gru_step_by_hand():
    x, h_prev, dh = 0.8, 0.5, -1.1
    w_r, u_r, b_r, w_z, u_z, b_z, w_h, u_h, b_h = 0.3, -0.6, 0.1, -0.5, 0.7, 0.2, 1.1, -0.9, -0.3
    r = sig(w_r * x + u_r * h_prev + b_r)
    z = sig(w_z * x + u_z * h_prev + b_z)
    n = math.tanh(w_h * x + u_h * r * h_prev + b_h)
    # h = (1 − z) h_prev + z n, so:
    dn_pre = dh * z * (1 - n * n)           # through n = tanh(·)
    dz_pre = dh * (n - h_prev) * z * (1 - z)
    dr_pre = dn_pre * u_h * h_prev * r * (1 - r)
    expected_dh_prev = dh * (1 - z) + dn_pre * u_h * r + dz_pre * u_z + dr_pre * u_r
    expected_dx = dn_pre * w_h + dz_pre * w_z + dr_pre * w_r
    params = scalar_params(KEYS["gru"], (w_r, u_r, b_r, w_z, u_z, b_z, w_h, u_h, b_h))
    dx, dh_prev, grads = backprop.gru_cell_backward(one(dh), one(x), one(h_prev), params)
    assert dx[0, 0] == pytest.approx(expected_dx, rel=1e-12)
    assert dh_prev[0, 0] == pytest.approx(expected_dh_prev, rel=1e-12)
    by_hand = {"W_r": dr_pre * x, "U_r": dr_pre * h_prev, "b_r": dr_pre,
               "W_z": dz_pre * x, "U_z": dz_pre * h_prev, "b_z": dz_pre,
               "W_h": dn_pre * x, "U_h": dn_pre * r * h_prev, "b_h": dn_pre}
    for key, value in by_hand.items():
        assert float(grads[key].ravel()[0]) == pytest.approx(value, rel=1e-12), key


def test_scalar_lstm_step_by_hand():
    x, h_prev, c_prev, dh, dc = -0.6, 0.3, 1.2, 0.9, -0.4
    values = dict(W_f=0.4, U_f=-0.2, b_f=1.0, W_i=-0.7, U_i=0.5, b_i=0.1,
                  W_c=0.9, U_c=-1.1, b_c=0.2, W_o=0.3, U_o=0.8, b_o=-0.5)
    f = sig(values["W_f"] * x + values["U_f"] * h_prev + values["b_f"])
    i = sig(values["W_i"] * x + values["U_i"] * h_prev + values["b_i"])
    g = math.tanh(values["W_c"] * x + values["U_c"] * h_prev + values["b_c"])
    o = sig(values["W_o"] * x + values["U_o"] * h_prev + values["b_o"])
    c = f * c_prev + i * g
    dc_total = dc + dh * o * (1 - math.tanh(c) ** 2)  # the path through h = o tanh(c)
    pre = {"f": dc_total * c_prev * f * (1 - f), "i": dc_total * g * i * (1 - i),
           "c": dc_total * i * (1 - g * g), "o": dh * math.tanh(c) * o * (1 - o)}
    params = scalar_params(KEYS["lstm"], [values[k] for k in KEYS["lstm"]])
    dx, dh_prev, dc_prev, grads = backprop.lstm_cell_backward(one(dh), one(dc), one(x), one(h_prev),
                                                              one(c_prev), params)
    assert dc_prev[0, 0] == pytest.approx(dc_total * f, rel=1e-12)
    assert dx[0, 0] == pytest.approx(sum(pre[q] * values[f"W_{q}"] for q in "fico"), rel=1e-12)
    assert dh_prev[0, 0] == pytest.approx(sum(pre[q] * values[f"U_{q}"] for q in "fico"), rel=1e-12)
    for q in "fico":
        assert grads[f"W_{q}"][0, 0] == pytest.approx(pre[q] * x, rel=1e-12)
        assert grads[f"U_{q}"][0, 0] == pytest.approx(pre[q] * h_prev, rel=1e-12)
        assert grads[f"b_{q}"][0] == pytest.approx(pre[q], rel=1e-12)


def test_scalar_lstm_state_jacobian_by_hand():
    x, h_prev, c_prev = 0.5, -0.2, 0.8
    values = dict(W_f=0.4, U_f=-0.2, b_f=2.0, W_i=-0.7, U_i=0.5, b_i=0.1,
                  W_c=0.9, U_c=-1.1, b_c=0.2, W_o=0.3, U_o=0.8, b_o=-0.5)
    f = sig(values["W_f"] * x + values["U_f"] * h_prev + values["b_f"])
    i = sig(values["W_i"] * x + values["U_i"] * h_prev + values["b_i"])
    g = math.tanh(values["W_c"] * x + values["U_c"] * h_prev + values["b_c"])
    o = sig(values["W_o"] * x + values["U_o"] * h_prev + values["b_o"])
    tc = math.tanh(f * c_prev + i * g)
    dc_dh = c_prev * f * (1 - f) * values["U_f"] + g * i * (1 - i) * values["U_i"] + i * (1 - g * g) * values["U_c"]
    dh_dh = tc * o * (1 - o) * values["U_o"] + o * (1 - tc * tc) * dc_dh
    expected = np.array([[dh_dh, o * (1 - tc * tc) * f], [dc_dh, f]])
    J = gradient_flow.state_jacobian("lstm", one(x), one(h_prev),
                                     scalar_params(KEYS["lstm"], [values[k] for k in KEYS["lstm"]]), one(c_prev))
    np.testing.assert_allclose(J[0], expected, rtol=1e-12)


def test_the_references_leave_upstream_gradients_alone():
    rng = np.random.default_rng(1)
    p = params_for(rng, "lstm", 3, 4)
    dhs, xs, h0, c0 = rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    before = [a.copy() for a in (dhs, xs, h0, c0)]
    backprop.lstm_backward(dhs, xs, h0, c0, p)
    assert all(np.array_equal(a, b) for a, b in zip((dhs, xs, h0, c0), before))
