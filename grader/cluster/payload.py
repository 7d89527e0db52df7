"""A submission as bytes a worker can grade without sharing the client's filesystem.

What travels is what the worker would have read from disk, in a form it vets exactly as it vets a
file found there (``grader.boundary`` writes it back as ``<learner>.zip`` or ``<learner>.ipynb``):

- an archive submission (``alice.zip``, made by ``grade submit`` or by hand) travels as it is,
  vetted on the worker;
- a notebook (``alice.ipynb``, or a folder's only notebook) travels as it is, read on the worker
  from its tagged cells (so the notes about its cells are the same as in a local batch);
- a folder of exercise files is packed by ``pack_submission``, as ``grade submit`` packs a
  learner's folder: only the catalogue files travel (other ``.py`` files beside them stay behind).

Every read is of a regular file only, size-capped, never waiting on a FIFO.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from grader.archive import DEFAULT_LIMITS, ArchiveError, pack_submission
from grader.archive.extract import read_archive
from grader.files import FileRefused, read_regular_file
from grader.intake import Submission
from grader.notebook.cells import read_notebook_file

PayloadKind = Literal["zip", "ipynb"]


def submission_payload(learner: str, path: Path) -> tuple[bytes, PayloadKind]:
    """The bytes of ``learner``'s submission at ``path`` and how the worker is to read them.

    Raises ``ArchiveError`` (with the reason a local batch would give) when the submission cannot be
    read or packed: an archive that is not a regular file or too large, a folder with a file that
    cannot be submitted."""
    submission = Submission(learner, path)
    if submission.notebook is not None:
        return read_notebook_file(submission.notebook), "ipynb"
    if submission.is_archive:
        try:
            return read_regular_file(path, DEFAULT_LIMITS.max_archive_bytes, follow_symlinks=True), "zip"
        except (FileRefused, OSError):
            read_archive(path)  # raises the ArchiveError that says why, as on a local worker
            raise
    with tempfile.TemporaryDirectory(prefix="payload-") as scratch:
        packed = pack_submission(path, learner, Path(scratch) / f"{learner}.zip")
        return packed.path.read_bytes(), "zip"
