"""Grade a whole class: find the submissions, grade each, write per-learner reports and a summary.

A submission is a sub-folder of the submissions folder (``SUBMISSIONS/alice/gru.py``) or a
``.zip`` archive made by ``grade submit`` (``SUBMISSIONS/alice.zip``). One learner's broken folder
or archive never stops the batch: it is recorded as a failure with its reason.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from grader.archive import ArchiveError, extract_submission
from grader.catalog import EXERCISE_FILES
from grader.engine import grade_submission
from grader.model import SubmissionResult
from grader.report.render import write_class_summary, write_learner_reports
from grader.sandbox.client import ForkServer
from grader.suites import Check

LEARNER_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Submission:
    """One learner's submission on disk: a folder, or an archive to vet and extract first."""

    learner: str
    path: Path

    @property
    def is_archive(self) -> bool:
        return self.path.suffix == ".zip"


@dataclass
class BatchOutcome:
    results: list[SubmissionResult] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # learner -> why it could not be graded


def discover(submissions_dir: Path) -> tuple[list[Submission], dict[str, str]]:
    """Submissions under ``submissions_dir``, plus entries skipped with the reason."""
    found, skipped = [], {}
    for entry in sorted(submissions_dir.iterdir()):
        learner = entry.name.removesuffix(".zip") if entry.is_file() else entry.name
        if entry.name.startswith(".") or entry.name.lower().startswith("readme"):
            continue
        if entry.is_symlink():
            skipped[entry.name] = "is a symbolic link; submissions must be real folders or archives"
        elif not (entry.is_dir() or entry.suffix == ".zip"):
            skipped[entry.name] = "is neither a folder nor a .zip archive made by `grade submit`"
        elif not LEARNER_ID.match(learner):
            skipped[entry.name] = "is not a usable learner id (letters, digits, '_', '.', '-'; at most 64)"
        elif entry.is_dir() and not any((entry / name).exists() for name in EXERCISE_FILES):
            skipped[learner] = f"holds none of the exercise files ({', '.join(EXERCISE_FILES)})"
        else:
            found.append(Submission(learner, entry))
    duplicates = {s.learner for s in found if sum(t.learner == s.learner for t in found) > 1}
    for learner in duplicates:
        skipped[learner] = "has both a folder and an archive; keep one"
    return [s for s in found if s.learner not in duplicates], skipped


@contextmanager
def opened(submission: Submission) -> Iterator[Path]:
    """The folder to grade: the submission itself, or a private extraction of its archive."""
    if not submission.is_archive:
        yield submission.path
        return
    scratch = Path(tempfile.mkdtemp(prefix="extract-"))
    try:
        extracted = extract_submission(submission.path, scratch)
        if extracted.learner != submission.learner:
            raise ArchiveError("learner_mismatch", f"the archive's manifest names learner "
                               f"{extracted.learner!r}, but the file is named {submission.path.name}")
        yield extracted.path
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade_one(submission: Submission, checks: list[Check], sandbox: ForkServer, seed: int) -> SubmissionResult:
    with opened(submission) as folder:
        return grade_submission(folder, submission.learner, checks, sandbox=sandbox, seed=seed)


def run_batch(submissions_dir: Path, out_dir: Path, checks: list[Check], *, seed: int,
              on_done: Callable[[Submission, SubmissionResult | None], None] | None = None) -> BatchOutcome:
    """Grade every submission in turn, writing ``out_dir/<learner>/`` reports and the class summary."""
    submissions, skipped = discover(submissions_dir)
    outcome = BatchOutcome(failures=dict(skipped))
    with ForkServer() as sandbox:
        for submission in submissions:
            try:
                result = grade_one(submission, checks, sandbox, seed)
            except ArchiveError as exc:
                outcome.failures[submission.learner] = str(exc)
                result = None
            if result is not None:
                write_learner_reports(result, out_dir / submission.learner)
                outcome.results.append(result)
            if on_done:
                on_done(submission, result)
    write_class_summary(outcome.results, out_dir, outcome.failures)
    return outcome
