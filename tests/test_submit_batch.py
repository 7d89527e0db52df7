"""``grade submit`` archives go straight into ``grade batch``, mixed with folders; a bad archive costs only its owner.

A class of six: two correct submissions (a folder and an archive), two untouched stubs (a folder
and an archive), an archive edited after packing (its hash no longer matches) and an archive renamed
to another learner. The two bad archives are reported as not graded, with the reason (and the batch exits 1); everyone
else gets the same result as if the bad ones were not there.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.catalog import EXERCISE_FILES
from grader.cli import main

REPO = Path(__file__).resolve().parents[1]


def _copy_exercises(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in EXERCISE_FILES:
        shutil.copyfile(source / name, target / name)
    return target


def _submit(runner: CliRunner, folder: Path, learner: str, out: Path) -> Path:
    result = runner.invoke(main, ["submit", "--dir", str(folder), "--learner", learner, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _tamper(archive: Path, name: str, text: bytes) -> None:
    """Rewrite one member of ``archive`` and leave its manifest (and hash) as it was."""
    with zipfile.ZipFile(archive) as zin:
        members = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(archive, "w") as zout:
        for info, data in members:
            zout.writestr(info, text if info.filename == name else data)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    runner = CliRunner()
    solved = _copy_exercises(REPO / "solutions", root / "work" / "solved")
    stubs = _copy_exercises(REPO / "exercises", root / "work" / "stubs")
    submissions = root / "submissions"
    _copy_exercises(solved, submissions / "alice")
    _copy_exercises(stubs, submissions / "dave")
    _submit(runner, solved, "bob", submissions / "bob.zip")
    _submit(runner, stubs, "carol", submissions / "carol.zip")
    _tamper(_submit(runner, solved, "mallory", submissions / "mallory.zip"), "gru.py", b"x = 1\n")
    _submit(runner, solved, "alice", submissions / "trudy.zip")  # someone else's archive, renamed
    out = root / "results"
    result = runner.invoke(main, ["batch", str(submissions), "--out", str(out), "--seed", "5"])
    assert result.exit_code == 1, result.output  # two entries were not graded
    return out, result.output


def _result(out: Path, learner: str) -> dict:
    return json.loads((out / learner / "result.json").read_text(encoding="utf-8"))


def test_archives_and_folders_are_graded_alike(graded):
    out, _ = graded
    alice, bob = _result(out, "alice"), _result(out, "bob")
    assert alice["max_score"] > 0
    assert alice["score"] == alice["max_score"] == bob["score"] == bob["max_score"]
    assert [(c["function"], c["name"]) for c in alice["checks"]] == [(c["function"], c["name"]) for c in bob["checks"]]


def test_stubs_score_zero_from_a_folder_and_from_an_archive(graded):
    out, _ = graded
    for learner in ("carol", "dave"):
        result = _result(out, learner)
        assert result["score"] == 0 and result["max_score"] > 0


def test_bad_archives_are_reported_and_cost_no_one_else(graded):
    out, output = graded
    for learner in ("mallory", "trudy"):
        assert not (out / learner / "result.json").exists()
        assert learner in output
    summary = (out / "summary.md").read_text(encoding="utf-8").splitlines()
    mallory = next(line for line in summary if "mallory" in line)
    assert "gru.py" in mallory and "MANIFEST" in mallory
    trudy = next(line for line in summary if "trudy" in line)
    assert "alice" in trudy
