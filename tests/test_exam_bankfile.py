"""The question bank is data an instructor edits: YAML files validated with pydantic, computed keys from
named generators, and `grade exam bank --check DIR` listing every problem with its file and question."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.cli.exam import exam
from grader.exam import bank as bank_module
from grader.exam.bank import BANK, GENERATORS, QUESTIONS_DIR, check_bank, use_bank


@pytest.fixture()
def bank_copy(tmp_path):
    folder = tmp_path / "questions"
    shutil.copytree(QUESTIONS_DIR, folder)
    yield folder
    use_bank(QUESTIONS_DIR)  # the tests below may switch the bank; every other test expects the shipped one


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_shipped_bank_is_valid_and_every_computed_question_names_a_generator():
    assert check_bank(QUESTIONS_DIR, build=True) == []
    ids = [q["id"] for f in sorted(QUESTIONS_DIR.glob("*.yaml")) for q in yaml.safe_load(f.read_text())["questions"]]
    assert ids == list(BANK)
    computed = [q for q in BANK.values() if q.kind in ("numeric", "formula")]
    assert computed and all(q.build is GENERATORS[q.qid.replace("-", "_")][1] for q in computed)


def test_every_named_generator_has_its_question_in_the_shipped_bank():
    """A generator registered in code but named by no question file would never be asked."""
    used = {GENERATORS[q.qid.replace("-", "_")][1] for q in BANK.values() if q.kind in ("numeric", "formula")}
    unused = sorted(name for name, (_, build) in GENERATORS.items() if build not in used)
    assert unused == []


def test_check_names_every_problem_with_its_file_and_question(bank_copy):
    def gru(data):
        qs = data["questions"]
        del qs[0]["hint"]                                   # a missing field
        qs[1]["kind"] = "essay"                             # an unknown kind
        qs[2]["wrong"].append(qs[2]["correct"])             # the correct answer listed as wrong
        qs[3]["id"] = "gru-small-z"                         # a duplicate id
        next(q for q in qs if q.get("generator") == "gru_candidate")["generator"] = "gru_candidat"
        next(q for q in qs if q.get("generator") == "gru_full_step")["kind"] = "formula"
    edit(bank_copy, "04-gru.yaml", gru)
    edit(bank_copy, "07-gru-vs-lstm.yaml", lambda d: d.update(topic="gru-or-lstm"))
    problems = check_bank(bank_copy)
    text = "\n".join(problems)
    assert "04-gru.yaml: question 1 (gru-small-z), hint: Field required" in text
    assert "04-gru.yaml: question 2 (gru-small-r)" in text and "essay" in text
    assert "04-gru.yaml: question 3 (gru-components): Value error, the options must all differ" in text
    # schema errors are reported first; fix them and the cross-file problems follow
    edit(bank_copy, "04-gru.yaml", lambda d: (d["questions"][0].update(hint="h"), d["questions"][1].update(kind="single"),
                                             d["questions"][2]["wrong"].pop()))
    problems = check_bank(bank_copy)
    text = "\n".join(problems)
    assert "04-gru.yaml: question 4 (gru-small-z): the id is already used in 04-gru.yaml" in text
    assert "unknown generator 'gru_candidat'; the generators are:" in text
    assert "generator 'gru_full_step' makes numeric questions, not formula" in text
    assert "07-gru-vs-lstm.yaml: unknown topic 'gru-or-lstm'" in text


def test_invalid_yaml_is_named_with_its_line(bank_copy):
    (bank_copy / "03-stacked.yaml").write_text("topic: stacked\nquestions: [\n", encoding="utf-8")
    result = CliRunner().invoke(exam, ["bank", "--check", str(bank_copy)])
    assert result.exit_code == 1
    assert "03-stacked.yaml: not valid YAML at line" in result.output


def test_an_instructor_adds_a_question_and_papers_draw_it(bank_copy, tmp_path):
    new = {"id": "gru-gates-count", "kind": "single", "prompt": "How many gates does the course's GRU have?",
           "correct": "Two: a reset gate and an update gate", "wrong": ["One", "Three", "Four"],
           "hint": "Count r_t and z_t.", "explanation": "The GRU has a reset gate r_t and an update gate z_t."}
    edit(bank_copy, "04-gru.yaml", lambda d: d["questions"].append(new))
    runner = CliRunner()
    assert runner.invoke(exam, ["bank", "--check", str(bank_copy)]).exit_code == 0
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(yaml.safe_dump({"title": "t", "sections": [
        {"questions": ["gru-gates-count", "gru-update-gate"], "pick": 2}]}))
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nada\n")
    result = runner.invoke(exam, ["generate", "--blueprint", str(blueprint), "--roster", str(roster), "--seed", "1",
                                  "--out", str(tmp_path / "exam"), "--bank", str(bank_copy)])
    assert result.exit_code == 0, result.output
    key = json.loads((tmp_path / "exam" / "keys" / "ada.json").read_text())
    variants = [q["variant"] for q in key["questions"]]
    assert [v["qid"] for v in variants] == ["gru-gates-count", "gru-update-gate"]
    assert "Two: a reset gate and an update gate" in variants[0]["choices"]
    assert variants[1]["misconceptions"]  # the computed question still gets its key from solutions/


def test_generate_refuses_a_broken_bank_with_every_problem(bank_copy, tmp_path):
    edit(bank_copy, "01-why-deep.yaml", lambda d: d["questions"][0].pop("correct"))
    result = CliRunner().invoke(exam, ["generate", "--blueprint", str(tmp_path / "none.yaml"), "--roster",
                                       str(tmp_path / "none.csv"), "--seed", "1", "--out", str(tmp_path / "x"),
                                       "--bank", str(bank_copy)])
    assert result.exit_code != 0
    (tmp_path / "none.yaml").write_text("title: t\nsections: [{topics: [gru], pick: 1}]\n")
    (tmp_path / "none.csv").write_text("id\nada\n")
    result = CliRunner().invoke(exam, ["generate", "--blueprint", str(tmp_path / "none.yaml"), "--roster",
                                       str(tmp_path / "none.csv"), "--seed", "1", "--out", str(tmp_path / "x"),
                                       "--bank", str(bank_copy)])
    assert result.exit_code == 1
    assert "01-why-deep.yaml: question 1 (why-deep-weaknesses), correct: Field required" in result.output
    assert bank_module.BANK  # the shipped bank is still in place after a refused switch
