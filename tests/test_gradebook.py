"""The gradebook: resume reuses unchanged submissions and regrades changed ones, a killed batch loses
nothing it committed, and a file that is not our gradebook is refused without being touched."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.batch import BatchOptions, run_batch
from grader.gradebook import APPLICATION_ID, Gradebook, GradebookError
from grader.suites import select_checks

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "class"
CHECKS = select_checks(["gates", "vanilla"])
OPTIONS = dict(workers=1, pool="thread", reports="json", class_outputs=False)


def _class(root: Path, learners=("ada_lovelace", "ben_okafor", "chen_wei")) -> Path:
    folder = root / "submissions"
    for learner in learners:
        shutil.copytree(SAMPLES / learner, folder / learner)
    return folder


def _attempts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT s.learner, COUNT(*) FROM attempts a JOIN submissions s "
                                  "ON s.id = a.submission_id GROUP BY s.learner").fetchall()
    return dict(rows)


def test_rerun_reuses_unchanged_and_regrades_changed(tmp_path):
    submissions, out = _class(tmp_path), tmp_path / "out"
    first = run_batch(submissions, out, CHECKS, seed=11, options=BatchOptions(**OPTIONS))
    assert first.graded == ["ada_lovelace", "ben_okafor", "chen_wei"] and first.reused == []

    # chen fixes the naive sigmoid; nobody else changes anything
    (submissions / "chen_wei" / "gates.py").write_text((SAMPLES / "ada_lovelace" / "gates.py").read_text())
    second = run_batch(submissions, out, CHECKS, options=BatchOptions(**OPTIONS))  # seed from the gradebook
    assert second.batch_seed == 11
    assert second.graded == ["chen_wei"]
    assert second.reused == ["ada_lovelace", "ben_okafor"]
    assert _attempts(out / "gradebook.sqlite") == {"ada_lovelace": 1, "ben_okafor": 1, "chen_wei": 2}
    scores = {r.learner: r.score for r in second.results}
    assert scores["chen_wei"] > {r.learner: r.score for r in first.results}["chen_wei"]
    with Gradebook(out / "gradebook.sqlite") as book:
        latest, rejected = book.latest()
    assert {r.learner: r.score for r in latest} == scores and rejected == {}
    # the reused results are the stored ones, check for check
    old = {r.learner: r for r in first.results}
    for result in second.results:
        if result.learner != "chen_wei":
            assert [c.to_dict() for c in result.checks] == [c.to_dict() for c in old[result.learner].checks]


def test_new_seed_regrades_everything(tmp_path):
    submissions, out = _class(tmp_path, ("ada_lovelace",)), tmp_path / "out"
    run_batch(submissions, out, CHECKS, seed=1, options=BatchOptions(**OPTIONS))
    again = run_batch(submissions, out, CHECKS, seed=2, options=BatchOptions(**OPTIONS))
    assert again.graded == ["ada_lovelace"] and again.reused == []


def test_killed_batch_keeps_what_it_committed_and_resumes(tmp_path):
    submissions = tmp_path / "submissions"
    for i in range(24):
        shutil.copytree(SAMPLES / "ada_lovelace", submissions / f"learner{i:02d}")
    out = tmp_path / "out"
    db = out / "gradebook.sqlite"
    command = [str(REPO / ".venv" / "bin" / "grade"), "batch", str(submissions), "--out", str(out), "--seed", "3",
               "--workers", "1", "--pool", "thread", "--reports", "json", "--quiet"]
    if not Path(command[0]).exists():
        command[0:1] = [sys.executable, "-c", "from grader.cli import main; main()"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        if db.exists():
            try:
                committed = sum(_attempts(db).values())
            except sqlite3.OperationalError:
                continue
            if committed >= 3:
                break
    assert process.poll() is None, "the batch finished before it could be killed; make it longer"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = _attempts(db)
    assert 3 <= sum(before.values()) < 24

    resumed = run_batch(submissions, out, select_checks(), options=BatchOptions(**OPTIONS))
    assert set(resumed.reused) == set(before)  # every committed submission survived the kill
    assert len(resumed.graded) == 24 - len(before)
    assert _attempts(db) == {f"learner{i:02d}": 1 for i in range(24)}  # nothing graded twice
    assert len(resumed.results) == 24 and all(r.score == r.max_score for r in resumed.results)


def test_garbage_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    path.write_bytes(b"this is not a database at all\n" * 200)
    before = path.read_bytes()
    with pytest.raises(GradebookError, match="not a gradebook"):
        Gradebook(path)
    assert path.read_bytes() == before


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices VALUES (1, 9.5)")
    before = path.read_bytes()
    with pytest.raises(GradebookError, match="another program"):
        Gradebook(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("change, error", [
    ("PRAGMA user_version = 99", "newer grader"),
    ("DROP TABLE check_results", "damaged.*check_results"),
])
def test_newer_or_damaged_gradebook_is_refused(tmp_path, change, error):
    path = tmp_path / "book.sqlite"
    Gradebook(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute(change)
    with pytest.raises(GradebookError, match=error):
        Gradebook(path)


def test_new_gradebook_is_marked_and_uses_wal(tmp_path):
    path = tmp_path / "new.sqlite"
    Gradebook(path).close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cli_reports_a_corrupt_gradebook_clearly(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    submissions = _class(tmp_path, ("ada_lovelace",))
    bad = tmp_path / "book.sqlite"
    bad.write_bytes(b"\x00garbage" * 100)
    result = CliRunner().invoke(main, ["batch", str(submissions), "--out", str(tmp_path / "out"),
                                       "--gradebook", str(bad), "--quiet"])
    assert result.exit_code != 0
    assert "not a gradebook" in result.output and "--gradebook" in result.output
