"""Question bank, per-learner papers, keys and grading of answer sheets."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import sympy
import yaml
from click.testing import CliRunner

from grader.cli.exam import exam
from grader.exam.bank import BANK, TOPICS
from grader.formula import parse_formula
from grader.exam.blueprint import (BlueprintError, Learner, Paper, build_paper, load_blueprint,
                                   load_roster, parse_blueprint)
from grader.exam.grading import grade_answers, score_answer
from grader.exam.variant import KINDS, Variant, derived_rng
from grader.exam.workflow import generate_exam, grade_exam
from grader.model import SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT = ROOT / "samples" / "exam" / "blueprint.yaml"
ROSTER = ROOT / "samples" / "exam" / "roster.csv"


def full_marks_answers(paper: Paper) -> dict:
    answers = {}
    for q in paper.questions:
        v = q.variant
        answers[q.label] = round(v.answer, 4) if v.kind == "numeric" else v.answer
    return answers


def write_sheet(folder: Path, paper: Paper, answers: dict, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or paper.learner.id}.yaml"
    path.write_text(yaml.safe_dump({"learner": paper.learner.id, "paper": paper.paper_id, "answers": answers},
                                   allow_unicode=True), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ bank

def test_bank_size_topics_and_kinds():
    assert len(BANK) >= 40
    topics = Counter(q.topic for q in BANK.values())
    assert set(topics) == set(TOPICS), "every exam-focus topic has questions"
    assert all(n >= 3 for n in topics.values())
    assert {q.kind for q in BANK.values()} == set(KINDS)


@pytest.mark.parametrize("qid", sorted(BANK))
def test_every_question_builds_consistent_variants(qid):
    q = BANK[qid]
    for seed in range(12):
        v = q.variant(derived_rng("test", seed, qid))
        assert v.qid == qid and v.topic == q.topic and v.kind == q.kind
        assert v.prompt and v.hint and v.explanation and v.answer_format
        if v.kind in ("single", "multi"):
            assert len(set(v.choices)) == len(v.choices) >= 3
        # The key itself earns full marks, and round-trips through JSON.
        answer = round(v.answer, 6) if v.kind == "numeric" else v.answer
        assert score_answer(v, answer).status == "passed", (qid, seed)
        again = Variant.from_dict(json.loads(json.dumps(v.to_dict())))
        assert again == v
        for m in v.misconceptions:
            assert score_answer(v, m["answer"]).status == "failed"


def test_choices_are_shuffled_and_key_follows():
    positions = Counter()
    for seed in range(60):
        v = BANK["gru-small-z"].variant(derived_rng("shuffle", seed))
        correct = "h_t ≈ h_{t−1}: the old state is kept"
        assert v.choices[ord(v.answer) - ord("A")] == correct
        positions[v.answer] += 1
    assert len(positions) == 4


def test_numeric_keys_come_from_solutions(monkeypatch):
    import solutions.gru
    import solutions.param_count

    q = BANK["count-gru"]
    before = q.variant(derived_rng("k", 1)).answer
    d, h = (int(n) for n in re.findall(r"= (\d+)", q.variant(derived_rng("k", 1)).prompt))
    assert before == solutions.param_count.gru_param_count(d, h) == 3 * (h * d + h * h + h)
    original = solutions.param_count.stacked_param_count
    monkeypatch.setattr(solutions.param_count, "stacked_param_count", lambda *a, **k: original(*a, **k) + 1)
    assert q.variant(derived_rng("k", 1)).answer == before + 1

    z_before = BANK["gru-update-gate"].variant(derived_rng("k", 2)).answer
    monkeypatch.setattr(solutions.gru, "update_gate", lambda x, h_prev, params: 0 * x[:, :1] + 0.123)
    assert BANK["gru-update-gate"].variant(derived_rng("k", 2)).answer == pytest.approx(0.123)
    assert z_before != pytest.approx(0.123)


def test_gru_state_update_uses_course_convention():
    for seed in range(20):
        v = BANK["gru-state-update"].variant(derived_rng("z", seed))
        given = dict((k, float(val)) for k, val in v.given)
        hp, z, ht = given["h_{t−1}"], given["z_t"], given["h~_t"]
        assert v.answer == pytest.approx((1 - z) * hp + z * ht)
        swapped = z * hp + (1 - z) * ht
        out = score_answer(v, round(swapped, 4))
        assert out.status == "failed" and "small z_t keeps the old state" in out.misconception


def test_formula_questions_accept_equivalent_forms_and_flag_misconceptions():
    v = BANK["formula-gru"].variant(derived_rng("f", 0))
    for text in ("3*h*(d + h + 1)", "3(hd + h^2 + h)", "3*(h*d+h**2+h)", "3(hd+h²+h)"):
        assert score_answer(v, text).status == "passed", text
    out = score_answer(v, "3(hd + h^2)")
    assert out.status == "failed" and "bias" in out.misconception
    out = score_answer(v, "4(hd + h^2 + h)")
    assert out.status == "failed" and "LSTM" in out.misconception
    out = score_answer(v, "__import__('os').system('echo pwned')")
    assert out.status == "error" and "could not be read" in out.message
    L = BANK["formula-L-layers"].variant(derived_rng("f", 3))
    assert L.symbols == ["d", "h", "L"]


def test_partial_credit_rules():
    v = BANK["bidir-tasks"].variant(derived_rng("p", 0))
    right = list(v.answer)
    wrong = [c for c in "ABCDE"[: len(v.choices)] if c not in right]
    assert score_answer(v, right[:1], partial_credit=True).fraction == pytest.approx(1 / len(right))
    assert score_answer(v, right[:1], partial_credit=False).fraction == 0
    assert score_answer(v, right + wrong[:1], partial_credit=True).fraction == pytest.approx(
        (len(right) - 1) / len(right))
    assert score_answer(v, "".join(right)).status == "passed"  # "AC" is read as [A, C]
    n = BANK["lstm-hidden-state"].variant(derived_rng("p", 1))
    assert score_answer(n, n.answer + 0.01, partial_credit=True).fraction == 0.5
    assert score_answer(n, n.answer + 0.01, partial_credit=False).fraction == 0
    assert score_answer(n, n.answer + 0.5, partial_credit=True).fraction == 0


# ------------------------------------------------------------------------------------ blueprints

def test_sample_blueprint_and_roster_load():
    bp = load_blueprint(BLUEPRINT)
    assert bp.total_points > 0
    covered = {BANK[qid].topic for s in bp.sections for qid in s.pool}
    assert covered == set(TOPICS)
    assert [l.id for l in load_roster(ROSTER)][:2] == ["ada", "alan"]


@pytest.mark.parametrize("data, fragment", [
    ([], "mapping"),
    ({"title": "x"}, "sections"),
    ({"title": "x", "sections": [{"questions": ["nope"]}]}, "unknown question"),
    ({"title": "x", "sections": [{"topics": ["gru"], "pick": 999}]}, "only"),
    ({"title": "x", "sections": [{"topics": ["attention"]}]}, "topics"),
    ({"title": "x", "sections": [{"topics": ["gru"], "points": -1}]}, "points"),
    ({"title": "x", "sections": [{"topics": ["gru"], "colour": "red"}]}, "unknown field"),
])
def test_bad_blueprints_are_explained(data, fragment):
    with pytest.raises(BlueprintError, match=fragment):
        parse_blueprint(data)


def test_roster_rejects_unsafe_ids(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("id,name\n../etc,Eve\n")
    with pytest.raises(BlueprintError, match="may use only"):
        load_roster(bad)


# ----------------------------------------------------------------------------- papers and keys

def test_generation_is_deterministic(tmp_path):
    generate_exam(BLUEPRINT, ROSTER, 11, tmp_path / "a")
    generate_exam(BLUEPRINT, ROSTER, 11, tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) == 4 * 4 + 1
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_variants_differ_across_learners_and_seeds():
    bp = load_blueprint(BLUEPRINT)
    papers = [build_paper(bp, 5, Learner(f"s{i:03d}")) for i in range(30)]
    fingerprints = {json.dumps([q.variant.to_dict() for q in p.questions], sort_keys=True) for p in papers}
    assert len(fingerprints) == 30
    assert len({p.paper_id for p in papers}) == 30
    # the same learner with another seed gets another paper
    assert build_paper(bp, 6, Learner("s000")).to_key()["questions"] != papers[0].to_key()["questions"]
    # and the same learner with the same seed gets the same one
    assert build_paper(bp, 5, Learner("s000")).to_key() == papers[0].to_key()


def test_paper_files_contain_the_questions_but_not_the_answers(tmp_path):
    papers = generate_exam(BLUEPRINT, ROSTER, 3, tmp_path)
    p = papers[0]
    html_text = (tmp_path / "papers" / p.learner.id / "paper.html").read_text()
    md_text = (tmp_path / "papers" / p.learner.id / "paper.md").read_text()
    for q in p.questions:
        assert f'id="{q.label}"' in html_text and f"### {q.label} " in md_text
    assert "explanation" not in html_text and "misconception" not in html_text.lower()
    sheet = yaml.safe_load((tmp_path / "papers" / p.learner.id / "answers.yaml").read_text())
    assert sheet["learner"] == p.learner.id and sheet["paper"] == p.paper_id
    assert list(sheet["answers"]) == [q.label for q in p.questions]
    assert all(v is None for v in sheet["answers"].values())
    key = json.loads((tmp_path / "keys" / f"{p.learner.id}.json").read_text())
    assert Paper.from_key(key).to_key() == p.to_key()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "answer" not in json.dumps(manifest)


# ------------------------------------------------------------------------------------- grading

def test_full_marks_sheet_scores_full_marks(tmp_path):
    papers = generate_exam(BLUEPRINT, ROSTER, 21, tmp_path / "exam")
    for p in papers:
        write_sheet(tmp_path / "sheets", p, full_marks_answers(p))
    run = grade_exam(tmp_path / "sheets", tmp_path / "exam", tmp_path / "results")
    assert not run.errors and not run.missing
    for p in papers:
        r = run.results[p.learner.id]
        assert r.score == r.max_score == p.total_points
        assert all(c.exercise == "exam" and c.status == "passed" for c in r.checks)
        assert [c.function for c in r.checks] == [q.variant.qid for q in p.questions]
        saved = SubmissionResult.from_dict(json.loads((tmp_path / "results" / p.learner.id / "result.json").read_text()))
        assert saved.score == r.score and saved.checks[0].function == r.checks[0].function
        assert (tmp_path / "results" / p.learner.id / "report.html").exists()
        assert (tmp_path / "results" / p.learner.id / "report.md").exists()


def test_blank_and_wrong_answers_get_feedback():
    paper = build_paper(load_blueprint(BLUEPRINT), 4, Learner("ada"))
    r = grade_answers(paper, {})
    assert r.score == 0 and all(c.status == "failed" and "No answer" in c.message for c in r.checks)
    assert all(c.hint for c in r.checks)
    wrong = {}
    for q in paper.questions:
        v = q.variant
        wrong[q.label] = {"single": "A" if v.answer != "A" else "B", "multi": [], "tf": not v.answer,
                          "numeric": 12345, "formula": "h"}[v.kind]
    r = grade_answers(paper, wrong)
    assert r.score == 0
    assert all(c.details["expected"] for c in r.checks)


def test_malformed_sheets_cost_no_other_learner(tmp_path):
    papers = {p.learner.id: p for p in generate_exam(BLUEPRINT, ROSTER, 8, tmp_path / "exam")}
    sheets = tmp_path / "sheets"
    write_sheet(sheets, papers["ada"], full_marks_answers(papers["ada"]))
    (sheets / "alan.yaml").write_text("learner: alan\nanswers: [Q1: B\n")            # every answer on one bad line
    (sheets / "grace.yaml").write_text("- just\n- a list\n")                             # no answers at all
    other = dict(full_marks_answers(papers["kurt"]))
    write_sheet(sheets, papers["kurt"], other)
    text = (sheets / "kurt.yaml").read_text().replace(papers["kurt"].paper_id, "p00000000000")
    (sheets / "kurt.yaml").write_text(text)                                              # wrong paper
    (sheets / "stranger.yaml").write_text("learner: stranger\nanswers: {}\n")             # not on roster
    run = grade_exam(sheets, tmp_path / "exam", tmp_path / "results")
    assert run.results["ada"].score == papers["ada"].total_points
    assert "alan.yaml: 'answers' line 2 cannot be read" in run.errors["alan.yaml"]
    assert "close the list with ]" in run.errors["alan.yaml"]
    assert "no answers found" in run.errors["grace.yaml"]
    assert "belongs to paper p00000000000" in run.errors["kurt.yaml"]
    assert "no key for learner 'stranger'" in run.errors["stranger.yaml"]
    for lid in ("alan", "grace", "kurt"):
        assert lid not in run.results and lid in run.not_graded
    assert not run.missing
    summary = list(csv.reader((tmp_path / "results" / "summary.csv").read_text().splitlines()))
    rows = {r[0]: r for r in summary[1:]}
    assert rows["ada"][1:4] == ["19", "19", "graded"]
    for lid in ("alan", "grace", "kurt"):
        assert rows[lid][1] == "" and rows[lid][3] == "not graded" and rows[lid][4]
    assert json.loads((tmp_path / "results" / "errors.json").read_text())["alan.yaml"]


def test_sheet_answers_are_normalised():
    paper = build_paper(load_blueprint(BLUEPRINT), 9, Learner("grace"))
    answers = {}
    for q in paper.questions:
        v = q.variant
        if v.kind == "single":
            answers[q.label.lower()] = v.answer.lower() + ")"
        elif v.kind == "multi":
            answers[q.label] = ", ".join(v.answer)
        elif v.kind == "tf":
            answers[q.label] = "yes" if v.answer else "no"
        elif v.kind == "numeric":
            answers[q.label] = f"{v.answer:.4f}"
        else:
            answers[q.label] = str(sympy.factor(parse_formula(v.answer, v.symbols))).replace("**", "^")
    r = grade_answers(paper, {k.upper(): a for k, a in answers.items()})
    assert r.score == r.max_score


def test_no_eval_or_sympify_on_learner_text():
    sources = [ROOT / "grader" / "formula.py", *sorted((ROOT / "grader" / "exam").glob("*.py"))]
    for path in sources:
        text = path.read_text()
        for pattern in (r"\bsympify\(", r"\bparse_expr\(", r"(?<![.\w])eval\(", r"\bexec\(", r"yaml\.load\(",
                        r"yaml\.(?:Unsafe|Full|)Loader\b", r"pickle"):
            assert not re.search(pattern, text), (path.name, pattern)


# ------------------------------------------------------------------------------------------ CLI

def test_cli_generate_and_grade(tmp_path):
    runner = CliRunner()
    out = tmp_path / "exam"
    res = runner.invoke(exam, ["generate", "--blueprint", str(BLUEPRINT), "--roster", str(ROSTER),
                               "--seed", "99", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Generated 4 paper(s)" in res.output
    key = Paper.from_key(json.loads((out / "keys" / "ada.json").read_text()))
    write_sheet(tmp_path / "sheets", key, full_marks_answers(key))
    res = runner.invoke(exam, ["grade", str(tmp_path / "sheets"), "--key", str(out),
                               "--out", str(tmp_path / "results")])
    assert res.exit_code == 0, res.output
    assert re.search(r"ada\s+19 / 19", res.output)
    (tmp_path / "sheets" / "alan.yaml").write_text("::: not yaml :::\n\t-")
    res = runner.invoke(exam, ["grade", str(tmp_path / "sheets"), "--key", str(out / "keys"),
                               "--out", str(tmp_path / "results2")])
    assert res.exit_code == 2
    assert re.search(r"ada\s+19 / 19", res.output)
    res = runner.invoke(exam, ["generate", "--blueprint", str(ROSTER), "--roster", str(ROSTER),
                               "--seed", "1", "--out", str(tmp_path / "x")])
    assert res.exit_code != 0 and "Error" in res.output


def test_sample_answer_sheets_grade(tmp_path):
    sheets = ROOT / "samples" / "exam" / "answers"
    generate_exam(BLUEPRINT, ROSTER, 2024, tmp_path / "exam")
    run = grade_exam(sheets, tmp_path / "exam", tmp_path / "results")
    assert run.results["ada"].score == run.results["ada"].max_score
    assert run.results["grace"].score == run.results["grace"].max_score
    assert 0 < run.results["alan"].score < run.results["alan"].max_score
    assert any(c.details.get("misconception") for c in run.results["alan"].checks)
    # kurt's unclosed list costs that one answer; the rest of his sheet is graded
    broken = [c for c in run.results["kurt"].checks if c.status == "error"]
    assert len(broken) == 1
    label = broken[0].details["label"]
    lines = (sheets / "kurt.yaml").read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f"{label}:"))
    assert f"line {number} cannot be read" in broken[0].message and "close the list with ]" in broken[0].message
    assert run.results["kurt"].score == run.results["kurt"].max_score - broken[0].max_score
    assert not run.errors and not run.not_graded
