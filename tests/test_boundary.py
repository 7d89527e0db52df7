"""The per-submission fault boundary: whatever one submission does, the class is graded and written.

Every case runs the real engine through the real sandbox (a real fork-server), real archives,
real SQLite and real files.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from conftest import SOLUTIONS
from learner_code import NAN_STACKED
from grader.archive import pack_submission
from grader.batch import BatchOptions, BatchOutcome, _commit, run_batch, write_class_outputs
from grader.boundary import GRADER_ERROR, Task, grade_task
from grader.cli import main
from grader.gradebook import Gradebook, GradingKey
from grader.model import CheckResult, SubmissionResult
from grader.pool import TaskOutcome
from grader.suites import select_checks

STACKED = select_checks(["stacked"])
STACKED_IDS = tuple(c.check_id for c in STACKED)
CLASS_OUTPUTS = ("index.html", "summary.md", "dashboard.html", "grades.csv", "junit.xml")


def strict_json(text: str):
    """Parse ``text`` as standard JSON: NaN and Infinity are not JSON, so they fail here."""
    def refuse(token):
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=refuse)


def _class(tmp_path: Path, make_submission, extra: dict[str, dict[str, str]]) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for learner in ("honest_a", "honest_b"):
        shutil.move(make_submission(), folder / learner)
    for learner, files in extra.items():
        shutil.move(make_submission(files), folder / learner)
    return folder


def test_a_nan_in_the_diagnosis_is_recorded_and_the_class_is_written(tmp_path, make_submission):
    submissions = _class(tmp_path, make_submission, {"nan_learner": {"stacked.py": NAN_STACKED}})
    out = tmp_path / "out"
    outcome = run_batch(submissions, out, STACKED, seed=4, options=BatchOptions(workers=1, pool="thread"))

    assert outcome.failures == {}
    assert sorted(outcome.graded) == ["honest_a", "honest_b", "nan_learner"]
    for name in CLASS_OUTPUTS:
        assert (out / name).is_file(), name
    scores = {r.learner: (r.score, r.max_score) for r in outcome.results}
    assert scores["honest_a"][0] == scores["honest_a"][1] > 0
    assert scores["nan_learner"][0] < scores["nan_learner"][1]

    data = strict_json((out / "nan_learner" / "result.json").read_text(encoding="utf-8"))
    curves = [c["details"]["error_over_time"] for c in data["checks"] if "error_over_time" in c["details"]]
    assert curves and any("NaN" in values for curve in curves for values in curve.values())
    with Gradebook(out / "gradebook.sqlite") as book:
        results, rejected = book.latest()
    assert rejected == {} and {r.learner for r in results} == {"honest_a", "honest_b", "nan_learner"}
    stored = next(r for r in results if r.learner == "nan_learner")
    assert any("error_over_time" in c.details for c in stored.checks)
    # the stored result renders again (a re-run reuses it and rewrites its reports)
    again = run_batch(submissions, out, STACKED, seed=4, options=BatchOptions(workers=1, pool="thread"))
    assert sorted(again.reused) == ["honest_a", "honest_b", "nan_learner"] and again.failures == {}


def test_a_payload_is_graded_like_the_archive_on_disk(tmp_path, sandbox):
    archive = pack_submission(SOLUTIONS, "ada", tmp_path / "ada.zip")
    gru = tuple(c.check_id for c in select_checks(["gru"]))
    from_disk = grade_task(Task("ada", str(archive.path), 3, gru), sandbox)
    from_bytes = grade_task(Task("ada", "", 3, gru, payload=archive.path.read_bytes()), sandbox)
    assert not from_bytes.crashed and not from_bytes.rejected
    assert from_bytes.result["score"] == from_bytes.result["max_score"] == from_disk.result["score"] > 0
    assert [c["status"] for c in from_bytes.result["checks"]] == [c["status"] for c in from_disk.result["checks"]]


def test_a_payload_is_vetted_like_an_archive(tmp_path, sandbox):
    archive = pack_submission(SOLUTIONS, "ada", tmp_path / "ada.zip")
    gru = tuple(c.check_id for c in select_checks(["gru"]))
    someone_else = grade_task(Task("bob", "", 3, gru, payload=archive.path.read_bytes()), sandbox)
    assert someone_else.result is None and "manifest names learner 'ada'" in someone_else.rejected
    garbage = grade_task(Task("ada", "", 3, gru, payload=b"PK\x03\x04 not a zip"), sandbox)
    assert garbage.result is None and "not a zip archive" in garbage.rejected and not garbage.crashed


def test_a_result_that_cannot_be_stored_is_a_grader_error_and_the_next_one_is_stored(tmp_path):
    good = SubmissionResult("good", [CheckResult("gru", "gru_cell", "one step", 2.0, 2.0, "passed")])
    broken = good.to_dict() | {"learner": "broken"}
    broken["checks"] = [dict(broken["checks"][0], score=float("nan"))]
    outcome = BatchOutcome()
    with Gradebook(tmp_path / "book.sqlite") as book:
        for learner, data in (("broken", broken), ("good", good.to_dict())):
            key = GradingKey(learner, f"hash-{learner}", 1, "v", "s")
            _commit(book, key, learner, TaskOutcome(learner, result=data), outcome)
        results, not_graded = book.latest()
    assert [r.learner for r in outcome.results] == ["good"]
    assert outcome.failures["broken"].startswith(GRADER_ERROR) and "not a finite number" in outcome.failures["broken"]
    assert [r.learner for r in results] == ["good"]
    assert not_graded["broken"].startswith(GRADER_ERROR)  # recorded as a grader error: not reused, re-run


def test_one_class_output_that_fails_does_not_stop_the_others(tmp_path):
    good = SubmissionResult("good", [CheckResult("gru", "gru_cell", "one step", 2.0, 2.0, "passed")])
    (tmp_path / "grades.csv").mkdir()  # something in the way of one output
    outcome = BatchOutcome(results=[good])
    written = write_class_outputs(outcome, tmp_path)
    assert set(written) == {"summary", "dashboard", "junit", "canvas", "moodle"}
    assert "not written" in outcome.output_errors["csv"]
    for name in ("index.html", "summary.md", "dashboard.html", "junit.xml"):
        assert "good" in (tmp_path / name).read_text(encoding="utf-8")


def test_a_result_one_output_cannot_render_is_left_out_of_it_only(tmp_path):
    good = SubmissionResult("good", [CheckResult("gru", "gru_cell", "one step", 2.0, 2.0, "passed")])
    odd = SubmissionResult("odd", [CheckResult("gru", "gru_cell", "one step", "two", 2.0, "passed")])
    outcome = BatchOutcome(results=[good, odd])
    written = write_class_outputs(outcome, tmp_path)
    assert set(written) == {"summary", "dashboard", "csv", "junit", "canvas", "moodle"}
    assert "written without odd" in outcome.output_errors["summary"]
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "good" in summary and "odd" not in summary


def test_gradescope_writes_results_and_fails_loudly_when_the_grader_breaks(tmp_path, monkeypatch):
    import grader.cli.gradescope as command

    upload = tmp_path / "upload"
    shutil.copytree(SOLUTIONS, upload, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    results = tmp_path / "results.json"

    def broken_suite(*args, **kwargs):
        raise RuntimeError("the suites could not be loaded")

    monkeypatch.setattr(command, "select_checks", broken_suite)
    outcome = CliRunner().invoke(main, ["gradescope", "--submission", str(upload), "--results", str(results)])
    assert outcome.exit_code == 1
    document = strict_json(results.read_text(encoding="utf-8"))
    assert document["score"] == 0 and GRADER_ERROR in document["output"]
    assert "the suites could not be loaded" in document["output"]


def test_gradescope_grades_a_nan_output_into_a_valid_results_file(tmp_path, make_submission):
    upload = make_submission({"stacked.py": NAN_STACKED})
    results = tmp_path / "results.json"
    outcome = CliRunner().invoke(main, ["gradescope", "--submission", str(upload), "--results", str(results),
                                        "--seed", "2"])
    assert outcome.exit_code == 0, outcome.output
    document = strict_json(results.read_text(encoding="utf-8"))
    stacked = [t for t in document["tests"] if t["tags"] == ["stacked"]]
    assert stacked and any(t["status"] == "failed" for t in stacked)
    assert document["score"] < sum(t["max_score"] for t in document["tests"])


def test_a_broken_grading_step_fails_only_its_learner(tmp_path, make_submission, monkeypatch):
    """A grader bug raised while grading one learner (here: its diagnosis) becomes that learner's
    grader error with the reason; the others are graded and the class outputs written."""
    import grader.diagnose as diagnose

    real = diagnose.diagnose

    def diagnose_but_break_on_one(prepared, groups, checks, **kwargs):
        if any(c.status != "passed" and c.function == "stacked_forward" for c in checks):
            raise RecursionError("maximum recursion depth exceeded")
        return real(prepared, groups, checks, **kwargs)

    monkeypatch.setattr(diagnose, "diagnose", diagnose_but_break_on_one)
    submissions = _class(tmp_path, make_submission, {"nan_learner": {"stacked.py": NAN_STACKED}})
    out = tmp_path / "out"
    outcome = run_batch(submissions, out, STACKED, seed=4, options=BatchOptions(workers=1, pool="thread"))
    assert sorted(outcome.graded) == ["honest_a", "honest_b"]
    assert outcome.failures["nan_learner"].startswith(GRADER_ERROR)
    assert "RecursionError" in outcome.failures["nan_learner"]
    for name in CLASS_OUTPUTS:
        assert (out / name).is_file(), name
    assert "nan_learner" in (out / "summary.md").read_text(encoding="utf-8")
    with Gradebook(out / "gradebook.sqlite") as book:
        _, not_graded = book.latest()
    assert not_graded["nan_learner"].startswith(GRADER_ERROR)


def test_an_exam_sheet_with_non_finite_numbers_is_graded_and_recorded(tmp_path):
    samples = Path(__file__).resolve().parents[1] / "samples" / "exam"
    runner = CliRunner()
    made = runner.invoke(main, ["exam", "generate", "--blueprint", str(samples / "blueprint.yaml"), "--roster",
                                str(samples / "roster.csv"), "--seed", "7", "--out", str(tmp_path / "exams")])
    assert made.exit_code == 0, made.output
    answers = tmp_path / "answers"
    answers.mkdir()
    learners = sorted(p.name for p in (tmp_path / "exams" / "papers").iterdir())[:2]
    for learner in learners:
        sheet = (tmp_path / "exams" / "papers" / learner / "answers.yaml").read_text(encoding="utf-8")
        lines = [line.split(":")[0] + ": .nan" if "numeric" in line else line for line in sheet.splitlines()]
        (answers / f"{learner}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "results"
    graded = runner.invoke(main, ["exam", "grade", str(answers), "--key", str(tmp_path / "exams"), "--out", str(out)])
    assert graded.exit_code == 0, graded.output
    for learner in learners:
        data = strict_json((out / learner / "result.json").read_text(encoding="utf-8"))
        numeric = [c for c in data["checks"] if c["details"].get("kind") == "numeric"]
        assert numeric and all(c["score"] == 0 for c in numeric)
    for name in CLASS_OUTPUTS:
        assert (out / name).is_file(), name
    with Gradebook(out / "gradebook.sqlite") as book:
        results, _ = book.latest()
    assert sorted(r.learner for r in results) == learners


def test_grade_batch_says_which_class_output_it_could_not_write(tmp_path, make_submission):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.move(make_submission(), submissions / "ada")
    out = tmp_path / "out"
    (out / "junit.xml").mkdir(parents=True)  # something in the way
    ran = CliRunner().invoke(main, ["batch", str(submissions), "--out", str(out), "--exercise", "gates",
                                    "--pool", "thread", "--workers", "1", "--quiet"])
    assert ran.exit_code == 0, ran.output
    assert "class output junit: not written: IsADirectoryError" in ran.output
    for name in ("index.html", "summary.md", "dashboard.html", "grades.csv"):
        assert "ada" in (out / name).read_text(encoding="utf-8"), name


def test_a_stored_result_that_cannot_be_read_back_is_graded_again(tmp_path, make_submission):
    import sqlite3

    submissions = _class(tmp_path, make_submission, {})
    out = tmp_path / "out"
    gates = select_checks(["gates"])
    first = run_batch(submissions, out, gates, seed=6, options=BatchOptions(workers=1, pool="thread"))
    assert sorted(first.graded) == ["honest_a", "honest_b"]
    with sqlite3.connect(out / "gradebook.sqlite") as db:  # damage one learner's stored checks
        db.execute("UPDATE check_results SET details = '{not json' WHERE attempt_id IN (SELECT a.id FROM attempts a "
                   "JOIN submissions s ON s.id = a.submission_id WHERE s.learner = 'honest_a')")
    again = run_batch(submissions, out, gates, seed=6, options=BatchOptions(workers=1, pool="thread"))
    assert again.reused == ["honest_b"] and again.graded == ["honest_a"] and again.failures == {}
    assert all(r.score == r.max_score > 0 for r in again.results)


def test_a_folder_payload_is_graded_like_the_folder(tmp_path, sandbox, make_submission):
    from grader.cluster.payload import submission_payload

    buggy = make_submission({"gru.py": (SOLUTIONS / "gru.py").read_text().replace("(1.0 - z) * h_prev + z * h_tilde",
                                                                                 "z * h_prev + (1.0 - z) * h_tilde")})
    (buggy / "notes.txt").write_text("not graded")
    gru = tuple(c.check_id for c in select_checks(["gru"]))
    payload, kind = submission_payload("ada", buggy)
    assert kind == "folder"
    from_disk = grade_task(Task("ada", str(buggy), 3, gru), sandbox)
    from_bytes = grade_task(Task("ada", "", 3, gru, payload=payload, payload_kind=kind), sandbox)
    assert not from_bytes.crashed and not from_bytes.rejected
    assert from_bytes.result["score"] == from_disk.result["score"] < from_disk.result["max_score"]
    assert from_bytes.result["checks"] == from_disk.result["checks"]


def test_a_folder_payload_travels_only_the_graded_files(tmp_path):
    import zipfile
    from io import BytesIO

    from grader.cluster.payload import submission_payload

    folder = tmp_path / "ada"
    folder.mkdir()
    (folder / "gru.py").write_text("x = 1\n")
    (folder / "_helper.py").write_text("y = 2\n")
    (folder / "data.csv").write_text("1,2\n")
    (folder / "linked.py").symlink_to(SOLUTIONS / "gru.py")
    payload, _ = submission_payload("ada", folder)
    assert sorted(zipfile.ZipFile(BytesIO(payload)).namelist()) == ["_helper.py", "gru.py"]
