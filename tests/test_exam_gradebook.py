"""Exam grading feeds the same gradebook and class outputs as code grading."""
from __future__ import annotations

import json

from conftest import REPO
from grader.exam.workflow import generate_exam, grade_exam
from grader.gradebook import Gradebook

SAMPLES = REPO / "samples" / "exam"


def test_exam_results_land_in_the_gradebook_and_class_summary(tmp_path):
    generate_exam(SAMPLES / "blueprint.yaml", SAMPLES / "roster.csv", 2024, tmp_path / "exam")
    out = tmp_path / "results"
    run = grade_exam(SAMPLES / "answers", tmp_path / "exam", out)

    with Gradebook(out / "gradebook.sqlite") as book:
        stored, rejected = book.latest()
    assert not rejected
    assert {r.learner for r in stored} == set(run.results)
    for result in stored:
        on_disk = json.loads((out / result.learner / "result.json").read_text())
        assert result.score == on_disk["score"] and result.max_score == on_disk["max_score"]
        assert all(c.exercise == "exam" for c in result.checks)

    summary = (out / "index.html").read_text()
    assert all(f"{learner}/report.html" in summary for learner in run.results)
    grades = (out / "grades.csv").read_text().splitlines()
    assert len(grades) == 1 + len(run.results) + len(run.missing)
    assert (out / "dashboard.html").exists() and (out / "junit.xml").exists()
