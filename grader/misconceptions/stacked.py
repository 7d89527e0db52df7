"""Misconceptions in stacking layers: what layer ℓ reads, and where each layer's state starts.

``xs`` is (T, N, d); ``layers`` is a list of parameter dicts; ``hs`` of a layer is (T, N, H).
"""
from __future__ import annotations

import numpy as np

from grader.misconceptions.base import Misconception, register
from solutions.bidirectional import bidirectional_forward
from solutions.sequence import _layer_forward, _step_function, _unroll


def stacked_feeding_x(xs, layers, cell):
    outputs = [_layer_forward(np.asarray(xs, dtype=np.float64), params, cell) for params in layers]
    return outputs[-1][0], [final for _, final in outputs]


def deep_bidirectional_feeding_x(xs, layers, cell):
    return [bidirectional_forward(xs, params_fwd, params_bwd, cell) for params_fwd, params_bwd in layers][-1]


def stacked_carrying_state(xs, layers, cell):
    hs, finals = np.asarray(xs, dtype=np.float64), []
    for params in layers:
        if finals:
            h_shape = finals[-1][0].shape if cell == "lstm" else finals[-1].shape
            hs, final = _unroll(_step_function(params, cell), hs, finals[-1], h_shape)
        else:
            hs, final = _layer_forward(hs, params, cell)
        finals.append(final)
    return hs, finals


register(
    Misconception(
        "feed_x_to_every_layer", "stacked",
        {"stacked.stacked_forward": stacked_feeding_x,
         "bidirectional.deep_bidirectional_forward": deep_bidirectional_feeding_x},
        ("stacked_forward", "deep_bidirectional_forward"),
        mixup="every layer reads the input x_t",
        equation="h_t^(ℓ) = f(h_t^(ℓ−1), h_{t−1}^(ℓ)) with h_t^(0) = x_t",
        fix="layer 1 reads x_t, and each layer ℓ ≥ 2 reads the whole output sequence of layer ℓ − 1; "
            "that is what builds the hierarchy of features"),
    Misconception(
        "carry_state_across_layers", "stacked", {"stacked.stacked_forward": stacked_carrying_state},
        ("stacked_forward",),
        mixup="layer ℓ starts from the last state of layer ℓ − 1 instead of from zeros",
        equation="h_0^(ℓ) = 0 (and c_0^(ℓ) = 0) for every layer ℓ",
        fix="each layer has its own state over time and starts from zero; layers talk to each other only "
            "through h_t^(ℓ−1), the input of layer ℓ"),
)


def stacked_sharing_upper_params(xs, layers, cell):
    hs, finals = np.asarray(xs, dtype=np.float64), []
    for depth in range(len(layers)):
        hs, final = _layer_forward(hs, layers[min(depth, 1)], cell)
        finals.append(final)
    return hs, finals


def deep_bidirectional_sharing_upper_params(xs, layers, cell):
    hs = np.asarray(xs, dtype=np.float64)
    for depth in range(len(layers)):
        params_fwd, params_bwd = layers[min(depth, 1)]
        hs = bidirectional_forward(hs, params_fwd, params_bwd, cell)
    return hs


register(
    Misconception(
        "share_upper_layer_params", "stacked",
        {"stacked.stacked_forward": stacked_sharing_upper_params,
         "bidirectional.deep_bidirectional_forward": deep_bidirectional_sharing_upper_params},
        ("stacked_forward", "deep_bidirectional_forward"),
        mixup="every layer ℓ ≥ 2 runs with layer 2's parameters, layers[1]",
        equation="layer ℓ uses its own parameters layers[ℓ − 1]",
        fix="index the parameters by the loop's layer (for params in layers: …), so a stack of three "
            "layers uses three different dicts"),
)
