"""Numeric variants discriminate by construction: every catalogued mistake, recomputed here from the
course's equations (not with the bank's own code), lands outside the partial-credit band of the key
and is graded 0 with its own feedback; ``grade exam audit`` proves it over many draws."""
from __future__ import annotations

import json
import math
import re

import pytest
from click.testing import CliRunner

from grader.cli.exam import exam
from grader.exam.bank import BANK, twins_of
from grader.exam.blueprint import Learner, build_paper, parse_blueprint
from grader.exam.grading import score_answer

NUMERIC = [q.qid for q in BANK.values() if q.kind == "numeric"]
BAND = 10  # the partial-credit band of the blueprint format: ten times the tolerance


def sig(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def given(v) -> dict[str, object]:
    """The printed numbers of a variant: scalars as floats, "[a, b]" as lists, "[[a, b], [c, d]]" as rows."""
    out: dict[str, object] = {}
    for label, text in v.given:
        text = text.replace("−", "-")
        out[label] = json.loads(text) if text.startswith("[") else float(text)
    return out


def param_count(cell: str, d: int, h: int, layers: int, bidir: bool, reads_d_everywhere=False,
                per_map=lambda n, h: h * n + h * h + h, per_cell=None) -> int:
    maps = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    cell_count = per_cell or (lambda n: maps * per_map(n, h))
    k = 2 if bidir else 1
    later_input = d if reads_d_everywhere else k * h
    return k * cell_count(d) + (layers - 1) * k * cell_count(later_input)


def count_setup(v) -> tuple[str, int, int, int, bool]:
    m = re.search(r"(one|\d+) (?:stacked )?(bidirectional )?(vanilla RNN|GRU|LSTM) layers? have, with input "
                  r"size d = (\d+) and hidden size h = (\d+)", v.prompt)
    assert m, v.prompt
    cell = {"vanilla RNN": "rnn", "GRU": "gru", "LSTM": "lstm"}[m.group(3)]
    layers = 1 if m.group(1) == "one" else int(m.group(1))
    return cell, int(m.group(4)), int(m.group(5)), layers, bool(m.group(2))


def independent_mistakes(v) -> tuple[float, list[float]]:
    """(the key, the wrong answers) computed from the course's equations and the printed numbers."""
    g = given(v)
    q = v.qid
    if q == "stacked-layer2-step":
        wx, wh, b = g["W_x^(2)"], g["W_h^(2)"], g["b^(2)"]
        a = wx * g["h_t^(1)"] + wh * g["h_{t−1}^(2)"] + b
        return math.tanh(a), [math.tanh(wx * g["x_t"] + wh * g["h_{t−1}^(2)"] + b), a]
    if q in ("gru-update-gate", "gru-reset-gate", "lstm-forget-gate"):
        gate = {"gru-update-gate": "z", "gru-reset-gate": "r", "lstm-forget-gate": "f"}[q]
        x, w = g["x_t"], g[f"W_{gate}"]
        b = g[f"b_{gate}"]
        a = w[0] * x[0] + w[1] * x[1] + g[f"U_{gate}"] * g["h_{t−1}"] + b
        return sig(a), [a, math.tanh(a), sig(a - b)]
    if q == "gru-candidate":
        x, hp, r = g["x_t"], g["h_{t−1}"], g["r_t"]
        w, u, b = g["W_h"], g["U_h"], g["b_h"]
        a = w * x + u * r * hp + b
        return math.tanh(a), [math.tanh(w * x + u * hp + b), a, sig(a)]
    if q == "gru-state-update":
        hp, z, ht = g["h_{t−1}"], g["z_t"], g["h~_t"]
        return (1 - z) * hp + z * ht, [z * hp + (1 - z) * ht, ht, hp]
    if q == "gru-full-step":
        x, hp = g["x_t"], g["h_{t−1}"]
        r = sig(g["W_r"] * x + g["U_r"] * hp + g["b_r"])
        z = sig(g["W_z"] * x + g["U_z"] * hp + g["b_z"])
        cand = math.tanh(g["W_h"] * x + g["U_h"] * r * hp + g["b_h"])
        cand_no_r = math.tanh(g["W_h"] * x + g["U_h"] * hp + g["b_h"])
        return (1 - z) * hp + z * cand, [z * hp + (1 - z) * cand, (1 - z) * hp + z * cand_no_r]
    if q == "lstm-cell-update":
        c, f, i, ct = g["c_{t−1}"], g["f_t"], g["i_t"], g["c~_t"]
        return f * c + i * ct, [f * c + ct, c + i * ct, (1 - i) * c + i * ct]
    if q == "lstm-hidden-state":
        o, c = g["o_t"], g["c_t"]
        return o * math.tanh(c), [o * c, math.tanh(o * c)]
    if q == "lstm-full-step":
        x, hp, cp = g["x_t"], g["h_{t−1}"], g["c_{t−1}"]

        def act(gate, fn):
            return fn(g[f"W_{gate}"] * x + g[f"U_{gate}"] * hp + g[f"b_{gate}"])
        f, i, o, ct = act("f", sig), act("i", sig), act("o", sig), act("c", math.tanh)
        c, c_no_f = f * cp + i * ct, cp + i * ct
        h = o * math.tanh(c)
        if v.prompt.endswith("Report c_t."):
            return c, [c_no_f, h]
        return h, [o * math.tanh(c_no_f), o * c, c]
    if q == "grad-forget-product":          # ∂c_k/∂c_0 along the cell-state path: ∏ f_t
        fs = [value for label, value in g.items() if label.startswith("f_")]
        return math.prod(fs), [sum(fs), math.prod(fs[1:]), math.prod(1 - f for f in fs)]
    if q == "grad-forget-bias-power":       # the same with f_t = σ(b_f) at every step
        f, k = sig(g["b_f"]), int(g["k"])
        return f ** k, [f ** (k - 1), k * f, g["b_f"] ** k]
    if q == "grad-vanilla-bound":           # (‖W_h‖_F · max|tanh′|)^k with max|tanh′| = 1 − m²
        norm = math.sqrt(sum(w * w for row in g["W_h"] for w in row))
        m, k = g["m"], int(g["k"])
        step = (1 - m * m) * norm
        return step ** k, [norm ** k, step ** (k - 1), ((1 - m) * norm) ** k, (1 - m * m) * norm ** k]
    if q == "bidir-output-width":
        h = int(re.search(r"hidden size h = (\d+)", v.prompt).group(1))
        d = int(re.search(r"size d = (\d+)", v.prompt).group(1))
        return 2 * h, [h, d]
    if q == "count-torch":  # PyTorch's count: two bias vectors per affine map
        m = re.search(r"torch\.nn\.(RNN|GRU|LSTM)\(input_size=(\d+), hidden_size=(\d+)\)", v.prompt)
        cell, d, h = m.group(1).lower(), int(m.group(2)), int(m.group(3))
        torch_count = lambda c: param_count(c, d, h, 1, False, per_map=lambda n, h: h * n + h * h + 2 * h)  # noqa: E731
        wrong = [param_count(cell, d, h, 1, False)]                                  # the course's count
        if cell != "rnn":
            wrong.append(param_count(cell, d, h, 1, False) + h)                      # one extra bias per cell
        return torch_count(cell), wrong + [torch_count(c) for c in ("rnn", "gru", "lstm") if c != cell]
    cell, d, h, layers, bidir = count_setup(v)
    key = param_count(cell, d, h, layers, bidir)
    wrong = [param_count(cell, d, h, layers, bidir, per_map=lambda n, h: h * n + h * h),       # no bias
             param_count(cell, d, h, layers, bidir, per_map=lambda n, h: h * n + h * h + 2 * h),
             param_count(cell, d, h, layers, bidir, per_map=lambda n, h: h * n + h)]           # no h²
    wrong += [param_count(other, d, h, layers, bidir) for other in ("rnn", "gru", "lstm") if other != cell]
    if cell != "rnn":
        maps = {"gru": 3, "lstm": 4}[cell]
        wrong.append(param_count(cell, d, h, layers, bidir, per_cell=lambda n: maps * (h * n + h * h) + h))
    if layers > 1:
        wrong.append(param_count(cell, d, h, layers, bidir, reads_d_everywhere=True))
    if bidir:
        wrong.append(param_count(cell, d, h, layers, bidir) // 2)          # one direction only
        wrong.append(param_count(cell, d, h, layers, False))                # counted as causal
        if layers > 1:
            wrong.append(2 * param_count(cell, d, h, layers, False))        # later layers read h, not 2h
    return key, wrong


def papers(n: int):
    together = len({frozenset({q} | twins_of(q)) for q in NUMERIC})  # one question of each twin group
    blueprint = parse_blueprint({"title": "every numeric question",
                                 "sections": [{"questions": NUMERIC, "pick": together, "points": 2,
                                               "partial_credit": True}]})
    return [build_paper(blueprint, 31, Learner(f"s{i:03d}")) for i in range(n)]


def test_every_independently_computed_mistake_earns_nothing_on_a_sample_of_papers():
    checked = 0
    for paper in papers(60):
        for pq in paper.questions:
            v = pq.variant
            key, wrong = independent_mistakes(v)
            assert v.answer == pytest.approx(key, abs=1e-9), v.qid
            tol = v.tolerance
            for value in wrong:
                gap = abs(value - key)
                assert gap > (BAND + 1) * tol, (v.qid, value, key, v.given)
                written = f"{value:.4f}" if tol else str(int(value))
                out = score_answer(v, written, partial_credit=True)
                assert out.fraction == 0 and out.status == "failed", (v.qid, written, out)
                assert out.misconception, (v.qid, written, "a catalogued mistake gets its feedback")
                checked += 1
            assert score_answer(v, f"{key:.3f}" if tol else str(int(key)), partial_credit=True).fraction == 1
    assert checked > 60 * (len(NUMERIC) - 2) * 2


def test_a_recognised_mistake_never_earns_partial_credit_even_inside_the_band():
    v = BANK["gru-state-update"].variant(__import__("grader.exam.variant", fromlist=["x"]).derived_rng("p", 1))
    v.misconceptions = [{"answer": v.answer + 5 * v.tolerance, "feedback": "planted", "id": "planted"}]
    near = score_answer(v, f"{v.answer + 5 * v.tolerance:.4f}", partial_credit=True)
    assert near.fraction == 0 and near.misconception == "planted"
    slip = score_answer(v, f"{v.answer - 5 * v.tolerance:.4f}", partial_credit=True)
    assert slip.fraction == 0.5 and not slip.misconception


def test_the_audit_command_proves_it_and_prints_the_figures():
    result = CliRunner().invoke(exam, ["audit", "--draws", "30"])
    assert result.exit_code == 0, result.output
    for qid in NUMERIC + [q.qid for q in BANK.values() if q.kind == "formula"]:
        assert re.search(rf"^{re.escape(qid)}\s+30\s+\d+\s+\d+\s+\d+\s+\d+\s+0\s", result.output, re.M), qid
    assert "0 after" in result.output
    # the first draws collide somewhere (that is what redrawing fixes), so "before" is not all zero
    assert re.search(r": [1-9]\d* had collisions before redrawing", result.output)


def test_the_audit_fails_when_a_question_cannot_discriminate(monkeypatch):
    from grader.exam import audit

    q = BANK["lstm-hidden-state"]
    original = q.build

    def careless(rng):
        v = original(rng)
        v.misconceptions.append({"answer": v.answer, "feedback": "the key itself", "id": "planted"})
        return v

    class Careless(type(q)):
        def variant(self, rng):  # a bank that does not redraw
            return self.draw(rng)

    monkeypatch.setitem(BANK, q.qid, Careless(q.qid, q.topic, q.kind, q.title, careless))
    monkeypatch.setattr(audit, "BANK", BANK)
    result = CliRunner().invoke(exam, ["audit", "--draws", "5", "--question", q.qid])
    assert result.exit_code == 1
    assert "collisions remain in: lstm-hidden-state" in result.output
