"""A submission as bytes a worker can grade without sharing the client's filesystem.

What travels is what the worker would have read from disk, in a form it vets exactly as it vets a
file found there (``grader.boundary`` writes it back as ``<learner>.zip`` or ``<learner>.ipynb``):

- an archive submission (``alice.zip``, made by ``grade submit`` or by hand) travels as it is,
  vetted on the worker;
- a notebook (``alice.ipynb``, or a folder's only notebook) travels as it is, read on the worker
  from its tagged cells (so the notes about its cells are the same as in a local batch);
- a folder travels as its graded files (``grader.intake.graded_files``: the top-level ``.py``
  files the sandbox would copy from it, regular files only, capped) in an uncompressed zip, and the
  worker grades them as that same folder (``unpack_folder``). Nothing is parsed or packed here:
  the client, which also hosts a local cluster's scheduler, stays light.

Every read is of a regular file only, size-capped, never waiting on a FIFO.
"""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Literal

from grader.archive import DEFAULT_LIMITS
from grader.archive.extract import read_archive
from grader.files import FileRefused, read_regular_file
from grader.intake import Submission, graded_files
from grader.notebook.cells import read_notebook_file
from grader.sandbox.client import MAX_SUBMISSION_FILE_BYTES, MAX_SUBMISSION_FILES

PayloadKind = Literal["zip", "ipynb", "folder"]


def submission_payload(learner: str, path: Path) -> tuple[bytes, PayloadKind]:
    """The bytes of ``learner``'s submission at ``path`` and how the worker is to read them.

    Raises ``ArchiveError`` (with the reason a local batch would give) when the submission cannot be
    read: an archive that is not a regular file or too large."""
    submission = Submission(learner, path)
    if submission.notebook is not None:
        return read_notebook_file(submission.notebook), "ipynb"
    if submission.is_archive:
        try:
            return read_regular_file(path, DEFAULT_LIMITS.max_archive_bytes, follow_symlinks=True), "zip"
        except (FileRefused, OSError):
            read_archive(path)  # raises the ArchiveError that says why, as on a local worker
            raise
    return pack_folder(graded_files(path)), "folder"


def pack_folder(files: dict[str, bytes]) -> bytes:
    """``files`` (name → bytes) as an uncompressed zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


class BadFolderPayload(ValueError):
    """A folder payload that ``pack_folder`` did not make (a grader fault, never the learner's)."""


def unpack_folder(payload: bytes, folder: Path) -> None:
    """Write the files of a ``pack_folder`` payload into the empty ``folder``; ``BadFolderPayload``
    for anything else: not a zip, a name that is not a plain ``.py`` file name, a repeated name, more
    files or larger ones than a folder's graded files may be, contents that fail their CRC."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            entries = archive.infolist()
            names = [entry.filename for entry in entries]
            if len(entries) > MAX_SUBMISSION_FILES or len(set(names)) != len(names):
                raise BadFolderPayload(f"{len(entries)} entries, {len(set(names))} names")
            for entry in entries:
                name = entry.filename
                if (os.path.basename(name) != name or not name.endswith(".py") or name.startswith(".")
                        or "\0" in name or entry.file_size > MAX_SUBMISSION_FILE_BYTES):
                    raise BadFolderPayload(f"entry {name[:80]!r} of {entry.file_size} bytes")
                data = archive.read(entry)
                fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, OSError, RuntimeError) as exc:
        raise BadFolderPayload(f"not a folder payload: {exc}") from None
