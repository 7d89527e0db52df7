"""The handout notebook in a real Jupyter kernel, then graded as ``<learner>.ipynb`` by ``grade batch``.

The kernel runs in an interpreter that sees the built handout and the libraries only
(``handout_env``), so its checks use the handout's public fixtures, as on a learner's machine.
The correct cells are the references with their imports pointed at ``exercises``: what a learner
who solved everything would have typed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.catalog import EXERCISES
from grader.handout import build_handout
from grader.handout.notebook import NOTEBOOK_NAME
from handout_env import isolated_interpreter, solved_cell

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    return build_handout(tmp_path_factory.mktemp("build") / "handout", seed=5).out


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory, handout, monkeypatch_module) -> str:
    """A kernelspec that starts ipykernel in the handout's isolated interpreter."""
    python = isolated_interpreter(tmp_path_factory.mktemp("venv") / "env", handout)
    spec_dir = tmp_path_factory.mktemp("jupyter")
    (spec_dir / "kernels" / "handout").mkdir(parents=True)
    (spec_dir / "kernels" / "handout" / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-I", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "handout", "language": "python"}))
    monkeypatch_module.setenv("JUPYTER_PATH", str(spec_dir))
    return "handout"


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def run_notebook(notebook, handout: Path, kernel_name: str):
    NotebookClient(notebook, kernel_name=kernel_name, timeout=300, startup_timeout=120,
                   resources={"metadata": {"path": str(handout)}}).execute()
    return notebook


def check_outputs(notebook, module: str) -> dict:
    cell = next(c for c in notebook.cells if f"check:{module}" in c.metadata.get("tags", []))
    (output,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    return output["data"]


@pytest.fixture(scope="module")
def executed(handout, kernel_name):
    notebook = nbformat.read(handout / NOTEBOOK_NAME, as_version=4)
    for cell in notebook.cells:
        for module in EXERCISES:
            if f"exercise:{module}" in cell.metadata.get("tags", []):
                cell.source = solved_cell(REPO, module)
    return run_notebook(notebook, handout, kernel_name)


def test_every_check_cell_shows_full_marks_as_html_and_as_text(executed, handout):
    index = json.loads((handout / "grader/public_fixtures/index.json").read_text())["checks"]
    for module in EXERCISES:
        points = sum(e["points"] for e in index if e["exercise"] == module)
        data = check_outputs(executed, module)
        assert f"Total: {points:g}/{points:g}" in data["text/plain"]
        assert "fixed inputs that came with the handout" in data["text/plain"]
        html = data["text/html"]
        assert f"{points:g} / {points:g}" in html and 'class="check failed"' not in html
        assert html.count('class="check passed"') == sum(e["exercise"] == module for e in index)


def test_the_executed_notebook_grades_in_full_as_a_learners_ipynb(executed, tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    nbformat.write(executed, str(submissions / "grace_hopper.ipynb"))
    out = tmp_path / "results"
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(submissions), "--out", str(out),
                           "--workers", "1"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((out / "grace_hopper" / "result.json").read_text())
    assert result["max_score"] > 0 and result["score"] == result["max_score"]
    assert {c["exercise"] for c in result["checks"]} == set(EXERCISES)


def test_a_wrong_cell_shows_the_feedback_and_the_error_chart(handout, kernel_name):
    wrong_gru = solved_cell(REPO, "gru").replace("return (1.0 - z) * h_prev + z * h_tilde",
                                                 "return z * h_prev + (1.0 - z) * h_tilde")
    assert wrong_gru != solved_cell(REPO, "gru")
    notebook = nbformat.read(handout / NOTEBOOK_NAME, as_version=4)
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "exercise:gates" in tags:
            cell.source = solved_cell(REPO, "gates")
        if "exercise:gru" in tags:
            cell.source = wrong_gru
    keep = [c for c in notebook.cells if c.cell_type == "markdown" or
            set(c.metadata.get("tags", [])) & {"setup", "exercise:gates", "exercise:gru", "check:gru"}]
    notebook.cells = keep
    data = check_outputs(run_notebook(notebook, handout, kernel_name), "gru")
    assert "✗ gru_cell" in data["text/plain"] and "differ" in data["text/plain"]
    assert 'class="check failed"' in data["text/html"] and "Hint:" in data["text/html"]


def test_a_check_before_its_cell_ran_says_to_run_the_cell(handout, kernel_name):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "%load_ext grader.notebook\nfrom grader.notebook import check\ncheck('lstm')")])
    (output,) = [o for o in run_notebook(notebook, handout, kernel_name).cells[0].outputs
                 if o.output_type == "execute_result"]
    assert "Run the cell that starts with `%%exercise lstm` first" in output["data"]["text/plain"]


def test_a_fixture_file_changed_after_the_build_is_named_in_the_check_output(handout, kernel_name):
    target = sorted((handout / "grader" / "public_fixtures").glob("*-gates-*.wire"))[0]
    original = target.read_bytes()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext grader.notebook\nfrom grader.notebook import check"),
        nbformat.v4.new_code_cell(solved_cell(REPO, "gates")),
        nbformat.v4.new_code_cell("check('gates')")])
    try:
        target.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
        cell = run_notebook(notebook, handout, kernel_name).cells[-1]
    finally:
        target.write_bytes(original)
    (output,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert "changed after the handout was built" in output["data"]["text/plain"]
