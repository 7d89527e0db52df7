"""Grades in the shapes LMS grade imports read: a Canvas gradebook CSV and a Moodle grade CSV.

``canvas-grades.csv`` follows Canvas's gradebook export/import: the columns ``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment (here one, named by
``--assignment``), and a second row ``Points Possible`` with the assignment's points. Canvas finds
each learner by ``ID`` (the Canvas user ID, read from Canvas's file names or the roster), else by
``SIS User ID`` / ``SIS Login ID`` (from the roster). Give the Canvas gradebook export itself as
``--roster`` and every row carries the IDs Canvas matches on.

``moodle-grades.csv`` has the columns of Moodle's offline grading worksheet: ``Identifier``
("Participant 123", from Moodle's folder names or the roster's ``Identifier``), ``Full name``,
``Email address``, ``ID number``, ``Grade``, ``Maximum grade`` and ``Feedback comments``. Upload it
to the assignment ("Upload grading worksheet"), or import it in the gradebook ("Import → CSV
file") mapping ``ID number`` or ``Email address`` to the user and ``Grade`` to the grade item.

A learner who could not be graded has an empty grade (so an import changes nothing for them) and,
for Moodle, the reason as feedback. Every text cell passes ``safe_csv`` (no formula cells).
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

from grader.export.safe_csv import writer
from grader.model import SubmissionResult

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "ID number", "Grade", "Maximum grade",
                  "Feedback comments")


def _people(results: list[SubmissionResult], failures: dict[str, str], identities: dict) -> list[tuple]:
    """(learner, identity or None, result or None, reason) for everyone, by learner id."""
    rows = [(r.learner, identities.get(r.learner), r, "") for r in results]
    rows += [(learner, identities.get(learner), None, why) for learner, why in failures.items()]
    return sorted(rows, key=lambda row: row[0])


def _roster_field(identity, name: str) -> str:
    return getattr(identity.roster, name) if identity is not None and identity.roster is not None else ""


def _lms_key(identity, roster_field: str, lms: str) -> str:
    """The LMS's own id of the learner: from the roster, else from that LMS's file or folder name."""
    return _roster_field(identity, roster_field) or (
        identity.lms_user_id if identity is not None and identity.lms == lms else "")


def render_canvas(results: Iterable[SubmissionResult], failures: dict[str, str] | None = None,
                  identities: dict | None = None, assignment: str = "Deep RNN exercises") -> str:
    results = list(results)
    points = max((r.max_score for r in results), default=0.0)
    buffer = io.StringIO()
    out = writer(buffer)
    out.writerow([*CANVAS_COLUMNS, assignment])
    out.writerow(["Points Possible", "", "", "", "", f"{points:g}"])
    for learner, identity, result, _ in _people(results, failures or {}, identities or {}):
        canvas_id = _lms_key(identity, "canvas_id", "canvas")
        out.writerow([identity.display_name if identity else learner, canvas_id,
                      _roster_field(identity, "sis_user_id"), _roster_field(identity, "sis_login_id"),
                      _roster_field(identity, "section"), "" if result is None else f"{result.score:g}"])
    return buffer.getvalue()


def render_moodle(results: Iterable[SubmissionResult], failures: dict[str, str] | None = None,
                  identities: dict | None = None) -> str:
    buffer = io.StringIO()
    out = writer(buffer)
    out.writerow(MOODLE_COLUMNS)
    for learner, identity, result, why in _people(list(results), failures or {}, identities or {}):
        participant = _lms_key(identity, "participant", "moodle")
        feedback = (f"{result.score:g} of {result.max_score:g} points; see your report for each check"
                    if result is not None else f"Not graded: {why}")
        out.writerow([f"Participant {participant}" if participant else "",
                      identity.display_name if identity else learner, _roster_field(identity, "email"), learner,
                      "" if result is None else f"{result.score:g}",
                      "" if result is None else f"{result.max_score:g}", feedback])
    return buffer.getvalue()


def write_canvas(results: list[SubmissionResult], path: Path, failures: dict[str, str], identities: dict,
                 assignment: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_canvas(results, failures, identities, assignment), encoding="utf-8")
    return path


def write_moodle(results: list[SubmissionResult], path: Path, failures: dict[str, str], identities: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_moodle(results, failures, identities), encoding="utf-8")
    return path
