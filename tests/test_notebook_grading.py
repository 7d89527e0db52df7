"""Notebooks handed in to ``grade batch`` and ``grade gradescope``: graded from their tagged cells.

The notebooks here are the handout's own notebook with cells filled in (not executed: grading never
runs a notebook, only the modules its tagged cells hold, in the sandbox).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
from click.testing import CliRunner

from grader.batch import BatchOptions, run_batch
from grader.catalog import EXERCISES
from grader.cli import main
from grader.handout.notebook import handout_notebook
from grader.suites import select_checks
from handout_env import solved_cell

REPO = Path(__file__).resolve().parents[1]
CHECKS = select_checks(["gates", "gru"])


def notebook_with(cells: dict[str, str]):
    """The handout notebook with the tagged cells of ``cells`` (module → source) replaced."""
    notebook = handout_notebook(REPO)
    for cell in notebook.cells:
        for module, source in cells.items():
            if f"exercise:{module}" in cell.metadata.get("tags", []):
                cell.source = source
    return notebook


def test_a_batch_grades_notebooks_beside_folders_and_a_broken_notebook_costs_only_its_owner(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    solved = {m: solved_cell(REPO, m) for m in ("gates", "gru")}
    alans = notebook_with(solved)
    alans.cells = [c for c in alans.cells if "exercise:lstm" not in c.metadata.get("tags", [])]
    nbformat.write(alans, str(submissions / "alan.ipynb"))
    (submissions / "grace").mkdir()
    nbformat.write(notebook_with(solved), str(submissions / "grace" / "my work.ipynb"))
    broken = notebook_with(solved)
    broken.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["exercise:gru"]}))
    nbformat.write(broken, str(submissions / "bob.ipynb"))
    shutil.copytree(REPO / "samples" / "class" / "ada_lovelace", submissions / "ada")
    outcome = run_batch(submissions, tmp_path / "out", CHECKS, seed=4,
                        options=BatchOptions(workers=1, pool="thread", reports="json"))
    scores = {r.learner: (r.score, r.max_score) for r in outcome.results}
    assert set(scores) == {"alan", "grace", "ada"}
    assert all(score == top > 0 for score, top in scores.values()), scores
    assert "both tagged 'exercise:gru'" in outcome.failures["bob"]
    alan = next(r for r in outcome.results if r.learner == "alan")
    assert any("no cell for" in note and "lstm" in note for note in alan.notes)


def test_a_notebook_whose_cell_is_wrong_loses_exactly_those_points(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    wrong = solved_cell(REPO, "gru").replace("(1.0 - z) * h_prev + z * h_tilde", "z * h_prev + (1.0 - z) * h_tilde")
    nbformat.write(notebook_with({"gates": solved_cell(REPO, "gates"), "gru": wrong}), str(submissions / "eve.ipynb"))
    (result,) = run_batch(submissions, tmp_path / "out", CHECKS, seed=4,
                          options=BatchOptions(workers=1, pool="thread", reports="none")).results
    failed = {c.function for c in result.checks if c.status != "passed"}
    assert "gru_cell" in failed and not any(c.exercise == "gates" and c.status != "passed" for c in result.checks)


def test_gradescope_grades_an_uploaded_notebook(tmp_path):
    upload = tmp_path / "submission"
    upload.mkdir()
    every = {m: solved_cell(REPO, m) for m in EXERCISES}
    nbformat.write(notebook_with(every), str(upload / "homework.ipynb"))
    results = tmp_path / "results.json"
    outcome = CliRunner().invoke(main, ["gradescope", "--submission", str(upload), "--results", str(results),
                                        "--seed", "3"])
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(results.read_text())
    assert document["score"] == sum(t["max_score"] for t in document["tests"]) > 0
