"""The gradebook: every graded submission, its per-check results and every attempt, in SQLite.

One transaction per graded submission, so a batch that is killed loses at most the submission it
was grading. ``reusable`` answers the resume question: was this exact content already graded
with this batch seed, grader version and suite? Rows are written by one process only (the batch's
main process); workers hand their results back to it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.gradebook.schema import connect
from grader.model import CheckResult, SubmissionResult, json_safe, require_finite_scores

REUSABLE_STATUSES = ("graded", "rejected")


@dataclass(frozen=True)
class GradingKey:
    """What a stored attempt must match to be reused: the content and how it would be graded."""

    learner: str
    content_hash: str
    batch_seed: int
    grader_version: str
    suite_hash: str


@dataclass(frozen=True)
class StoredAttempt:
    """One stored attempt: ``result`` for graded ones, ``reason`` for rejected ones."""

    attempt_id: int
    status: str
    reason: str
    result: SubmissionResult | None


class Gradebook:
    """A gradebook file (see ``schema`` for how a file is vetted before use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = connect(self.path)

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # -- batch-wide settings ------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # -- reading ------------------------------------------------------------------------------

    def reusable(self, key: GradingKey) -> StoredAttempt | None:
        """The latest graded or rejected attempt matching ``key`` exactly, if any."""
        row = self._db.execute(
            "SELECT a.id, a.status, a.reason FROM attempts a JOIN submissions s ON s.id = a.submission_id "
            "WHERE s.learner = ? AND s.content_hash = ? AND a.batch_seed = ? AND a.grader_version = ? "
            f"AND a.suite_hash = ? AND a.status IN {REUSABLE_STATUSES} ORDER BY a.id DESC LIMIT 1",
            (key.learner, key.content_hash, key.batch_seed, key.grader_version, key.suite_hash),
        ).fetchone()
        if row is None:
            return None
        attempt_id, status, reason = row
        return StoredAttempt(attempt_id, status, reason, self.load(attempt_id) if status == "graded" else None)

    def load(self, attempt_id: int) -> SubmissionResult:
        """The ``SubmissionResult`` of one graded attempt, rebuilt from its rows."""
        learner, seed, graded_at, duration, version, sandbox, notes = self._db.execute(
            "SELECT s.learner, a.seed, a.graded_at, a.duration_s, a.grader_version, a.sandbox, a.notes "
            "FROM attempts a JOIN submissions s ON s.id = a.submission_id WHERE a.id = ?", (attempt_id,)).fetchone()
        checks = [
            CheckResult(exercise=r[0], function=r[1], name=r[2], score=r[3], max_score=r[4], status=r[5],
                        visibility=r[6], seed=r[7], message=r[8], hint=r[9], details=json.loads(r[10]))
            for r in self._db.execute(
                "SELECT exercise, function, name, score, max_score, status, visibility, seed, message, hint, "
                "details FROM check_results WHERE attempt_id = ? ORDER BY position", (attempt_id,))
        ]
        return SubmissionResult(learner=learner, checks=checks, seed=seed, graded_at=graded_at,
                                duration_s=duration, grader_version=version,
                                sandbox=json.loads(sandbox), notes=json.loads(notes))

    def latest(self) -> tuple[list[SubmissionResult], dict[str, str]]:
        """Each learner's latest attempt: graded results, and learners whose latest was rejected."""
        results, rejected = [], {}
        rows = self._db.execute(
            "SELECT s.learner, a.id, a.status, a.reason FROM attempts a JOIN submissions s ON s.id = a.submission_id "
            "WHERE a.id IN (SELECT MAX(a2.id) FROM attempts a2 JOIN submissions s2 ON s2.id = a2.submission_id "
            "GROUP BY s2.learner) ORDER BY s.learner").fetchall()
        for learner, attempt_id, status, reason in rows:
            if status == "graded":
                results.append(self.load(attempt_id))
            else:
                rejected[learner] = reason
        return results, rejected

    def attempt_count(self, learner: str | None = None) -> int:
        if learner is None:
            return self._db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM attempts a JOIN submissions s ON s.id = a.submission_id "
                                "WHERE s.learner = ?", (learner,)).fetchone()[0]

    # -- writing ------------------------------------------------------------------------------

    def record(self, key: GradingKey, source: str, result: SubmissionResult | None, *,
               status: str, reason: str = "") -> int:
        """Store one attempt (and its checks) in a single transaction; returns the attempt id.

        JSON columns are written strictly (NaN and infinities as text, see ``model.json_safe``); a
        score that is not a finite number is a grader fault and raises ``ValueError`` before
        anything is written."""
        if result is not None:
            require_finite_scores(result)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("INSERT INTO submissions (learner, content_hash, source, first_seen) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (learner, content_hash) DO NOTHING", (key.learner, key.content_hash, source, now))
            submission_id = db.execute("SELECT id FROM submissions WHERE learner = ? AND content_hash = ?",
                                       (key.learner, key.content_hash)).fetchone()[0]
            cursor = db.execute(
                "INSERT INTO attempts (submission_id, batch_seed, seed, grader_version, suite_hash, status, reason, "
                "graded_at, duration_s, score, max_score, sandbox, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (submission_id, key.batch_seed, result.seed if result else None, key.grader_version, key.suite_hash,
                 status, reason, (result.graded_at if result and result.graded_at else now),
                 result.duration_s if result else 0.0, result.score if result else None,
                 result.max_score if result else None, _strict_json(result.sandbox if result else {}),
                 _strict_json(result.notes if result else [])))
            attempt_id = cursor.lastrowid
            if result is not None:
                db.executemany(
                    "INSERT INTO check_results (attempt_id, position, exercise, function, name, score, max_score, "
                    "status, visibility, seed, misconception, message, hint, details) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(attempt_id, i, c.exercise, c.function, c.name, c.score, c.max_score, c.status, c.visibility,
                      c.seed, misconception_id(c), c.message, c.hint, _strict_json(c.details))
                     for i, c in enumerate(result.checks)])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return attempt_id


def _strict_json(value) -> str:
    return json.dumps(json_safe(value), allow_nan=False)


def misconception_id(check: CheckResult) -> str | None:
    """The id of the misconception a check matched, when the judge recorded one."""
    found = check.details.get("misconception")
    if isinstance(found, dict):
        return str(found["id"]) if found.get("id") else None
    return None
