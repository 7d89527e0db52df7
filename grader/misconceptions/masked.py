"""Misconceptions in padded batches: reading padding, returning it, and where a sequence ends.

``xs`` is (T, N, d) with sequence n in ``xs[:lengths[n], n]``; ``hs`` is (T, N, H), or (T, N, 2H) for
both directions; ``finals`` (N, H).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import Misconception, register
from solutions.masked import _check_lengths, _masked_unroll, _real_steps, _state_arrays
from solutions.sequence import _layer_forward, _step_function, _unroll, _zero_state

BOTH = ("masked_forward", "masked_bidirectional_forward")


def masked_forward_padding_holds_state(xs, lengths, h0, params, cell):
    xs = np.asarray(xs, dtype=np.float64)
    lengths = _check_lengths(lengths, *xs.shape[:2])
    hs, finals = _masked_unroll(xs, lengths, _state_arrays(h0, cell), params, cell)
    last_h = finals[0] if cell == "lstm" else finals
    return np.where(_real_steps(lengths, len(xs))[..., None], hs, last_h[None]), finals


def masked_forward_finals_at_T(xs, lengths, h0, params, cell):
    xs = np.asarray(xs, dtype=np.float64)
    lengths = _check_lengths(lengths, *xs.shape[:2])
    hs, finals = _masked_unroll(xs, lengths, _state_arrays(h0, cell), params, cell)
    return hs, (hs[-1], finals[1]) if cell == "lstm" else hs[-1]


def masked_forward_inputs_masked_only(xs, lengths, h0, params, cell):
    xs = np.asarray(xs, dtype=np.float64)
    real = _real_steps(_check_lengths(lengths, *xs.shape[:2]), len(xs))[..., None]
    state = tuple(_state_arrays(h0, cell)) if cell == "lstm" else _state_arrays(h0, cell)[0]
    h_shape = state[0].shape if cell == "lstm" else state.shape
    hs, final = _unroll(_step_function(params, cell), np.where(real, xs, 0.0), state, h_shape)
    return np.where(real, hs, 0.0), final


def masked_bidirectional_inputs_masked_only(xs, lengths, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    real = _real_steps(_check_lengths(lengths, *xs.shape[:2]), len(xs))[..., None]
    zeroed = np.where(real, xs, 0.0)
    hs_fwd, _ = _layer_forward(zeroed, params_fwd, cell)
    hs_bwd, _ = _layer_forward(zeroed, params_bwd, cell, reverse=True)
    return np.where(real, np.concatenate([hs_fwd, hs_bwd], axis=-1), 0.0)


def masked_bidirectional_backward_from_T(xs, lengths, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    lengths = _check_lengths(lengths, *xs.shape[:2])
    hs_fwd, _ = _masked_unroll(xs, lengths, _state_arrays(_zero_state(xs.shape[1], params_fwd, cell), cell),
                               params_fwd, cell)
    hs_bwd, _ = _layer_forward(xs, params_bwd, cell, reverse=True)
    real = _real_steps(lengths, len(xs))[..., None]
    return np.concatenate([hs_fwd, np.where(real, hs_bwd, 0.0)], axis=-1)


register(
    Misconception(
        "backward_starts_at_padding", "masked",
        {"masked.masked_bidirectional_forward": masked_bidirectional_backward_from_T},
        ("masked_bidirectional_forward",),
        mixup="the backward direction starts at t = T for every sequence, reading the padding of the shorter ones",
        equation="←h_t reads x_{L_n}, …, x_t of its own sequence, L_n = lengths[n]",
        fix="reverse each sequence inside its own length (step t of the reversed sequence n is "
            "xs[lengths[n] − 1 − t, n]) and reverse the outputs back the same way"),
    Misconception(
        "padding_outputs_not_zeroed", "masked", {"masked.masked_forward": masked_forward_padding_holds_state}, BOTH,
        mixup="hs[t, n] at the padded steps t ≥ lengths[n] repeats the last state instead of being 0",
        equation="hs[t, n] = 0 for t ≥ lengths[n] (as PyTorch's pad_packed_sequence returns them)",
        fix="write hs[t] only for the rows with t < lengths[n] and leave the rest at 0"),
    Misconception(
        "finals_at_last_step", "masked", {"masked.masked_forward": masked_forward_finals_at_T}, ("masked_forward",),
        mixup="finals = hs[T − 1], the output at the last step of the batch",
        equation="finals[n] = the state after step lengths[n] of sequence n",
        fix="a shorter sequence ends before T, and hs is 0 there: keep each row's state when its sequence "
            "ends and return those states"),
    Misconception(
        "mask_inputs_not_state", "masked",
        {"masked.masked_forward": masked_forward_inputs_masked_only,
         "masked.masked_bidirectional_forward": masked_bidirectional_inputs_masked_only}, BOTH,
        mixup="the padded inputs are set to 0 but the state keeps running over them",
        equation="for t ≥ lengths[n] the state of sequence n does not change at all",
        fix="a cell fed x = 0 still changes its state (its biases and U h_{t−1} remain): mask the state update "
            "itself, h_t[n] = h_{t−1}[n] on padding, and start the backward direction at lengths[n]"),
)
