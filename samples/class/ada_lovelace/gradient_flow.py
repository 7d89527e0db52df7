import numpy as np

from exercises.gates import sigmoid


def _diag(v):
    """(N, H) -> (N, H, H), one diagonal matrix per batch row."""
    return np.einsum("ni,ij->nij", v, np.eye(v.shape[1]))


def _affine(x, h, p, g):
    return x @ p["W_" + g].T + h @ p["U_" + g].T + p["b_" + g]


def state_jacobian(cell, x, h_prev, params, c_prev=None):
    # every Jacobian written out in closed form
    p = params
    if cell == "rnn":
        h = np.tanh(x @ p["W_x"].T + h_prev @ p["W_h"].T + p["b"])
        return _diag(1 - h ** 2) @ p["W_h"]
    if cell == "gru":
        r, z = sigmoid(_affine(x, h_prev, p, "r")), sigmoid(_affine(x, h_prev, p, "z"))
        n = np.tanh(x @ p["W_h"].T + (r * h_prev) @ p["U_h"].T + p["b_h"])
        d_rh = _diag(r) + _diag(h_prev * r * (1 - r)) @ p["U_r"]          # ∂(r ⊙ h_prev)/∂h_prev
        d_n = _diag(1 - n ** 2) @ p["U_h"] @ d_rh
        d_z = _diag(z * (1 - z)) @ p["U_z"]
        return _diag(1 - z) + _diag(n - h_prev) @ d_z + _diag(z) @ d_n
    if cell == "lstm":
        if c_prev is None:
            raise ValueError("the LSTM needs c_prev")
        f, i, o = (sigmoid(_affine(x, h_prev, p, g)) for g in "fio")
        g = np.tanh(_affine(x, h_prev, p, "c"))
        tc = np.tanh(f * c_prev + i * g)
        dc_dh = (_diag(c_prev * f * (1 - f)) @ p["U_f"] + _diag(g * i * (1 - i)) @ p["U_i"]
                 + _diag(i * (1 - g ** 2)) @ p["U_c"])
        dc_dc = _diag(f)
        dh_dh = _diag(tc * o * (1 - o)) @ p["U_o"] + _diag(o * (1 - tc ** 2)) @ dc_dh
        dh_dc = _diag(o * (1 - tc ** 2)) @ dc_dc
        top = np.concatenate([dh_dh, dh_dc], axis=2)
        bottom = np.concatenate([dc_dh, dc_dc], axis=2)
        return np.concatenate([top, bottom], axis=1)
    raise ValueError(f"unknown cell {cell}")


def _step(cell, x, h, c, p):
    if cell == "rnn":
        return np.tanh(x @ p["W_x"].T + h @ p["W_h"].T + p["b"]), None
    if cell == "gru":
        r, z = sigmoid(_affine(x, h, p, "r")), sigmoid(_affine(x, h, p, "z"))
        n = np.tanh(x @ p["W_h"].T + (r * h) @ p["U_h"].T + p["b_h"])
        return (1 - z) * h + z * n, None
    f, i, o = (sigmoid(_affine(x, h, p, g)) for g in "fio")
    c = f * c + i * np.tanh(_affine(x, h, p, "c"))
    return o * np.tanh(c), c


def gradient_norms(cell, xs, h0, params, c0=None):
    if cell == "lstm" and c0 is None:
        raise ValueError("the LSTM needs c0")
    jacobians, h, c = [], h0, c0
    for x in xs:
        jacobians.append(state_jacobian(cell, x, h, params, c))
        h, c = _step(cell, x, h, c, params)
    T, N = len(xs), xs.shape[1]
    norms = np.zeros((T, N))
    for n in range(N):
        product = np.eye(jacobians[0].shape[1])
        for k in range(T - 1, -1, -1):  # ∂s_T/∂s_k = (∂s_T/∂s_{k+1}) J_{k+1}
            product = product @ jacobians[k][n]
            norms[k, n] = np.sqrt(np.sum(product ** 2))
    return norms
