"""Exercise: load weights written by other sources into the course's parameter dicts.

The course's shapes: W_* (H, d), U_* (H, H), b_* (H,). Return NEW arrays: never modify the
caller's arrays or dict (``-params["W_z"]`` makes a new array; ``params["W_z"] *= -1`` does not).

1. A GRU written the other way round (Cho et al. 2014, Dive into Deep Learning, ONNX):
       h = z ⊙ h_prev + (1 − z) ⊙ h~      with z = σ(x W_zᵀ + h_prev U_zᵀ + b_z)
   The course writes h = (1 − z) ⊙ h_prev + z ⊙ h~. Since σ(−a) = 1 − σ(a), negating W_z, U_z
   and b_z turns one into the other; r and h~ (reset before the product) stay as they are.

2. PyTorch's nn.RNN (tanh): weight_ih (H, d), weight_hh (H, H), bias_ih (H,), bias_hh (H,).
       h = tanh(x W_ihᵀ + b_ih + h_prev W_hhᵀ + b_hh)
   Two bias vectors where the course has one: b = b_ih + b_hh.

3. PyTorch's nn.LSTM: the four gates' rows stacked in the order i, f, g, o (g is the candidate
   cell, the course's c~), H rows each: weight_ih (4H, d), weight_hh (4H, H), bias_ih and
   bias_hh (4H,). Block k is rows k·H … (k+1)·H − 1, and each gate's b is the sum of its two biases.
"""
import numpy as np


def gru_from_keep_gate(params):
    """Course-form GRU parameters from a GRU written h = z ⊙ h_prev + (1 − z) ⊙ h~.

    params:  the nine GRU keys W_r, U_r, b_r, W_z, U_z, b_z, W_h, U_h, b_h in that convention
    Returns: a new dict with the same keys and shapes giving the same outputs in the course's
             gru_cell; the caller's dict and arrays are left unchanged.
    """
    raise NotImplementedError("gru_from_keep_gate is not implemented yet: replace this line with your code")


def rnn_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """The course's vanilla RNN parameters from PyTorch nn.RNN's layer-0 tensors (as arrays).

    weight_ih (H, d), weight_hh (H, H), bias_ih (H,), bias_hh (H,)
    Returns: {"W_x": (H, d), "W_h": (H, H), "b": (H,)}
    """
    raise NotImplementedError("rnn_from_torch is not implemented yet: replace this line with your code")


def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """The course's LSTM parameters from PyTorch nn.LSTM's layer-0 tensors (as arrays).

    weight_ih (4H, d), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,), blocks in order i, f, g, o
    Returns: the twelve keys W_f, U_f, b_f, W_i, U_i, b_i, W_c, U_c, b_c, W_o, U_o, b_o
             (W_* (H, d), U_* (H, H), b_* (H,)), each b the sum of its two PyTorch biases.
    """
    raise NotImplementedError("lstm_from_torch is not implemented yet: replace this line with your code")
