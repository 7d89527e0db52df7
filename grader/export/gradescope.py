"""Gradescope's ``results.json``, exactly in the shape its autograder specification asks for.

Top level: ``score`` (a number), ``execution_time`` (seconds, a number), ``output`` (text for the
whole submission), ``output_format`` and ``tests``. Each test: ``name``, ``score``, ``max_score``,
``status`` (``"passed"`` / ``"failed"``), ``output``, ``visibility`` (``"visible"``,
``"hidden"``, ``"after_due_date"`` or ``"after_published"``), plus ``number`` and ``tags``.

Hidden checks keep their values hidden: their output is the judge's message, which for hidden
checks names shapes, counts and the seed but never an expected value, and ``details`` (where
locations and curves live) is never exported.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from grader.model import CheckResult, SubmissionResult

GradescopeVisibility = Literal["visible", "hidden", "after_due_date", "after_published"]
VISIBILITIES: tuple[str, ...] = ("visible", "hidden", "after_due_date", "after_published")


def test_entry(check: CheckResult, number: str, hidden_visibility: GradescopeVisibility) -> dict[str, Any]:
    """One Gradescope test for one check."""
    lines = []
    if check.status != "passed":
        lines.append(check.message)
        if check.hint:
            lines.append(f"Hint: {check.hint}")
    if check.visibility == "hidden":
        lines.append(f"(hidden check, seed {check.seed}; values are not shown)")
    return {
        "name": check.check_id,
        "number": number,
        "score": float(check.score),
        "max_score": float(check.max_score),
        "status": "passed" if check.status == "passed" else "failed",
        "output": "\n".join(line for line in lines if line),
        "output_format": "text",
        "tags": [check.exercise],
        "visibility": "visible" if check.visibility == "public" else hidden_visibility,
    }


def results_json(result: SubmissionResult, *, execution_time: float | None = None,
                 hidden_visibility: GradescopeVisibility = "after_published") -> dict[str, Any]:
    """The ``results.json`` document for one graded submission."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {hidden_visibility!r}; use one of {', '.join(VISIBILITIES)}")
    groups = {exercise: i for i, exercise in enumerate(dict.fromkeys(c.exercise for c in result.checks), 1)}
    numbers: dict[str, int] = {}
    tests = []
    for check in result.checks:
        numbers[check.exercise] = numbers.get(check.exercise, 0) + 1
        tests.append(test_entry(check, f"{groups[check.exercise]}.{numbers[check.exercise]}", hidden_visibility))
    summary = [f"Score {result.score:g} / {result.max_score:g} (seed {result.seed}, grader {result.grader_version})."]
    return {
        "score": float(result.score),
        "execution_time": round(float(result.duration_s if execution_time is None else execution_time), 3),
        "output": "\n".join(summary + result.notes),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def failure_json(reason: str, execution_time: float = 0.0) -> dict[str, Any]:
    """``results.json`` for a submission that could not be graded at all (score 0, the reason shown)."""
    return {"score": 0.0, "execution_time": round(float(execution_time), 3),
            "output": f"Your submission could not be graded: {reason}", "output_format": "text", "tests": []}


def write_results_json(document: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False), encoding="utf-8")
    return path
