"""The ``masked`` and ``conventions`` references against PyTorch (an outside implementation).

PyTorch's weights are loaded with the references' own converters (``rnn_from_torch``,
``lstm_from_torch``, and ``gru_from_keep_gate`` for nn.GRU where it is the keep-gate GRU; see
``torch_oracle``), then the references run the padded batch and must give nn.RNN/nn.GRU/nn.LSTM's
packed-sequence outputs: both directions of a bidirectional layer, and a unidirectional layer from
nonzero initial states with its final states taken at each sequence's own end.

The stored cases in ``tests/fixtures/torch/`` (written by ``python tests/torch_oracle.py``) are
checked here, without torch; ``test_against_torch_live.py`` runs the same comparison live on fresh
seeds when torch is importable (``make test-torch``), and checks that the stored cases are what
torch gives today.
"""
from __future__ import annotations

import numpy as np
import pytest

from solutions.conventions import gru_from_keep_gate, lstm_from_torch, rnn_from_torch
from solutions.masked import masked_bidirectional_forward, masked_forward
from solutions.param_count import torch_param_count
from torch_oracle import CASES, D, H, fixture_path

TOLERANCE = dict(rtol=1e-10, atol=1e-12)


def keep_gate_from_torch_gru(weight_ih, weight_hh, bias_ih, bias_hh):
    """nn.GRU's blocks r, z, n as a keep-gate GRU dict; valid where b_hn = 0 and W_hn is diagonal."""
    w_ir, w_iz, w_in = np.split(weight_ih, 3)
    w_hr, w_hz, w_hn = np.split(weight_hh, 3)
    b_ir, b_iz, b_in = np.split(bias_ih, 3)
    b_hr, b_hz, b_hn = np.split(bias_hh, 3)
    assert not b_hn.any() and not (w_hn - np.diag(np.diag(w_hn))).any(), "not a case where the models coincide"
    return {"W_r": w_ir, "U_r": w_hr, "b_r": b_ir + b_hr, "W_z": w_iz, "U_z": w_hz, "b_z": b_iz + b_hz,
            "W_h": w_in, "U_h": w_hn, "b_h": b_in}


def course_params(case, cell, prefix, suffix=""):
    tensors = [case[f"{prefix}{name}_l0{suffix}"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    if cell == "rnn":
        return rnn_from_torch(*tensors)
    if cell == "lstm":
        return lstm_from_torch(*tensors)
    return gru_from_keep_gate(keep_gate_from_torch_gru(*tensors))


def assert_references_match(case, cell):
    xs, lengths = case["xs"], case["lengths"]
    both = masked_bidirectional_forward(xs, lengths, course_params(case, cell, "bi_"),
                                        course_params(case, cell, "bi_", "_reverse"), cell)
    np.testing.assert_allclose(both, case["bi_out"], **TOLERANCE)
    start = (case["h0"], case["c0"]) if cell == "lstm" else case["h0"]
    hs, finals = masked_forward(xs, lengths, start, course_params(case, cell, "uni_"), cell)
    np.testing.assert_allclose(hs, case["uni_out"], **TOLERANCE)
    if cell == "lstm":
        np.testing.assert_allclose(finals[0], case["uni_h_n"], **TOLERANCE)
        np.testing.assert_allclose(finals[1], case["uni_c_n"], **TOLERANCE)
    else:
        np.testing.assert_allclose(finals, case["uni_h_n"], **TOLERANCE)


def stored(cell, seed):
    with np.load(fixture_path(cell, seed), allow_pickle=False) as data:
        return dict(data)


@pytest.mark.parametrize("cell,seed", CASES, ids=[f"{c}-seed{s}" for c, s in CASES])
def test_references_give_pytorchs_packed_outputs_on_the_stored_cases(cell, seed):
    case = stored(cell, seed)
    assert (case["lengths"] < len(case["xs"])).any() and len(set(case["lengths"].tolist())) == len(case["lengths"])
    assert_references_match(case, cell)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_torch_param_count_is_what_pytorch_counted_in_the_stored_cases(cell):
    case = stored(cell, 0)
    assert torch_param_count(cell, D, H) == int(case["uni_numel"])


def test_the_stored_cases_would_catch_a_backward_pass_over_padding():
    """The comparison can fail: reading the batch from t = T gives other backward states than torch's."""
    case = stored("lstm", 0)
    xs, lengths = case["xs"], case["lengths"]
    full = np.full_like(lengths, len(xs))
    reversed_ = masked_bidirectional_forward(xs[::-1], full, course_params(case, "lstm", "bi_"),
                                             course_params(case, "lstm", "bi_", "_reverse"), "lstm")
    assert not np.allclose(reversed_[::-1][:, :, H:] * (np.arange(len(xs))[:, None] < lengths)[..., None],
                           case["bi_out"][:, :, H:], **TOLERANCE)
