"""Answer sheets are read answer by answer, as text: a typo costs one answer, values are never coerced
by YAML 1.1, numbers in local notations are read or refused with the fix, and an unreadable sheet is
NOT GRADED in every output."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.exam.blueprint import Paper
from grader.exam.grading import score_answer
from grader.exam.sheet import SheetError, Unreadable, parse_sheet
from grader.exam.variant import Variant
from grader.exam.workflow import generate_exam, grade_exam
from grader.gradebook import Gradebook

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT = ROOT / "samples" / "exam" / "blueprint.yaml"
ROSTER = ROOT / "samples" / "exam" / "roster.csv"

COUNT = Variant(qid="count-gru", topic="params", kind="numeric", prompt="?", answer=10.0, tolerance=0.0)
GATE = Variant(qid="gru-update-gate", topic="gru", kind="numeric", prompt="?", answer=0.462, tolerance=0.002)
LETTER = Variant(qid="x", topic="gru", kind="single", prompt="?", choices=["a", "b", "c", "d"], answer="B")


def sheet_of(text: str):
    return parse_sheet(text, Path("s.yaml"))


def test_one_malformed_line_costs_that_answer_only_and_names_its_line():
    s = sheet_of('learner: "ada"\npaper: "p1"\nanswers:\n  Q1: [A, C\n  Q2: B\n  Q3: *h\n  Q4: "open\n  Q5: true\n')
    assert s.learner == "ada" and s.paper_id == "p1"
    assert s.answers["Q2"] == "B" and s.answers["Q5"] == "true"
    assert isinstance(s.answers["Q1"], Unreadable) and "line 4" in s.answers["Q1"].reason
    assert "close the list with ]" in s.answers["Q1"].reason
    assert "line 6" in s.answers["Q3"].reason and "double quotes" in s.answers["Q3"].reason
    assert "line 7" in s.answers["Q4"].reason and "close the quote" in s.answers["Q4"].reason
    out = score_answer(LETTER, s.answers["Q1"])
    assert out.status == "error" and out.fraction == 0 and "line 4" in out.message


def test_values_are_text_not_yaml_1_1():
    s = sheet_of("answers:\n  Q1: 010\n  Q2: 1:30\n  Q3: 5_088\n  Q4: no\n  Q5: 0x1A\n  Q6: ~\n")
    assert s.answers == {"Q1": "010", "Q2": "1:30", "Q3": "5_088", "Q4": "no", "Q5": "0x1A", "Q6": "~"}
    # the same reading on a sheet and at the quiz prompt
    for value in ("010", s.answers["Q1"]):
        assert score_answer(COUNT, value).fraction == 1
    for value in ("1:30", s.answers["Q2"]):
        out = score_answer(COUNT, value)
        assert out.status == "error" and "is not a number" in out.message
    for value in ("5_088", s.answers["Q3"]):
        assert "without '_'" in score_answer(COUNT, value).message


def test_block_lists_duplicates_and_labels():
    s = sheet_of("answers:\n  q1:\n  - A\n  - C\n  Q2:\n      - B\n  Q3: A\n  Q3: B\n  extra: 1\n")
    assert s.answers["Q1"] == ["A", "C"] and s.answers["Q2"] == ["B"]
    assert isinstance(s.answers["Q3"], Unreadable) and "lines 7 and 8" in s.answers["Q3"].reason
    assert any("'extra' is not an answer label" in n for n in s.notes)


@pytest.mark.parametrize("text, variant, expected", [
    ("0,462", GATE, 0.462), ("0.462", GATE, 0.462), ("46.2%", GATE, 0.462), ("−0,3", GATE, -0.3),
    ("5,088", COUNT, 5088), ("5 088", COUNT, 5088), ("1,234,567", COUNT, 1234567), ("1,234.5", GATE, 1234.5),
])
def test_numbers_in_local_notations_are_read(text, variant, expected):
    from grader.exam.grading import _number

    assert _number(text, whole=variant is COUNT) == pytest.approx(expected)


@pytest.mark.parametrize("text, variant, fix", [
    ("5,088", GATE, "write 5088 for a whole number, or 5.088 with a decimal point"),
    ("0,5", COUNT, "whole number; write it without a comma"),
    ("5_088", COUNT, "write the number without '_', e.g. 5088"),
    (".nan", GATE, "is not a number"), ("nan", GATE, "is not a number"), ("inf", GATE, "is not a number"),
    ("-.inf", GATE, "is not a number"), ("1e999", GATE, "must be finite"),
])
def test_ambiguous_or_impossible_numbers_are_refused_with_the_fix(text, variant, fix):
    out = score_answer(variant, text, partial_credit=True)
    assert out.status == "error" and out.fraction == 0 and fix in out.message


def test_non_finite_answers_never_stop_grading_and_results_are_written(tmp_path):
    papers = generate_exam(BLUEPRINT, ROSTER, 5, tmp_path / "exam")
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    for p in papers:
        lines = [f'learner: "{p.learner.id}"', f'paper: "{p.paper_id}"', "answers:"]
        lines += [f"  {q.label}: {['.nan', 'nan', 'inf', '-.inf'][i % 4]}" for i, q in enumerate(p.questions)]
        (sheets / f"{p.learner.id}.yaml").write_text("\n".join(lines) + "\n")
    run = grade_exam(sheets, tmp_path / "exam", tmp_path / "results")
    assert not run.errors and set(run.results) == {p.learner.id for p in papers}
    for r in run.results.values():
        assert r.score == 0
        assert all(json.loads((tmp_path / "results" / r.learner / "result.json").read_text())["checks"])


def test_an_unreadable_sheet_is_not_graded_everywhere(tmp_path):
    papers = {p.learner.id: p for p in generate_exam(BLUEPRINT, ROSTER, 6, tmp_path / "exam")}
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    ada: Paper = papers["ada"]
    lines = [f'learner: "ada"', f'paper: "{ada.paper_id}"', "answers:"]
    lines += [f"  {q.label}: {q.variant.answer_text().split(')')[0] if q.variant.kind == 'single' else 'x'}"
              for q in ada.questions]
    (sheets / "ada.yaml").write_text("\n".join(lines) + "\n")
    (sheets / "alan.yaml").write_bytes(b"\xff\xfe not utf-8 \x00")
    out = tmp_path / "results"
    run = grade_exam(sheets, tmp_path / "exam", out)
    assert "alan" not in run.results and "not readable UTF-8" in run.not_graded["alan"]
    summary = {r[0]: r for r in csv.reader((out / "summary.csv").read_text().splitlines())}
    assert summary["alan"][1] == "" and summary["alan"][3] == "not graded" and "UTF-8" in summary["alan"][4]
    grades = {r["learner"]: r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    assert grades["alan"]["status"] == "not graded" and grades["alan"]["score"] == ""
    assert "UTF-8" in grades["alan"]["reason"]
    assert grades["ada"]["status"] == "graded"
    with Gradebook(out / "gradebook.sqlite") as book:
        stored, rejected = book.latest()
    assert [r.learner for r in stored] == ["ada"] and "UTF-8" in rejected["alan"]
    dashboard = (out / "dashboard.html").read_text()
    assert "alan" in dashboard and "UTF-8" in dashboard
    ada_percent = 100 * run.results["ada"].score / run.results["ada"].max_score
    from grader.report.dashboard import dashboard_context

    context = dashboard_context(run.results.values(), {"alan": run.not_graded["alan"]})
    assert context["count"] == 1 and context["not_graded"] == 1 and context["mean"] == pytest.approx(ada_percent)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("QqA1: \n\t[]{}\"'#-*&!|>,.%~\u200b\x00") + ["answers:", "learner:", "  Q2: "]),
                max_size=80).map("".join) | st.text(max_size=200))
def test_any_text_is_a_sheet_or_a_sheet_error(text):
    try:
        s = sheet_of(text)
    except SheetError as err:
        assert str(err)
        return
    for value in s.answers.values():
        assert isinstance(value, (str, Unreadable)) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.from_regex(r"Q[1-9][0-9]?", fullmatch=True),
                       st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20),
                                 st.lists(st.sampled_from("ABCDE"), max_size=4)), max_size=8))
def test_a_sheet_written_by_pyyaml_reads_back_every_answer_as_text(answers):
    text = yaml.safe_dump({"learner": "ada", "paper": "p1", "answers": answers}, allow_unicode=True)
    s = sheet_of(text)
    expected = {k.upper(): v for k, v in answers.items()}
    assert set(s.answers) == set(expected)
    for label, value in expected.items():
        assert s.answers[label] == value, (text, label)


# ---------------------------------------------------------------- formulas on real sheets, examples on sheets

FORMULA_BLUEPRINT = {"title": "formulas", "sections": [{"questions": ["formula-gru"], "pick": 1, "points": 2}]}

SPELLINGS = ["3*(H*D + H^2 + H)", "(d+h+1)3h", "3[h(d+h+1)]", "3(hd+h^{2}+h)", "3 ∗ h ∗ (d + h + 1)",
             "３ｈ（ｄ＋ｈ＋１）", "3h(d+h+1)\u200b", "3(hd + h² + h)", "3*h*(d + h + 1)", "3hd + 3h^2 + 3h"]


def _formula_exam(tmp_path, answers: list[str]):
    import yaml as _yaml

    bp = tmp_path / "bp.yaml"
    bp.write_text(_yaml.safe_dump(FORMULA_BLUEPRINT))
    roster = tmp_path / "roster.csv"
    roster.write_text("id\n" + "\n".join(f"s{i}" for i in range(len(answers))) + "\n")
    papers = generate_exam(bp, roster, 1, tmp_path / "exam")
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    for p, answer in zip(papers, answers):
        (sheets / f"{p.learner.id}.yaml").write_text(
            f'learner: "{p.learner.id}"\npaper: "{p.paper_id}"\nanswers:\n  Q1: {json.dumps(answer, ensure_ascii=False)}\n',
            encoding="utf-8")
    return grade_exam(sheets, tmp_path / "exam", tmp_path / "results")


def test_formula_spellings_people_write_earn_full_marks_through_real_sheets(tmp_path):
    run = _formula_exam(tmp_path, SPELLINGS)
    assert not run.errors
    for i, spelling in enumerate(SPELLINGS):
        assert run.results[f"s{i}"].score == 2, (spelling, run.results[f"s{i}"].checks[0].message)


def test_the_exam_names_the_misconceptions_the_code_catalogue_has(tmp_path):
    run = _formula_exam(tmp_path, ["3(hd+h²)+h", "3(hd+h)", "3hd + 3h^2"])
    messages = [run.results[f"s{i}"].checks[0] for i in range(3)]
    assert all(c.score == 0 for c in messages)
    assert "One bias for the whole cell" in messages[0].details["misconception"]
    assert "recurrent weights are missing" in messages[1].details["misconception"]
    assert "bias vectors are missing" in messages[2].details["misconception"]
    from grader.misconceptions import all_misconceptions

    code_ids = {m.id for m in all_misconceptions()}
    assert {"bias_counted_once", "forget_h_squared", "every_layer_reads_d"} <= code_ids


def test_no_example_on_a_sheet_or_in_a_message_is_a_key(tmp_path):
    import re as _re

    from grader.exam.render import answer_sheet
    from grader.formula import FormulaError as _FE, read_formula, same

    papers = generate_exam(BLUEPRINT, ROSTER, 3, tmp_path / "exam")
    from grader.exam.blueprint import Learner, build_paper, parse_blueprint

    every_formula = parse_blueprint({"title": "all formulas", "sections": [
        {"questions": [q for q in __import__("grader.exam.bank", fromlist=["BANK"]).BANK
                       if q.startswith("formula-")], "points": 1}]})
    papers += [build_paper(every_formula, 7, Learner(f"x{i}")) for i in range(40)]
    try:
        read_formula(None, ("d", "h"))  # type: ignore[arg-type]
    except _FE as err:
        messages = [str(err)]
    for p in papers:
        texts = _re.findall(r'"([^"]+)"', answer_sheet(p)) + [
            t for q in p.questions for t in _re.findall(r"e\.g\. ([^;]+);", q.variant.answer_format)]
        texts += [m.split("e.g. ")[1] for m in messages]
        for q in p.questions:
            if q.variant.kind != "formula":
                continue
            key = read_formula(q.variant.answer, q.variant.symbols)
            for text in texts:
                try:
                    example = read_formula(text, q.variant.symbols)
                except _FE:
                    continue
                assert not same(example, key), (text, q.variant.qid)
