"""The submission manifest: ``MANIFEST.json`` inside every submission archive.

It records who submitted, when, with which grader version, and the SHA-256 and size of every
file, so the grader can tell a complete, untouched submission from a tampered one. The files are
the catalogue's exercise files plus the learner's own helper modules that they import (any
``NAME.py`` with ``NAME`` a Python identifier, ``__init__.py`` excepted), at most
``MAX_FILES`` in all.

Schema (``format`` 1)::

    {
      "format": 1,
      "learner": "ada_lovelace",
      "created": "2024-05-01T12:00:00Z",
      "grader_version": "0.1.0",
      "files": [{"name": "gru.py", "sha256": "<64 hex>", "size": 1234}, ...]
    }
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import grader
from grader.catalog import EXERCISE_FILES
from grader.names import LEARNER_ID_RULE, is_safe_learner_id

from .errors import ArchiveError

MANIFEST_NAME = "MANIFEST.json"
MANIFEST_FORMAT = 1
#: A manifest larger than this is not one we wrote.
MAX_MANIFEST_BYTES = 64 * 1024

#: The most files one submission holds (the sandbox copies no more than this).
MAX_FILES = 32
_MODULE_FILE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\.py")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_KEYS = {"format", "learner", "created", "grader_version", "files"}
_FILE_KEYS = {"name", "sha256", "size"}

_REMAKE = "re-create the archive with `grade submit` and do not edit it afterwards"


def is_module_file(name: object) -> bool:
    """True for a file name a submission may hold: ``NAME.py`` with ``NAME`` an identifier, not ``__init__``."""
    return isinstance(name, str) and _MODULE_FILE_RE.fullmatch(name) is not None and name != "__init__.py"


def file_order(names) -> list[str]:
    """Exercise files in catalogue order, then the helper modules by name."""
    return [n for n in EXERCISE_FILES if n in names] + sorted(n for n in names if n not in EXERCISE_FILES)


def check_learner_id(learner: object) -> str:
    """Return ``learner`` if it is a safe slug, else raise ArchiveError(code="learner")."""
    if not is_safe_learner_id(learner):
        raise ArchiveError(
            "learner",
            f"invalid learner id {learner!r}: use {LEARNER_ID_RULE}",
        )
    return learner  # type: ignore[return-value]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _utc_now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_manifest(learner: str, files: Mapping[str, bytes]) -> dict[str, Any]:
    """Build a manifest for ``files`` (archive name -> exact bytes that go into the archive).

    Names must be exercise files or helper modules (``is_module_file``); they are listed with
    the exercise files first, in catalogue order.
    """
    check_learner_id(learner)
    unknown = sorted(name for name in files if not is_module_file(name))
    if unknown:
        raise ArchiveError(
            "unknown_file",
            f"not Python modules: {', '.join(map(ascii, unknown))}; a submission holds the exercise "
            f"files ({', '.join(EXERCISE_FILES)}) and the modules they import",
        )
    if len(files) > MAX_FILES:
        raise ArchiveError("too_many_files", f"{len(files)} files, more than the {MAX_FILES} a submission may hold")
    return {
        "format": MANIFEST_FORMAT,
        "learner": learner,
        "created": _utc_now_iso(),
        "grader_version": grader.__version__,
        "files": [
            {"name": name, "sha256": sha256_hex(files[name]), "size": len(files[name])}
            for name in file_order(files)
        ],
    }


def dump_manifest(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _schema_error(what: str) -> ArchiveError:
    return ArchiveError("manifest_schema", f"{MANIFEST_NAME} is invalid: {what}; {_REMAKE}")


def parse_manifest(raw: bytes | str) -> dict[str, Any]:
    """Decode and schema-check manifest text; raise ArchiveError naming the problem."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_MANIFEST_BYTES:
            raise ArchiveError(
                "manifest_malformed",
                f"{MANIFEST_NAME} is {len(raw)} bytes, over the {MAX_MANIFEST_BYTES}-byte limit; "
                f"{_REMAKE}",
            )
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ArchiveError(
                "manifest_malformed", f"{MANIFEST_NAME} is not UTF-8 text; {_REMAKE}"
            ) from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ArchiveError(
            "manifest_malformed", f"{MANIFEST_NAME} is not valid JSON ({exc}); {_REMAKE}"
        ) from None
    return validate_manifest(data)


def validate_manifest(data: object) -> dict[str, Any]:
    """Check a decoded manifest against the schema and return it."""
    if not isinstance(data, dict):
        raise _schema_error("the top level must be a JSON object")
    missing = sorted(_KEYS - set(data))
    if missing:
        raise _schema_error(f"missing field(s) {', '.join(missing)}")
    extra = sorted(set(data) - _KEYS)
    if extra:
        raise _schema_error(f"unexpected field(s) {', '.join(map(str, extra))}")
    if data["format"] != MANIFEST_FORMAT or isinstance(data["format"], bool):
        raise _schema_error(
            f"format is {data['format']!r}, this grader reads format {MANIFEST_FORMAT}"
        )
    if not is_safe_learner_id(data["learner"]):
        raise _schema_error(
            f"learner {data['learner']!r} is not a safe id "
            f"({LEARNER_ID_RULE})"
        )
    created = data["created"]
    if not isinstance(created, str) or not created.endswith("Z"):
        raise _schema_error(f"created {created!r} is not a UTC ISO-8601 time ending in 'Z'")
    try:
        datetime.fromisoformat(created[:-1] + "+00:00")
    except ValueError:
        raise _schema_error(f"created {created!r} is not a UTC ISO-8601 time") from None
    if not isinstance(data["grader_version"], str) or not data["grader_version"]:
        raise _schema_error("grader_version must be a non-empty string")
    files = data["files"]
    if not isinstance(files, list) or not files:
        raise _schema_error("files must be a non-empty list")
    if len(files) > MAX_FILES:
        raise _schema_error(f"files lists {len(files)} files, more than {MAX_FILES}")
    seen: set[str] = set()
    for i, entry in enumerate(files):
        if not isinstance(entry, dict) or set(entry) != _FILE_KEYS:
            raise _schema_error(f"files[{i}] must be an object with exactly name, sha256, size")
        name, digest, size = entry["name"], entry["sha256"], entry["size"]
        if not is_module_file(name):
            raise _schema_error(
                f"files[{i}] names {ascii(name)}, which is not an exercise file "
                f"({', '.join(EXERCISE_FILES)}) or a Python module NAME.py"
            )
        if name in seen:
            raise _schema_error(f"{name} is listed twice")
        seen.add(name)
        if not isinstance(digest, str) or not _SHA256_RE.fullmatch(digest):
            raise _schema_error(f"sha256 of {name} is not 64 lowercase hex digits")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _schema_error(f"size of {name} is not a non-negative integer")
    return data


def _read_regular(path: Path, limit: int) -> bytes | None:
    """Read a regular file without following symlinks; None if it is anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read(limit + 1)


def verify_manifest(
    manifest: Mapping[str, Any] | bytes | str | None, extracted_dir: str | os.PathLike[str]
) -> dict[str, Any]:
    """Check ``extracted_dir`` against ``manifest`` and return the validated manifest.

    ``manifest`` may be a decoded dict, raw JSON text, or None to read
    ``extracted_dir/MANIFEST.json``. Raises ArchiveError for: a missing manifest, malformed JSON,
    schema errors, a listed file that is absent, a file present but not listed, and a size or
    SHA-256 mismatch (tampering).
    """
    root = Path(extracted_dir)
    if manifest is None:
        raw = _read_regular(root / MANIFEST_NAME, MAX_MANIFEST_BYTES)
        if raw is None:
            raise ArchiveError(
                "manifest_missing",
                f"the submission has no {MANIFEST_NAME}, so its files cannot be checked; "
                "pack it with `grade submit` instead of zipping the folder by hand",
            )
        data = parse_manifest(raw)
    elif isinstance(manifest, (bytes, str)):
        data = parse_manifest(manifest)
    else:
        data = validate_manifest(dict(manifest))

    listed = {entry["name"]: entry for entry in data["files"]}
    present = sorted(p.name for p in root.iterdir() if p.name != MANIFEST_NAME)
    extra = [name for name in present if name not in listed]
    if extra:
        raise ArchiveError(
            "unlisted_file",
            f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} in the submission but not "
            f"in {MANIFEST_NAME}; {_REMAKE}",
        )
    for name, entry in listed.items():
        content = _read_regular(root / name, entry["size"])
        if content is None:
            raise ArchiveError(
                "missing_file",
                f"{name} is listed in {MANIFEST_NAME} but is not in the submission; {_REMAKE}",
            )
        if len(content) != entry["size"] or sha256_hex(content) != entry["sha256"]:
            raise ArchiveError(
                "tampered",
                f"{name} does not match its SHA-256/size in {MANIFEST_NAME}: the file was changed "
                f"after packing (tampered or damaged); {_REMAKE}",
            )
    return data
