"""Packing a learner's exercise files, and the helper modules they import, into a submission archive."""
from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.catalog import EXERCISE_FILES

from .errors import ArchiveError
from .extract import DEFAULT_LIMITS, ArchiveLimits, read_submission
from .local_imports import local_imports
from .manifest import MANIFEST_NAME, MAX_FILES, build_manifest, check_learner_id, dump_manifest


@dataclass(frozen=True)
class PackResult:
    """What ``pack_submission`` wrote. Path-like (``os.fspath(result)`` is the archive path)."""

    path: Path
    manifest: dict[str, Any]
    missing: list[str] = field(default_factory=list)  # exercise files not in the folder
    helpers: dict[str, list[str]] = field(default_factory=dict)  # helper packed -> the files importing it
    unresolved: dict[str, list[str]] = field(default_factory=dict)  # NAME.py imported but absent -> importers
    unreadable: dict[str, str] = field(default_factory=dict)  # file whose imports could not be read -> why
    left_out: list[str] = field(default_factory=list)  # other .py files of the folder, imported by none

    def __fspath__(self) -> str:
        return str(self.path)


def _zip_info(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3  # unix, so the mode bits above are meaningful
    return info


def _read_exercise(path: Path, limits: ArchiveLimits) -> bytes:
    with open(path, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise ArchiveError("not_regular", f"{path} is not a regular file; it cannot be submitted")
        data = fh.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise ArchiveError(
            "too_large_file",
            f"{path} is larger than {limits.max_file_bytes} bytes; exercise files are small text "
            "files, remove large data from it before submitting",
        )
    return data


def pack_submission(
    source_dir: str | os.PathLike[str],
    learner: str,
    out_path: str | os.PathLike[str],
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> PackResult:
    """Zip the catalogue exercise files found in ``source_dir``, the helper modules of that folder
    they import (found statically, see ``local_imports``) and ``MANIFEST.json``.

    Exercise files come first, in catalogue order; absent ones are reported in ``result.missing``
    (not an error), and so are imports of the package that name no file (``result.unresolved``). The archive is written atomically and re-read with the
    same checks the grader applies, so anything this returns will be accepted by
    ``extract_submission``. Raises ArchiveError for a bad learner id, a missing folder or a
    folder with no exercise files at all.
    """
    check_learner_id(learner)
    src = Path(source_dir)
    if not src.is_dir():
        raise ArchiveError(
            "no_source", f"exercise folder {str(src)!r} does not exist; pass --dir with its path"
        )
    files: dict[str, bytes] = {}
    missing: list[str] = []
    for name in EXERCISE_FILES:
        path = src / name
        if path.exists():
            files[name] = _read_exercise(path, limits)
        else:
            missing.append(name)
    found = local_imports(src, list(files), MAX_FILES)
    if len(files) + len(found.helpers) > MAX_FILES:
        raise ArchiveError("too_many_files", f"your exercise files import {len(found.helpers)} helper modules; "
                           f"a submission holds at most {MAX_FILES} files in all")
    for name in found.helpers:
        files[name] = _read_exercise(src / name, limits)
    if not files:
        raise ArchiveError(
            "no_files",
            f"no exercise files found in {str(src)!r} (looked for {', '.join(EXERCISE_FILES)}); "
            "pass --dir with the folder that holds them",
        )
    manifest = build_manifest(learner, files)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as zf:
            zf.writestr(_zip_info(MANIFEST_NAME, now), dump_manifest(manifest))
            for name, data in files.items():
                zf.writestr(_zip_info(name, now), data)
        read_submission(tmp_name, limits)  # what we hand over must pass the grader's checks
        os.replace(tmp_name, out)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    left_out = sorted(p.name for p in src.glob("*.py") if p.name not in files and p.name != "__init__.py")
    return PackResult(path=out, manifest=manifest, missing=missing, helpers=found.helpers,
                      unresolved=found.missing, unreadable=found.unreadable, left_out=left_out)
