"""``grade gradescope`` in a Gradescope-like layout under a temporary folder, and ``build-zip``."""
from __future__ import annotations

import json
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.catalog import EXERCISE_FILES
from grader.cli import main

REPO = Path(__file__).resolve().parents[1]


def _run(tmp_path: Path, upload: Path, *extra: str) -> dict:
    results = tmp_path / "autograder" / "results" / "results.json"
    outcome = CliRunner().invoke(main, ["gradescope", "--submission", str(upload), "--results", str(results),
                                        "--seed", "8", *extra])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(results.read_text(encoding="utf-8"))


def test_grades_files_uploaded_at_the_top(tmp_path):
    upload = tmp_path / "autograder" / "submission"
    shutil.copytree(REPO / "samples" / "class" / "ada_lovelace", upload)
    document = _run(tmp_path, upload)
    assert document["score"] > 0
    assert document["score"] == sum(t["max_score"] for t in document["tests"])
    assert {t["status"] for t in document["tests"]} == {"passed"}
    assert isinstance(document["execution_time"], float)


def test_grades_a_submit_archive_and_a_subfolder(tmp_path):
    runner = CliRunner()
    upload = tmp_path / "zip-upload"
    upload.mkdir()
    packed = runner.invoke(main, ["submit", "--dir", str(REPO / "exercises"), "--learner", "zoe",
                                  "--out", str(upload / "zoe.zip")])
    assert packed.exit_code == 0, packed.output
    stubs = _run(tmp_path, upload)
    assert stubs["score"] == 0 and stubs["tests"]  # the stubs are graded, and score nothing

    nested = tmp_path / "nested-upload"
    shutil.copytree(REPO / "samples" / "class" / "ben_okafor", nested / "exercises")
    partial = _run(tmp_path, nested, "--hidden-visibility", "after_due_date")
    assert 0 < partial["score"] < sum(t["max_score"] for t in partial["tests"])
    assert {t["visibility"] for t in partial["tests"]} == {"visible", "after_due_date"}


def test_an_empty_upload_still_gets_a_results_file_with_the_reason(tmp_path):
    upload = tmp_path / "empty"
    upload.mkdir()
    (upload / "notes.txt").write_text("forgot the files")
    document = _run(tmp_path, upload)
    assert document["score"] == 0.0 and document["tests"] == []
    assert "no exercise files" in document["output"]


def test_build_zip_holds_the_scripts_and_the_grader(tmp_path):
    out = tmp_path / "autograder.zip"
    outcome = CliRunner().invoke(main, ["gradescope", "build-zip", "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        for script in ("setup.sh", "run_autograder"):
            info = archive.getinfo(script)
            assert stat.S_IMODE(info.external_attr >> 16) & 0o111, f"{script} must be executable"
            assert archive.read(script).startswith(b"#!/usr/bin/env bash")
        run = archive.read("run_autograder").decode()
        assert "grade gradescope" in run
        setup = archive.read("setup.sh").decode()
        assert "pip install --no-deps -e /autograder/source" in setup
        assert "--requirement /autograder/source/requirements.txt" in setup
        assert "set -euo pipefail" in setup and "|| true" not in setup
        assert setup.rstrip().endswith("grade doctor")  # a broken image fails its build
        pins = archive.read("requirements.txt").decode().split()
        assert {p.split("==")[0] for p in pins} >= {"numpy", "click", "jinja2", "sympy", "rich", "pyyaml", "pyseccomp"}
        assert all(re.fullmatch(r"[a-z0-9-]+==[0-9][^\s]*", p) for p in pins), pins
    assert {"pyproject.toml", "grader/cli/gradescope.py", "templates/report.html.j2"} <= names
    assert {f"solutions/{name}" for name in EXERCISE_FILES} <= names
    assert not any("__pycache__" in name or name.startswith(("tests/", "samples/")) for name in names)


@pytest.mark.parametrize("choice", ["visible", "hidden", "after_due_date", "after_published"])
def test_every_gradescope_visibility_is_accepted(tmp_path, choice):
    out = tmp_path / "a.zip"
    assert CliRunner().invoke(main, ["gradescope", "build-zip", "--out", str(out), "--hidden-visibility",
                                     choice]).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert f"--hidden-visibility {choice}" in archive.read("run_autograder").decode()


def test_outside_the_container_it_refuses_the_default_paths(tmp_path, monkeypatch):
    import grader.cli.gradescope as command

    monkeypatch.setattr(command, "AUTOGRADER_ROOT", tmp_path / "autograder")
    existed = Path("/autograder/results").exists()
    outcome = CliRunner().invoke(main, ["gradescope"])
    assert outcome.exit_code == 2 and "--local" in outcome.output and "--results" in outcome.output
    assert CliRunner().invoke(main, ["gradescope", "--results", str(tmp_path / "r.json")]).exit_code == 2
    assert Path("/autograder/results").exists() == existed  # nothing created on this machine
    (tmp_path / "autograder" / "source").mkdir(parents=True)  # what Gradescope's container has
    assert command.inside_gradescope()


def test_hidden_checks_that_cannot_run_fail_loudly_not_as_a_public_score(tmp_path, monkeypatch):
    import grader.cli.gradescope as command
    import grader.engine as engine

    # a container where no file-isolation layer works: the engine then runs only the public checks
    monkeypatch.setattr(engine, "file_isolation_active", lambda layers: False)
    monkeypatch.setattr(command, "file_isolation_active", lambda layers: False)
    upload = tmp_path / "autograder" / "submission"
    shutil.copytree(REPO / "samples" / "class" / "ada_lovelace", upload)
    results = tmp_path / "results.json"
    outcome = CliRunner().invoke(main, ["gradescope", "--submission", str(upload), "--results", str(results),
                                        "--seed", "8"])
    assert outcome.exit_code == 1, outcome.output
    document = json.loads(results.read_text(encoding="utf-8"))
    assert document["score"] == 0.0 and document["output"].startswith("GRADING ERROR")
    assert document["tests"] and all(t["visibility"] == "visible" for t in document["tests"])  # public feedback kept
