"""Misconceptions in unrolling a layer over time: which state each step reads and passes on.

``xs`` is (T, N, d); states ``h`` and ``c`` are (N, H); ``hs`` is (T, N, H).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import LAYER_USERS, SEQUENCE_FUNCTIONS, Misconception, register
from solutions.sequence import _step_function, _unroll, gru_cell, lstm_cell, rnn_cell


def unroll_reading_h_t(step, xs, state, h_shape, reverse=False):
    hs = np.zeros((len(xs), *h_shape))
    for t in (range(len(xs) - 1, -1, -1) if reverse else range(len(xs))):
        read = (hs[t], state[1]) if isinstance(state, tuple) else hs[t]
        hs[t], state = step(xs[t], read)
    return hs, state


def unroll_storing_previous(step, xs, state, h_shape, reverse=False):
    hs = np.zeros((len(xs), *h_shape))
    for t in (range(len(xs) - 1, -1, -1) if reverse else range(len(xs))):
        hs[t] = state[0] if isinstance(state, tuple) else state
        _, state = step(xs[t], state)
    return hs, state


def step_function_dropping_c(params, cell):
    if cell != "lstm":
        one_step = rnn_cell if cell == "rnn" else gru_cell

        def step_h(x_t, h):
            h = one_step(x_t, h, params)
            return h, h
        return step_h

    def step(x_t, state):
        h, _ = lstm_cell(x_t, state[0], state[1], params)
        return h, (h, state[1])
    return step


def rnn_forward_from_zeros(xs, h0, params):
    return _unroll(_step_function(params, "rnn"), xs, np.zeros_like(h0), np.shape(h0))


def gru_forward_from_zeros(xs, h0, params):
    return _unroll(_step_function(params, "gru"), xs, np.zeros_like(h0), np.shape(h0))


def lstm_forward_from_zeros(xs, h0, c0, params):
    return _unroll(_step_function(params, "lstm"), xs, (np.zeros_like(h0), np.zeros_like(c0)), np.shape(h0))


def lstm_forward_from_zero_cell(xs, h0, c0, params):
    return _unroll(_step_function(params, "lstm"), xs, (np.asarray(h0, dtype=np.float64), np.zeros_like(c0)),
                   np.shape(h0))


def lstm_forward_from_zero_hidden(xs, h0, c0, params):
    return _unroll(_step_function(params, "lstm"), xs, (np.zeros_like(h0), np.asarray(c0, dtype=np.float64)),
                   np.shape(h0))


register(
    Misconception(
        "ignore_initial_state", "sequence",
        {"sequence.rnn_forward": rnn_forward_from_zeros, "sequence.gru_forward": gru_forward_from_zeros,
         "sequence.lstm_forward": lstm_forward_from_zeros},
        SEQUENCE_FUNCTIONS,
        mixup="the sequence starts from zero states instead of the given h0 (and c0)",
        equation="h_1 = f(x_1, h_0) with h_0 = h0 as given",
        fix="use the h0 (and c0) arguments as the state before the first step"),
    Misconception(
        "reuse_h_t", "sequence", {"sequence._unroll": unroll_reading_h_t}, (*SEQUENCE_FUNCTIONS, *LAYER_USERS),
        mixup="h_t computed from hs[t], the slot it is about to fill (still zero), instead of h_{t−1}",
        equation="h_t = f(x_t, h_{t−1}), starting from h_0",
        fix="keep the previous state in a variable (h = h0 before the loop, then h = cell(xs[t], h, …)) "
            "and feed it to the next step"),
    Misconception(
        "cell_state_not_carried", "sequence", {"sequence._step_function": step_function_dropping_c},
        ("lstm_forward", *LAYER_USERS),
        mixup="every step starts from the initial cell c_0, so c_t is never passed on",
        equation="c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t, with c_{t−1} the previous step's cell",
        fix="carry both h and c from one step to the next; the cell state is the LSTM's long-term memory"),
    Misconception(
        "ignore_initial_cell", "sequence", {"sequence.lstm_forward": lstm_forward_from_zero_cell},
        ("lstm_forward",),
        mixup="the cell starts from zeros instead of the given c0 (h0 is used)",
        equation="(h_0, c_0) = (h0, c0) as given",
        fix="start the loop from c = c0, the argument, as well as h = h0",
        convention="CS231n's rnn_layers.py and deeplearning.ai's lstm_forward take no c0 and start the cell "
                   "at zero; this contract passes c0"),
    Misconception(
        "ignore_initial_hidden", "sequence", {"sequence.lstm_forward": lstm_forward_from_zero_hidden},
        ("lstm_forward",),
        mixup="the hidden state starts from zeros instead of the given h0 (c0 is used)",
        equation="(h_0, c_0) = (h0, c0) as given",
        fix="start the loop from h = h0, the argument, as well as c = c0"),
    Misconception(
        "store_previous_state", "sequence", {"sequence._unroll": unroll_storing_previous},
        (*SEQUENCE_FUNCTIONS, *LAYER_USERS),
        mixup="hs[t] holds h_{t−1}, the state before reading x_t, so hs is shifted one step late "
              "(hs[0] is h_0) while the last state is right",
        equation="hs[t] = h_t = f(x_t, h_{t−1}), the state after reading x_t",
        fix="store the new state after the step: h = cell(xs[t], h, …), then hs[t] = h"),
)
