"""Open a gradebook file safely: our own SQLite file, or a new one, never somebody else's.

A gradebook is marked with ``PRAGMA application_id`` (the bytes ``RNNG``) and ``PRAGMA
user_version`` (the schema version). Opening checks both, and the tables, before anything is
written: a file that is not SQLite, a SQLite file of another program, or a gradebook of a newer
grader raises ``GradebookError`` with what to do, instead of being silently overwritten.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

APPLICATION_ID = 0x524E4E47  # "RNNG"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE submissions (
    id           INTEGER PRIMARY KEY,
    learner      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source       TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    UNIQUE (learner, content_hash)
);
CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    submission_id  INTEGER NOT NULL REFERENCES submissions(id),
    batch_seed     INTEGER NOT NULL,
    seed           INTEGER,
    grader_version TEXT NOT NULL,
    suite_hash     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('graded', 'rejected', 'grader_error')),
    reason         TEXT NOT NULL DEFAULT '',
    graded_at      TEXT NOT NULL,
    duration_s     REAL NOT NULL DEFAULT 0,
    score          REAL,
    max_score      REAL,
    sandbox        TEXT NOT NULL DEFAULT '{}',
    notes          TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX attempts_by_submission ON attempts (submission_id, batch_seed, grader_version, suite_hash);
CREATE TABLE check_results (
    attempt_id    INTEGER NOT NULL REFERENCES attempts(id),
    position      INTEGER NOT NULL,
    exercise      TEXT NOT NULL,
    function      TEXT NOT NULL,
    name          TEXT NOT NULL,
    score         REAL NOT NULL,
    max_score     REAL NOT NULL,
    status        TEXT NOT NULL,
    visibility    TEXT NOT NULL,
    seed          INTEGER,
    misconception TEXT,
    message       TEXT NOT NULL,
    hint          TEXT NOT NULL,
    details       TEXT NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
"""

EXPECTED_TABLES = {"meta", "submissions", "attempts", "check_results"}


class GradebookError(RuntimeError):
    """The gradebook file cannot be used; the message says why and what to do (instructor-facing)."""


def connect(path: Path) -> sqlite3.Connection:
    """An open, validated gradebook connection (WAL mode); a missing or empty file becomes a new one."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise GradebookError(f"{path} is not a file; give --gradebook the path of a gradebook file")
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        _validate_or_create(connection, path)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise GradebookError(f"{path} is not a gradebook (the file is not a readable SQLite database: "
                             f"{exc}). Move it away or choose another file with --gradebook.") from exc
    except GradebookError:
        connection.close()
        raise
    return connection


def _validate_or_create(connection: sqlite3.Connection, path: Path) -> None:
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if application_id == 0 and version == 0 and not tables:
        _create(connection)
        return
    if application_id != APPLICATION_ID:
        raise GradebookError(f"{path} is a SQLite database of another program (application_id "
                             f"{application_id:#x}, not {APPLICATION_ID:#x}); it was left untouched. "
                             "Choose another file with --gradebook.")
    if version > SCHEMA_VERSION:
        raise GradebookError(f"{path} was written by a newer grader (schema {version}; this grader "
                             f"reads up to {SCHEMA_VERSION}); upgrade the grader to use it.")
    if version != SCHEMA_VERSION or not EXPECTED_TABLES <= tables:
        missing = ", ".join(sorted(EXPECTED_TABLES - tables)) or "none"
        raise GradebookError(f"{path} is a damaged gradebook (schema {version}, missing tables: {missing}); "
                             "it was left untouched. Restore it from a backup or start a new one.")


def _create(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
