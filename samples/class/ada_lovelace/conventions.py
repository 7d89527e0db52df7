import numpy as np


def gru_from_keep_gate(params):
    # sigma(-a) = 1 - sigma(a): flip the sign of everything that feeds z
    return {name: np.negative(value) if name.endswith("_z") else np.array(value) for name, value in params.items()}


def rnn_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    return {"W_x": np.array(weight_ih), "W_h": np.array(weight_hh), "b": np.add(bias_ih, bias_hh)}


def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    H = weight_hh.shape[1]
    bias = bias_ih + bias_hh
    params = {}
    for k, name in enumerate(("i", "f", "c", "o")):  # torch's i, f, g, o
        rows = slice(k * H, (k + 1) * H)
        params["W_" + name] = weight_ih[rows].copy()
        params["U_" + name] = weight_hh[rows].copy()
        params["b_" + name] = bias[rows]
    return params
