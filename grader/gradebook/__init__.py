"""The SQLite gradebook: submissions, attempts and per-check results of every batch run."""
from __future__ import annotations

from grader.gradebook.schema import APPLICATION_ID, SCHEMA_VERSION, GradebookError
from grader.gradebook.store import Gradebook, GradingKey, StoredAttempt, misconception_id

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "Gradebook", "GradebookError", "GradingKey", "StoredAttempt",
           "misconception_id"]
