import numpy as np

from exercises.gates import sigmoid


# CS231n style: a forward pass that keeps a cache, and a backward pass that reads it.

def _rnn_forward_step(x, h_prev, p):
    h = np.tanh(x @ p["W_x"].T + h_prev @ p["W_h"].T + p["b"])
    return h, (x, h_prev, h)


def _rnn_backward_step(dh, cache, p):
    x, h_prev, h = cache
    da = (1 - h ** 2) * dh
    return da @ p["W_x"], da @ p["W_h"], {"W_x": da.T @ x, "W_h": da.T @ h_prev, "b": da.sum(0)}


def rnn_cell_backward(dh, x, h_prev, params):
    _, cache = _rnn_forward_step(x, h_prev, params)
    return _rnn_backward_step(dh, cache, params)


def _gru_forward_step(x, h_prev, p):
    r = sigmoid(x @ p["W_r"].T + h_prev @ p["U_r"].T + p["b_r"])
    z = sigmoid(x @ p["W_z"].T + h_prev @ p["U_z"].T + p["b_z"])
    rh = r * h_prev
    n = np.tanh(x @ p["W_h"].T + rh @ p["U_h"].T + p["b_h"])
    return h_prev + z * (n - h_prev), (x, h_prev, r, z, rh, n)


def _gru_backward_step(dh, cache, p):
    x, h_prev, r, z, rh, n = cache
    dn_pre = dh * z * (1 - n ** 2)
    dz_pre = dh * (n - h_prev) * z * (1 - z)
    drh = dn_pre @ p["U_h"]
    dr_pre = drh * h_prev * r * (1 - r)
    dx = dn_pre @ p["W_h"] + dz_pre @ p["W_z"] + dr_pre @ p["W_r"]
    dh_prev = dh * (1 - z) + drh * r + dz_pre @ p["U_z"] + dr_pre @ p["U_r"]
    grads = {
        "W_r": dr_pre.T @ x, "U_r": dr_pre.T @ h_prev, "b_r": dr_pre.sum(0),
        "W_z": dz_pre.T @ x, "U_z": dz_pre.T @ h_prev, "b_z": dz_pre.sum(0),
        "W_h": dn_pre.T @ x, "U_h": dn_pre.T @ rh, "b_h": dn_pre.sum(0),
    }
    return dx, dh_prev, grads


def gru_cell_backward(dh, x, h_prev, params):
    _, cache = _gru_forward_step(x, h_prev, params)
    return _gru_backward_step(dh, cache, params)


GATES = ("i", "f", "o", "c")  # PyTorch's row order, with the candidate last


def _lstm_forward_step(x, h_prev, c_prev, p):
    Wx = np.concatenate([p["W_" + g] for g in GATES])      # (4H, d)
    Wh = np.concatenate([p["U_" + g] for g in GATES])      # (4H, H)
    b = np.concatenate([p["b_" + g] for g in GATES])
    a = x @ Wx.T + h_prev @ Wh.T + b
    H = h_prev.shape[1]
    i, f, o = (sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
    g = np.tanh(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return (h, c), (x, h_prev, c_prev, i, f, o, g, c, Wx, Wh)


def _lstm_backward_step(dh, dc, cache):
    x, h_prev, c_prev, i, f, o, g, c, Wx, Wh = cache
    tc = np.tanh(c)
    dc = dc + dh * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dh * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    dWx, dWh, db = da.T @ x, da.T @ h_prev, da.sum(0)
    H = h_prev.shape[1]
    grads = {}
    for k, gate in enumerate(GATES):
        rows = slice(k * H, (k + 1) * H)
        grads["W_" + gate], grads["U_" + gate], grads["b_" + gate] = dWx[rows], dWh[rows], db[rows]
    return da @ Wx, da @ Wh, dc * f, grads


def lstm_cell_backward(dh, dc, x, h_prev, c_prev, params):
    _, cache = _lstm_forward_step(x, h_prev, c_prev, params)
    dx, dh_prev, dc_prev, grads = _lstm_backward_step(dh, dc, cache)
    return dx, dh_prev, dc_prev, {k: grads[k] for k in params}


def _accumulate(total, grads):
    for k, v in grads.items():
        total[k] = total.get(k, 0) + v
    return total


def rnn_backward(dhs, xs, h0, params):
    caches, h = [], h0
    for x in xs:
        h, cache = _rnn_forward_step(x, h, params)
        caches.append(cache)
    dxs, dh, total = [], np.zeros_like(h0), {}
    for t in reversed(range(len(xs))):
        dx, dh, grads = _rnn_backward_step(dhs[t] + dh, caches[t], params)
        dxs.append(dx)
        total = _accumulate(total, grads)
    return np.stack(dxs[::-1]), dh, {k: total[k] for k in params}


def gru_backward(dhs, xs, h0, params):
    caches, h = [], h0
    for x in xs:
        h, cache = _gru_forward_step(x, h, params)
        caches.append(cache)
    dxs, dh, total = [], np.zeros_like(h0), {}
    for t in reversed(range(len(xs))):
        dx, dh, grads = _gru_backward_step(dhs[t] + dh, caches[t], params)
        dxs.append(dx)
        total = _accumulate(total, grads)
    return np.stack(dxs[::-1]), dh, {k: total[k] for k in params}


def lstm_backward(dhs, xs, h0, c0, params):
    caches, h, c = [], h0, c0
    for x in xs:
        (h, c), cache = _lstm_forward_step(x, h, c, params)
        caches.append(cache)
    dxs, dh, dc, total = [], np.zeros_like(h0), np.zeros_like(c0), {}
    for t in reversed(range(len(xs))):
        dx, dh, dc, grads = _lstm_backward_step(dhs[t] + dh, dc, caches[t])
        dxs.append(dx)
        total = _accumulate(total, grads)
    return np.stack(dxs[::-1]), (dh, dc), {k: total[k] for k in params}
