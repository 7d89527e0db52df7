"""Scoring answer sheets against a key, one sheet at a time (one answer at a time: :mod:`.scoring`).

Answers come from answer sheets, read entry by entry as text by :mod:`.sheet`. An answer that cannot
be read costs that answer only (status ``error``, with the reason); a sheet that cannot be read at
all is a :class:`~.sheet.SheetError`, which the caller records as *not graded* for that learner.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from .. import __version__
from ..model import CheckResult, SubmissionResult
from .blueprint import Paper
from .scoring import (  # noqa: F401 - re-exported: one answer's scoring lives in .scoring
    NUMBER, AnswerError, Outcome, _number, key_formula, score_answer,
)
from .sheet import MAX_SHEET_BYTES, Sheet, SheetError, Unreadable, read_sheet  # noqa: F401 - re-exported
from .variant import KIND_LABELS


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return str(value)


def grade_answers(paper: Paper, answers: dict[str, Any]) -> SubmissionResult:
    """Grade a mapping ``{label: answer}`` against ``paper``; labels not on the paper are ignored."""
    start = time.perf_counter()
    checks: list[CheckResult] = []
    for q in paper.questions:
        v = q.variant
        out = score_answer(v, answers.get(q.label), q.partial_credit)
        score = round(q.points * out.fraction, 6)
        points = f"{round(score, 2):g}/{q.points:g} point{'s' if q.points != 1 else ''}"
        message = f"{q.label} ({KIND_LABELS[v.kind]}, {points}): {out.message}"
        if out.misconception:
            message += f" Likely cause: {out.misconception}"
        if out.status != "passed" and v.explanation:
            message += f" {v.explanation}"
        checks.append(CheckResult(
            exercise="exam", function=v.qid, name=f"{q.label} {KIND_LABELS[v.kind]}",
            score=score, max_score=q.points, status=out.status,  # type: ignore[arg-type]
            message=message, visibility="public", seed=paper.seed,
            hint=v.hint if out.status != "passed" else "",
            details={"label": q.label, "section": q.section, "topic": v.topic, "kind": v.kind,
                     "answer": _jsonable(out.given), "expected": v.answer_text(),
                     "misconception": out.misconception, "paper_id": paper.paper_id},
        ))
    return SubmissionResult(
        learner=paper.learner.id, checks=checks, seed=paper.seed,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        duration_s=round(time.perf_counter() - start, 4), grader_version=__version__,
        notes=[f"Exam: {paper.exam} (paper {paper.paper_id})"],
    )


def check_sheet_against_paper(sheet: Sheet, paper: Paper) -> list[str]:
    """Raise :class:`SheetError` if the sheet is for another paper; return notes on stray labels."""
    if sheet.paper_id is not None and sheet.paper_id != paper.paper_id:
        raise SheetError(f"{sheet.path.name} belongs to paper {sheet.paper_id}, but {paper.learner.id}'s "
                         f"paper is {paper.paper_id} (a sheet from another exam or seed?)")
    labels = {q.label for q in paper.questions}
    unknown = sorted(set(sheet.answers) - labels, key=lambda s: (len(s), s))
    if unknown:
        return [f"Ignored answers to {', '.join(unknown)}: this paper has "
                f"{paper.questions[0].label} to {paper.questions[-1].label}."]
    return []
