import numpy as np


def gru_from_keep_gate(params):
    new = {k: v.copy() for k, v in params.items()}
    for k in ("W_z", "U_z", "b_z"):
        new[k] = -new[k]
    return new


def rnn_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    return {"W_x": weight_ih.copy(), "W_h": weight_hh.copy(), "b": bias_ih + bias_hh}


def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    # i, f, o, g as in the CS231n assignment
    i, f, o, g = np.split(weight_ih, 4)
    ui, uf, uo, ug = np.split(weight_hh, 4)
    bi, bf, bo, bg = np.split(bias_ih + bias_hh, 4)
    return {"W_f": f, "U_f": uf, "b_f": bf, "W_i": i, "U_i": ui, "b_i": bi,
            "W_c": g, "U_c": ug, "b_c": bg, "W_o": o, "U_o": uo, "b_o": bo}
