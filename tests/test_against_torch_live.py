"""The references against PyTorch itself, live (skipped where torch is not installed: ``make test-torch``).

Fresh seeds through ``torch_oracle.make_case`` and the comparison of ``test_against_torch``; the
stored cases regenerated and compared with what is committed; and ``torch_param_count`` against
``sum(p.numel() for p in module.parameters())``.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="live PyTorch comparisons need `make test-torch`")

from solutions.param_count import torch_param_count  # noqa: E402
from test_against_torch import assert_references_match, stored  # noqa: E402
from torch_oracle import CASES, make_case  # noqa: E402


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("seed", [2, 3, 4])
def test_references_give_pytorchs_packed_outputs_live(cell, seed):
    assert_references_match(make_case(cell, seed), cell)


@pytest.mark.parametrize("cell,seed", CASES, ids=[f"{c}-seed{s}" for c, s in CASES])
def test_the_stored_cases_are_what_pytorch_gives(cell, seed):
    live, kept = make_case(cell, seed), stored(cell, seed)
    assert set(live) == set(kept)
    for key, value in live.items():
        np.testing.assert_allclose(kept[key], value, rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("cell,module", [("rnn", "RNN"), ("gru", "GRU"), ("lstm", "LSTM")])
@pytest.mark.parametrize("d,h", [(1, 1), (3, 4), (17, 9), (128, 256)])
def test_torch_param_count_is_what_pytorch_reports(cell, module, d, h):
    layer = getattr(torch.nn, module)(d, h)
    assert torch_param_count(cell, d, h) == sum(p.numel() for p in layer.parameters())
