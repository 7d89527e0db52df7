"""The hand-in round trip as a course runs it, end to end through the real commands and the real sandbox.

handout → the learner writes correct code into the handout's stubs (copied here from solutions/,
with ``gru.py`` taking ``gate`` from a helper module of the learner's own) → ``grade submit`` →
the archives renamed as Canvas and Moodle deliver them, beside a hand-made zip of ``exercises/`` and
files uploaded one by one to Canvas →
``grade batch`` → full marks, and every learner under the right id and display name.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.catalog import EXERCISE_FILES
from grader.cli import main

REPO = Path(__file__).resolve().parents[1]
EXERCISES = ("gates", "gru")  # enough to show helpers, identities and marks; the full suites are slow here


def _learner_edits(exercises: Path) -> None:
    """What a learner does: correct code in every stub, and gru.py using a helper of their own."""
    for name in EXERCISE_FILES:
        shutil.copyfile(REPO / "solutions" / name, exercises / name)
    gru = (exercises / "gru.py").read_text(encoding="utf-8")
    assert "from .gates import gate" in gru
    (exercises / "gru.py").write_text(gru.replace("from .gates import gate", "from ._utils import gate"),
                                      encoding="utf-8")
    (exercises / "_utils.py").write_text("from exercises.gates import gate  # a learner's own helper\n",
                                         encoding="utf-8")
    (exercises / "scratch.py").write_text("print('not imported by anything')\n", encoding="utf-8")


def _batch(runner: CliRunner, submissions: Path, out: Path, *extra: str):
    args = ["batch", str(submissions), "--out", str(out), "--seed", "3", "--reports", "json", "--quiet", "--workers", "1",
            *[f"--exercise={e}" for e in EXERCISES], *extra]
    return runner.invoke(main, args)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    runner = CliRunner()
    handout = root / "handout"
    made = runner.invoke(main, ["handout", "--out", str(handout), "--seed", "1"])
    assert made.exit_code == 0, made.output
    _learner_edits(handout / "exercises")
    downloads = root / "downloads"
    packed = {}
    for learner in ("ada_lovelace", "jgarcia"):
        out = root / f"submission-{learner}.zip"
        submitted = runner.invoke(main, ["submit", "--dir", str(handout / "exercises"), "--learner", learner,
                                         "--out", str(out)])
        assert submitted.exit_code == 0, submitted.output
        packed[learner] = (out, submitted.output)
    canvas = downloads / "lovelaceada_LATE_12345_67890_submission-ada_lovelace.zip"
    moodle = downloads / "José García_4242_assignsubmission_file_" / "submission-jgarcia.zip"
    for source, target in ((packed["ada_lovelace"][0], canvas), (packed["jgarcia"][0], moodle)):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    with zipfile.ZipFile(downloads / "li_lei.zip", "w") as zf:  # zipped by hand, __init__.py and all
        for path in sorted((handout / "exercises").glob("*.py")):
            zf.write(path, f"exercises/{path.name}")
    for i, path in enumerate(sorted((handout / "exercises").glob("*.py"))):  # Canvas: one file per upload
        shutil.copyfile(path, downloads / f"hoppergrace_LATE_222_{900 + i}_{path.name}")
    roster = root / "roster.csv"
    roster.write_text("learner,name\nada_lovelace,Ada Lovelace\njgarcia,José García\nli_lei,李 雷\n"
                      "grace,\"Hopper, Grace\"\n", encoding="utf-8")
    out = root / "results"
    graded = _batch(runner, downloads, out, "--roster", str(roster))
    return packed, out, graded


def test_submit_packs_the_helper_the_learner_imports_and_says_so(round_trip):
    packed, _, _ = round_trip
    archive, output = packed["ada_lovelace"]
    names = zipfile.ZipFile(archive).namelist()
    assert "_utils.py" in names and "scratch.py" not in names and "__init__.py" not in names
    assert "_utils.py  (helper, imported by gru.py)" in output
    assert "Not packed (no exercise file imports them): scratch.py" in output


def test_every_learner_gets_full_marks_under_their_own_identity(round_trip):
    _, out, graded = round_trip
    assert graded.exit_code == 0, graded.output
    for learner in ("ada_lovelace", "jgarcia", "li_lei", "grace"):
        result = json.loads((out / learner / "result.json").read_text(encoding="utf-8"))
        assert result["score"] == result["max_score"] > 0, (learner, [c["message"] for c in result["checks"]
                                                                     if c["status"] != "passed"])
    canvas = list(csv.DictReader(open(out / "canvas-grades.csv", encoding="utf-8")))
    assert {row["Student"] for row in canvas[1:]} == {"Ada Lovelace", "José García", "李 雷", "Hopper, Grace"}
    assert next(row for row in canvas if row["Student"] == "Ada Lovelace")["ID"] == "12345"
    assert next(row for row in canvas if row["Student"] == "Hopper, Grace")["ID"] == "222"
    moodle = list(csv.DictReader(open(out / "moodle-grades.csv", encoding="utf-8")))
    assert next(row for row in moodle if row["ID number"] == "jgarcia")["Identifier"] == "Participant 4242"


def test_a_missing_exercise_file_is_named_as_missing(tmp_path):
    learner = tmp_path / "subs" / "ada"
    learner.mkdir(parents=True)
    shutil.copyfile(REPO / "solutions" / "gates.py", learner / "gates.py")
    graded = _batch(CliRunner(), tmp_path / "subs", tmp_path / "out")
    result = json.loads((tmp_path / "out" / "ada" / "result.json").read_text(encoding="utf-8"))
    messages = {c["message"] for c in result["checks"] if c["exercise"] == "gru"}
    assert messages and all("gru.py is missing" in m for m in messages), messages
    assert not any("ModuleNotFoundError" in m for m in messages)
    assert graded.exit_code == 0, graded.output  # graded (with zero for gru), so nothing is "not graded"


def test_exit_codes_say_whether_everyone_was_graded(tmp_path):
    runner = CliRunner()
    subs = tmp_path / "subs"
    (subs / "empty").mkdir(parents=True)
    shutil.copytree(REPO / "samples" / "class" / "ada_lovelace", subs / "ada")
    some = _batch(runner, subs, tmp_path / "out")
    assert some.exit_code == 1 and "empty" in some.output and "not graded 1" in some.output
    assert "2 entries: graded 1, reused 0, not graded 1" in some.output
    mistaken = _batch(runner, subs / "ada", tmp_path / "out2")
    assert mistaken.exit_code == 2 and "one learner's folder" in mistaken.output


def test_a_learner_id_named_like_a_class_output_cannot_take_its_place(tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(REPO / "samples" / "class" / "ada_lovelace", subs / "index.html")
    shutil.copytree(REPO / "samples" / "class" / "ada_lovelace", subs / "grades.csv")
    graded = _batch(CliRunner(), subs, tmp_path / "out")
    assert graded.exit_code == 0, graded.output
    out = tmp_path / "out"
    assert (out / "index.html").is_file() and (out / "grades.csv").is_file()
    assert (out / "learner+index.html" / "result.json").is_file()
    rows = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert {r["learner"] for r in rows} == {"index.html", "grades.csv"}


def _committed(out: Path) -> int:
    """Submissions with an attempt in the gradebook (0 while there is none, or no gradebook yet)."""
    try:
        with sqlite3.connect(f"file:{out / 'gradebook.sqlite'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(DISTINCT submission_id) FROM attempts").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_ctrl_c_stops_the_batch_promptly_and_keeps_what_was_committed(tmp_path):
    subs = tmp_path / "subs"
    for i in range(40):
        shutil.copytree(REPO / "samples" / "class" / "ada_lovelace", subs / f"learner{i:02d}")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out),
                                "--seed", "1", "--reports", "json", "--quiet", "--workers", "2"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not _committed(out) and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read().decode()
            time.sleep(0.2)
        assert _committed(out), "nothing was graded in time"
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole process group
        stopped = time.monotonic()
        process.wait(timeout=30)
        took = time.monotonic() - stopped
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    output = process.stdout.read().decode()
    assert process.returncode == 130, output
    assert took < 5, f"took {took:.1f} s to stop"  # a deadline, not a speed target: it used to wait for every task
    assert 0 < _committed(out) < 40
    assert (out / "grades.csv").is_file() and "Interrupted" in output
    assert "40 entries: " in output and "not reached" in output  # the counts add up to what was there


def test_the_readme_walkthrough_works_as_written(tmp_path):
    """The commands of README.md's hand-in walkthrough, run one by one as a shell would, in a scratch
    folder that sees the repository's solutions/ and samples/ (so nothing is written into the repository)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### A hand-in round trip, step by step", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[0].startswith("grade handout") and commands[-1].startswith("grade batch")
    for name in ("solutions", "samples"):
        (tmp_path / name).symlink_to(REPO / name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command in commands:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    result = json.loads((tmp_path / "results" / "ada_lovelace" / "result.json").read_text(encoding="utf-8"))
    assert result["score"] == result["max_score"] > 0
    canvas = list(csv.DictReader(open(tmp_path / "results" / "canvas-grades.csv", encoding="utf-8")))
    ada = next(row for row in canvas if row["Student"] == "Lovelace, Ada")
    assert ada["ID"] == "12345" and ada["SIS User ID"] == "ada_lovelace" and ada["Section"] == "Section 1"
