"""The exam item on PyTorch's parameter count: the key is ``torch_param_count``, and the course's count
(one bias per affine map) is recognised as that mistake, with feedback naming the second bias vector."""
from __future__ import annotations

import random
import re

from grader.exam.bank import BANK
from grader.exam.grading import score_answer
from solutions.param_count import stacked_param_count, torch_param_count

MODULES = {"nn.RNN": "rnn", "nn.GRU": "gru", "nn.LSTM": "lstm"}


def _variants(count=30):
    return [BANK["count-torch"].variant(random.Random(seed)) for seed in range(count)]


def test_the_key_is_pytorchs_count_for_the_module_and_sizes_in_the_prompt():
    cells = set()
    for v in _variants():
        module, d, h = re.search(r"torch\.(nn\.\w+)\(input_size=(\d+), hidden_size=(\d+)\)", v.prompt).groups()
        cell = MODULES[module]
        cells.add(cell)
        assert v.answer == torch_param_count(cell, int(d), int(h))
        assert score_answer(v, str(int(v.answer))).fraction == 1.0
    assert cells == set(MODULES.values())


def test_the_courses_count_is_named_as_the_missing_second_bias():
    for v in _variants():
        module, d, h = re.search(r"torch\.(nn\.\w+)\(input_size=(\d+), hidden_size=(\d+)\)", v.prompt).groups()
        course = stacked_param_count(MODULES[module], int(d), int(h), 1)
        outcome = score_answer(v, str(course), partial_credit=True)
        assert outcome.fraction == 0.0
        assert "bias_ih and bias_hh" in outcome.misconception
        assert "one bias vector per affine map" in outcome.misconception
