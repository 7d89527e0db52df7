"""The class's grades in the shapes LMS imports and CI systems read, with learner-made text made harmless.

Canvas's gradebook import (Student, ID, SIS User ID, SIS Login ID, Section, one column per
assignment, a Points Possible row), Moodle's grading worksheet columns, JUnit XML with every learner
and real times, and OWASP's CSV-injection rule in every CSV written.
"""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from grader.export.csv_grades import render_csv
from grader.export.junit import render_junit
from grader.export.lms import CANVAS_COLUMNS, MOODLE_COLUMNS, render_canvas, render_moodle
from grader.export.safe_csv import safe_cell
from grader.intake import Identity, RosterEntry
from grader.model import CheckResult, SubmissionResult


def _result(learner: str, score: float, duration: float = 1.5) -> SubmissionResult:
    checks = [CheckResult("gru", "gru_cell", "one step", score, 2.0, "passed" if score == 2 else "failed"),
              CheckResult("gates", "sigmoid", "stable", 1.0, 1.0, "passed")]
    return SubmissionResult(learner, checks, seed=3, graded_at="2024-05-01T12:00:00Z", duration_s=duration)


IDENTITIES = {
    "s1001": Identity("s1001", "García, José", "roster", "garciajose_555_9_x.zip", "canvas", "555",
                      roster=RosterEntry("s1001", "García, José", canvas_id="555", sis_user_id="s1001",
                                         sis_login_id="jgarcia", section="Sec A")),
    "u42": Identity("u42", "李 雷", "name", "李 雷_4242_assignsubmission_file_", "moodle", "4242"),
}


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_canvas_csv_has_the_columns_and_points_possible_row_canvas_imports():
    rows = _rows(render_canvas([_result("s1001", 2), _result("u42", 1)], {"mallory": "tampered"}, IDENTITIES,
                               assignment="Deep RNN exercises"))
    assert rows[0] == [*CANVAS_COLUMNS, "Deep RNN exercises"]
    assert rows[1][0] == "Points Possible" and rows[1][-1] == "3"
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["García, José"] == ["García, José", "555", "s1001", "jgarcia", "Sec A", "3"]
    assert by_name["李 雷"][1] == "" and by_name["李 雷"][-1] == "2"  # a Moodle learner has no Canvas ID
    assert by_name["mallory"][-1] == ""  # not graded: an import leaves the grade alone


def test_moodle_csv_has_the_grading_worksheet_columns():
    rows = _rows(render_moodle([_result("u42", 1)], {"bob": "no exercise files"}, IDENTITIES))
    assert rows[0] == list(MOODLE_COLUMNS)
    li = next(r for r in rows if r[3] == "u42")
    assert li[0] == "Participant 4242" and li[1] == "李 雷" and li[4] == "2" and li[5] == "3"
    bob = next(r for r in rows if r[3] == "bob")
    assert bob[4] == "" and "no exercise files" in bob[6]


def test_every_csv_neutralises_formula_cells():
    evil = {"=HYPERLINK(\"http://x\",\"y\")": "+cmd", "@SUM(1)": "-2+3", "\tx": "\rz"}
    for text in (render_csv([_result("-1+1", 2)], evil), render_canvas([_result("-1+1", 2)], evil),
                 render_moodle([_result("-1+1", 2)], evil)):
        for row in _rows(text)[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (cell, text)
    assert safe_cell("=1") == "'=1" and safe_cell(-1.0) == -1.0 and safe_cell("ada") == "ada"


def test_junit_lists_every_learner_with_real_times():
    root = ET.fromstring(render_junit([_result("ada", 2, duration=3.0)], failures={"bob": "gru.py is missing",
                                                                                   "x\x1b[31m": "<script>"}))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"ada", "bob", "x\x1b[31m".replace("\x1b", "\ufffd")}
    assert float(suites["ada"].get("time")) == 3.0
    assert [float(t.get("time")) for t in suites["ada"].iter("testcase")] == [1.5, 1.5]
    error = suites["bob"].find("testcase/error")
    assert error.get("type") == "not_graded" and "gru.py is missing" in error.get("message")
    assert root.get("tests") == "4" and root.get("errors") == "2"
