"""Grades as CSV, one row per learner, ready for a spreadsheet or an LMS grade import.

Columns: ``learner``, ``score``, ``max_score``, ``percent``, one ``<exercise>`` column per exercise
(points earned there), then ``status`` (``graded`` / ``not graded``), ``graded_at``, ``seed`` and
``reason`` (why a learner could not be graded). Written with the standard ``csv`` module, which
quotes commas, quotes and newlines in learner-facing text correctly, through ``safe_csv`` so that
no learner-made text (an id, a reason quoting a file name) becomes a spreadsheet formula.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

from grader.catalog import EXERCISES
from grader.export.safe_csv import writer as csv_writer
from grader.model import SubmissionResult

FIXED_COLUMNS = ("learner", "score", "max_score", "percent")
TRAILING_COLUMNS = ("status", "graded_at", "seed", "reason")


def exercise_columns(results: list[SubmissionResult]) -> list[str]:
    """The exercises any result has checks for, in catalogue order (exams add their own at the end)."""
    seen = {c.exercise for r in results for c in r.checks}
    return [e for e in EXERCISES if e in seen] + sorted(seen - set(EXERCISES))


def render_csv(results: Iterable[SubmissionResult], failures: dict[str, str] | None = None) -> str:
    results = sorted(results, key=lambda r: r.learner)
    exercises = exercise_columns(results)
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([*FIXED_COLUMNS, *exercises, *TRAILING_COLUMNS])
    for r in results:
        groups = r.by_exercise()
        percent = round(100 * r.score / r.max_score, 2) if r.max_score else 0.0
        per_exercise = [f"{sum(c.score for c in groups[e]):g}" if e in groups else "" for e in exercises]
        writer.writerow([r.learner, f"{r.score:g}", f"{r.max_score:g}", f"{percent:g}", *per_exercise,
                         "graded", r.graded_at, "" if r.seed is None else r.seed, ""])
    for learner, why in sorted((failures or {}).items()):
        writer.writerow([learner, "", "", "", *[""] * len(exercises), "not graded", "", "", why])
    return buffer.getvalue()


def write_csv(results: Iterable[SubmissionResult], path: Path, failures: dict[str, str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_csv(results, failures), encoding="utf-8")
    return path
