"""The `grade` command line, driven in-process with click's CliRunner on real folders."""
from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import REPO
from grader.cli import main

SAMPLES = REPO / "samples" / "class"


def run(*args):
    return CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False)


def test_unknown_exercise_lists_the_valid_ones():
    result = run("check", "grux", "--dir", REPO / "solutions")
    assert result.exit_code == 2
    assert "unknown exercise 'grux'" in result.output and "bidirectional" in result.output


def test_missing_folder_says_how_to_fix_it(tmp_path):
    result = run("check", "gru", "--dir", tmp_path / "nowhere")
    assert result.exit_code == 2 and "--dir" in result.output


def test_check_passes_on_references_and_fails_on_stubs():
    good = run("check", "lstm", "--dir", REPO / "solutions", "--seed", 5)
    assert good.exit_code == 0 and "✓ lstm_cell" in good.output and "Hidden checks" in good.output
    bad = run("check", "lstm", "--dir", REPO / "exercises", "--seed", 5)
    assert bad.exit_code == 1 and "not implemented yet" in bad.output and "Total: 0/" in bad.output


def test_batch_grades_the_sample_class(tmp_path):
    out = tmp_path / "results"
    result = run("batch", SAMPLES, "--out", out, "--seed", 3)
    assert result.exit_code == 0, result.output
    learners = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert learners == ["ada_lovelace", "ben_okafor", "chen_wei", "dana_smith"], result.output
    scores = {}
    for learner in learners:
        data = json.loads((out / learner / "result.json").read_text())
        assert {"learner", "score", "max_score", "checks"} <= set(data)
        for check in data["checks"]:
            assert {"exercise", "function", "name", "score", "max_score", "status", "message"} <= set(check)
            assert check["status"] in {"passed", "failed", "error"}
        assert (out / learner / "report.html").read_text().startswith("<!doctype html>")
        assert "# Feedback for" in (out / learner / "report.md").read_text()
        scores[learner] = (data["score"], data["max_score"])
    assert scores["ada_lovelace"][0] == scores["ada_lovelace"][1]
    assert 0 < scores["chen_wei"][0] < scores["chen_wei"][1]
    assert 0 < scores["dana_smith"][0] < scores["dana_smith"][1]
    assert "ada_lovelace/report.html" in (out / "index.html").read_text()


def test_batch_rejects_a_missing_submissions_folder(tmp_path):
    result = run("batch", tmp_path / "missing", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_batch_of_an_empty_folder_says_what_a_submission_looks_like(tmp_path):
    (tmp_path / "subs").mkdir()
    result = run("batch", tmp_path / "subs", "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 2 and "holds no submissions" in result.output and "grade submit" in result.output
