"""Misconceptions in bidirectional layers: reading order, alignment and joining the two directions.

``xs`` is (T, N, d); each direction's ``hs`` is (T, N, H); the joined output is (T, N, 2H).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import Misconception, register
from solutions.sequence import _layer_forward, _step_function, _unroll

BIDIRECTIONAL = ("bidirectional_forward", "deep_bidirectional_forward")


def bidirectional_left_reversed(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_bwd, _ = _layer_forward(xs[::-1], params_bwd, cell)
    return np.concatenate([_layer_forward(xs, params_fwd, cell)[0], hs_bwd], axis=-1)


def bidirectional_backward_first(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_bwd, _ = _layer_forward(xs, params_bwd, cell, reverse=True)
    return np.concatenate([hs_bwd, _layer_forward(xs, params_fwd, cell)[0]], axis=-1)


def bidirectional_summed(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    return _layer_forward(xs, params_fwd, cell)[0] + _layer_forward(xs, params_bwd, cell, reverse=True)[0]


def bidirectional_backward_from_forward(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_fwd, final = _layer_forward(xs, params_fwd, cell)
    h_shape = hs_fwd.shape[1:]
    hs_bwd, _ = _unroll(_step_function(params_bwd, cell), xs, final, h_shape, reverse=True)
    return np.concatenate([hs_fwd, hs_bwd], axis=-1)


def bidirectional_one_parameter_set(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_bwd, _ = _layer_forward(xs, params_fwd, cell, reverse=True)
    return np.concatenate([_layer_forward(xs, params_fwd, cell)[0], hs_bwd], axis=-1)


def bidirectional_concatenated_on_batch(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_bwd, _ = _layer_forward(xs, params_bwd, cell, reverse=True)
    return np.concatenate([_layer_forward(xs, params_fwd, cell)[0], hs_bwd], axis=1)


def bidirectional_concatenated_on_time(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_bwd, _ = _layer_forward(xs, params_bwd, cell, reverse=True)
    return np.concatenate([_layer_forward(xs, params_fwd, cell)[0], hs_bwd], axis=0)


def bidirectional_flipping_batch_twice(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_bwd, _ = _layer_forward(xs[:, ::-1], params_bwd, cell)
    return np.concatenate([_layer_forward(xs, params_fwd, cell)[0], hs_bwd[:, ::-1]], axis=-1)


def bidirectional_flipping_batch(xs, params_fwd, params_bwd, cell):
    xs = np.asarray(xs, dtype=np.float64)
    hs_bwd, _ = _layer_forward(xs[:, ::-1], params_bwd, cell)
    return np.concatenate([_layer_forward(xs, params_fwd, cell)[0], hs_bwd], axis=-1)


def _bidirectional(id_, function, mixup, fix, convention=""):
    return Misconception(id_, "bidirectional", {"bidirectional.bidirectional_forward": function}, BIDIRECTIONAL,
                         mixup=mixup, equation="h_t = [→h_t ; ←h_t], both halves belonging to the same t", fix=fix,
                         convention=convention)


TIME_IS_AXIS_0 = ("xs is time-major, (T, N, d): time is axis 0 (CS231n's layers are batch-major, (N, T, D), "
                  "where time is axis 1); flip time with xs[::-1] or np.flip(xs, axis=0)")


register(
    _bidirectional("backward_not_reversed", bidirectional_left_reversed,
                   "the backward outputs are left in reading order, so ←h_T sits at t = 1",
                   "the backward pass reads x_T … x_1; put its outputs back in time order (flip them) "
                   "before joining, so ←h_t depends on x_t … x_T"),
    _bidirectional("concat_order_swapped", bidirectional_backward_first, "h_t = [←h_t ; →h_t]",
                   "the forward state comes first: hs[t, :, :H] is →h_t and hs[t, :, H:] is ←h_t"),
    _bidirectional("sum_directions", bidirectional_summed,
                   "h_t = →h_t + ←h_t, summing the directions into H units",
                   "concatenate the two directions along the last axis (np.concatenate(…, axis=-1)), "
                   "which gives 2H units",
                   convention="summing is a legitimate way to combine the directions, which the course notes "
                              "allow (as does Keras' Bidirectional(merge_mode='sum')), but this contract asks "
                              "for the concatenation"),
    _bidirectional("backward_from_forward_state", bidirectional_backward_from_forward,
                   "the backward pass starts from the forward pass's last state →h_T",
                   "the backward pass is a separate RNN: it starts from ←h_{T+1} = 0"),
    _bidirectional("reuse_forward_params", bidirectional_one_parameter_set,
                   "the backward pass runs with params_fwd",
                   "each direction has its own parameters: the backward pass uses params_bwd"),
    _bidirectional("concat_batch_axis", bidirectional_concatenated_on_batch,
                   "the two directions joined on axis 1, the batch axis, giving shape (T, 2N, H)",
                   "join them on the last axis, np.concatenate([hs_fwd, hs_bwd], axis=-1), giving (T, N, 2H)"),
    _bidirectional("concat_time_axis", bidirectional_concatenated_on_time,
                   "the two directions joined on axis 0, the time axis, giving shape (2T, N, H)",
                   "join them on the last axis, np.concatenate([hs_fwd, hs_bwd], axis=-1), giving (T, N, 2H)"),
    _bidirectional("backward_reads_forward", bidirectional_flipping_batch_twice,
                   "the backward pass reads x_1 … x_T, in forward order (flipping axis 1, the batch axis, "
                   "in and out changes nothing)", TIME_IS_AXIS_0),
    _bidirectional("flip_batch_axis", bidirectional_flipping_batch,
                   "the backward pass reads the batch rows in reverse (xs[:, ::-1]) instead of the time steps",
                   TIME_IS_AXIS_0),
)
