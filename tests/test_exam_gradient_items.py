"""The gradients topic's computed items: how much of a gradient survives k steps along the LSTM's cell
state (∏ f_t, σ(b_f)^k) and the vanilla RNN's Jacobian bound (‖W_h‖ · max|tanh′|)^k. Keys and every
catalogued mistake are recomputed here from the printed numbers with math and numpy, mistake by mistake;
a paper carries at most one of the three."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli.exam import exam
from grader.exam.bank import BANK, twins_of
from grader.exam.blueprint import Learner, build_paper, load_blueprint
from grader.exam.grading import score_answer
from grader.exam.variant import PARTIAL_BAND, derived_rng

from test_exam_papers import BLUEPRINT

ITEMS = ("grad-forget-product", "grad-forget-bias-power", "grad-vanilla-bound")


def sig(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def printed(v) -> dict[str, object]:
    return {label: json.loads(text.replace("−", "-")) for label, text in v.given}


def expected(v) -> tuple[float, dict[str, float]]:
    """The key and each catalogued mistake by id, from the course's equations and the printed numbers."""
    g = printed(v)
    if v.qid == "grad-forget-product":
        fs = [g[f"f_{t}"] for t in range(1, len(g) + 1)]
        assert len(fs) == len(v.given) and re.search(rf"∂c_{len(fs)}/∂c_0", v.prompt)
        return math.prod(fs), {"forget_gates_added": sum(fs), "step_left_out": math.prod(fs[1:]),
                               "one_minus_forget_gate": math.prod(1 - f for f in fs)}
    if v.qid == "grad-forget-bias-power":
        b, k = g["b_f"], g["k"]
        f = sig(b)
        assert f"k = {k} steps" in v.prompt
        return f ** k, {"exponent_off_by_one": f ** (k - 1), "factor_times_steps": k * f, "sigmoid_left_out": b ** k}
    W, m, k = np.array(g["W_h"], dtype=float), g["m"], g["k"]
    assert W.shape == (2, 2) and 0 < m < 1
    norm = math.sqrt(float((W ** 2).sum()))
    step = (1 - m ** 2) * norm
    return step ** k, {"derivative_bound_left_out": norm ** k, "exponent_off_by_one": step ** (k - 1),
                       "tanh_derivative_as_one_minus_h": ((1 - m) * norm) ** k,
                       "derivative_bound_once": (1 - m ** 2) * norm ** k}


@pytest.mark.parametrize("qid", ITEMS)
def test_keys_and_every_catalogued_mistake_recomputed_and_discriminated_over_many_seeds(qid):
    for i in range(300):
        v = BANK[qid].variant(derived_rng("gradients", qid, i))
        key, mistakes = expected(v)
        assert v.answer == pytest.approx(key, rel=1e-12, abs=1e-12), (qid, v.given)
        assert {m["id"]: m["answer"] for m in v.misconceptions} == pytest.approx(mistakes, rel=1e-12, abs=1e-12)
        assert score_answer(v, f"{key:.3f}", partial_credit=True).fraction == 1
        for m in v.misconceptions:
            value = mistakes[m["id"]]
            assert abs(value - key) > (PARTIAL_BAND + 1) * v.tolerance, (qid, m["id"], v.given)
            out = score_answer(v, f"{value:.4f}", partial_credit=True)
            assert out.fraction == 0 and out.misconception == m["feedback"], (qid, m["id"], v.given)


def test_forget_bias_zero_halves_the_gradient_every_step():
    """The 0.5^k case is drawn, and a paper's explanation says so."""
    halving = [v for v in (BANK["grad-forget-bias-power"].variant(derived_rng("half", i)) for i in range(300))
               if printed(v)["b_f"] == 0]
    assert halving
    for v in halving:
        assert v.answer == pytest.approx(0.5 ** printed(v)["k"]) and "0.5^k" in v.explanation


def test_the_vanilla_key_bounds_the_jacobian_of_every_sequence_that_stays_that_saturated():
    """Jacobians diag(1 − h_t²) W_h of random states with |h_t| ≥ m, multiplied over k steps, never
    exceed the key; at |h_t| = m exactly the Frobenius norm of each step meets its share of the bound."""
    rng = np.random.default_rng(5)
    for i in range(40):
        v = BANK["grad-vanilla-bound"].variant(derived_rng("bound", i))
        g = printed(v)
        W, m, k = np.array(g["W_h"], dtype=float), g["m"], g["k"]
        for _ in range(50):
            product = np.eye(2)
            for _ in range(k):
                h = rng.uniform(m, 1, size=2) * rng.choice([-1, 1], size=2)
                product = np.diag(1 - h ** 2) @ W @ product
            assert np.linalg.norm(product) <= v.answer + 1e-12
        assert np.linalg.norm(np.diag([1 - m ** 2] * 2) @ W) ** k == pytest.approx(v.answer)
        assert v.answer ** (1 / k) < 1  # the bound shrinks with every step


def test_the_audit_reports_no_collision_for_the_gradient_items():
    args = ["audit", "--draws", "150"] + [a for qid in ITEMS for a in ("--question", qid)]
    result = CliRunner().invoke(exam, args)
    assert result.exit_code == 0, result.output
    for qid in ITEMS:
        assert re.search(rf"^{re.escape(qid)}\s+150\s+\d+\s+\d+\s+\d+\s+\d+\s+0\s", result.output, re.M), qid
    assert "3 questions, 150 draws each" in result.output and "0 after" in result.output


def test_the_three_are_twins_and_a_sample_paper_carries_at_most_one_of_them():
    for qid in ITEMS:
        assert twins_of(qid) == set(ITEMS) - {qid}
    blueprint = load_blueprint(BLUEPRINT)
    seen = {qid: 0 for qid in ITEMS}
    for seed in (2024, 7):
        for i in range(300):
            paper = build_paper(blueprint, seed, Learner(f"g{i:03d}"))
            on_paper = [q for q in paper.questions if q.variant.qid in ITEMS]
            assert len(on_paper) <= 1, [q.variant.qid for q in on_paper]
            for q in on_paper:
                assert q.section == "Gradients, and choosing a cell"
                seen[q.variant.qid] += 1
    assert all(seen.values()), seen  # the sample blueprint draws each of them
