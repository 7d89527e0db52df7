"""Safe extraction of untrusted submission archives.

Every archive is treated as hostile. The whole archive is checked and decompressed into memory
under hard limits *before* anything touches the disk; only then is a fresh private directory
(``mkdtemp``, mode 0700) created under ``dest_parent`` and the vetted files written into it.
On any failure that directory is removed again, so a rejected archive leaves nothing behind.

Checks, in order: archive file size; is it a zip at all; entry count; for each entry its name
(UTF-8, no control characters, no backslashes or drive letters, not absolute, no ``..``, no
folders), type (regular files only: no symlinks, directories or devices), encryption,
compression method, catalogue membership and duplicates; then streamed decompression with byte
counters (per file, in total, and compression ratio) that do not trust the sizes in the headers;
CRC errors; and finally the manifest (present, valid, matching every file's SHA-256 and size).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.catalog import EXERCISE_FILES
from grader.files import FileRefused, read_regular_file

from .errors import ArchiveError
from .manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    parse_manifest,
    sha256_hex,
    verify_manifest,
)

_REMAKE = "re-create the archive with `grade submit` and submit that file unchanged"
_ALLOWED_NAMES = frozenset(EXERCISE_FILES) | {MANIFEST_NAME}
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """Hard limits for one archive. Defaults fit eight exercise files with a wide margin."""

    max_archive_bytes: int = 8 * 1024 * 1024   # size of the .zip on disk
    max_entries: int = 64                      # entries in the central directory
    max_file_bytes: int = 1024 * 1024          # uncompressed bytes of any one entry
    max_total_bytes: int = 8 * 1024 * 1024     # uncompressed bytes of all entries together
    max_ratio: int = 100                       # uncompressed / compressed, per entry ...
    ratio_floor_bytes: int = 64 * 1024         # ... enforced once an entry exceeds this size


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class ExtractedSubmission:
    """A vetted submission: ``path`` is a private 0700 directory holding the exercise files
    and ``MANIFEST.json``. The caller owns ``path`` and removes it when done."""

    path: Path
    learner: str
    manifest: dict[str, Any]

    @property
    def files(self) -> list[Path]:
        return [self.path / entry["name"] for entry in self.manifest["files"]]


def _reject(code: str, message: str) -> ArchiveError:
    return ArchiveError(code, message)


def _check_name(info: zipfile.ZipInfo) -> str:
    raw = info.orig_filename
    shown = ascii(raw)
    if not (info.flag_bits & _UTF8_FLAG) and not raw.isascii():
        raise _reject(
            "non_utf8_name",
            f"entry {shown} has a name that is not marked as UTF-8 (zip flag bit 11 unset with "
            f"non-ASCII bytes); exercise file names are plain ASCII, {_REMAKE}",
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in raw) or raw != info.filename:
        raise _reject(
            "bad_name",
            f"entry {shown} has control characters in its name; {_REMAKE}",
        )
    if "\\" in raw:
        raise _reject(
            "backslash",
            f"entry {shown} uses backslashes (Windows path separators) in its name; {_REMAKE}",
        )
    if _DRIVE_RE.match(raw):
        raise _reject(
            "drive_letter",
            f"entry {shown} starts with a drive letter; {_REMAKE}",
        )
    if raw.startswith("/"):
        raise _reject(
            "absolute_path",
            f"entry {shown} is an absolute path; archive entries must be bare file names, "
            f"{_REMAKE}",
        )
    if ".." in raw.split("/"):
        raise _reject(
            "traversal",
            f"entry {shown} contains '..' and would be written outside the extraction folder "
            f"(path traversal); {_REMAKE}",
        )
    if "/" in raw:
        raise _reject(
            "nested",
            f"entry {shown} is inside a folder; a submission holds its files at the top level "
            f"with no folders, {_REMAKE}",
        )
    return raw


def _check_type(info: zipfile.ZipInfo, name: str) -> None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise _reject(
            "symlink",
            f"entry {ascii(name)} is a symbolic link; only regular files are accepted, "
            f"copy the real file into your exercises folder and {_REMAKE}",
        )
    if kind not in (0, stat.S_IFREG) or info.is_dir():
        raise _reject(
            "not_regular",
            f"entry {ascii(name)} is not a regular file (mode {mode:o}); {_REMAKE}",
        )
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise _reject("encrypted", f"entry {ascii(name)} is encrypted; {_REMAKE} without a password")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _reject(
            "compression",
            f"entry {ascii(name)} uses compression method {info.compress_type}; only stored and "
            f"deflate are accepted, {_REMAKE}",
        )


def _read_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits, total_so_far: int
) -> bytes:
    """Decompress one entry, counting real output bytes; header sizes are not trusted."""
    name = info.filename
    cap = MAX_MANIFEST_BYTES if name == MANIFEST_NAME else limits.max_file_bytes
    if info.file_size > cap:  # cheap early refusal; the counters below are what enforce it
        raise _too_big(name, cap)
    chunks: list[bytes] = []
    produced = 0
    compressed = max(info.compress_size, 1)
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            produced += len(chunk)
            if produced > cap:
                raise _too_big(name, cap)
            if total_so_far + produced > limits.max_total_bytes:
                raise _reject(
                    "too_large_total",
                    f"the archive expands to more than {limits.max_total_bytes} bytes in total "
                    f"(zip bomb?); exercise files are small text files, {_REMAKE}",
                )
            if produced > limits.ratio_floor_bytes and produced > limits.max_ratio * compressed:
                raise _reject(
                    "ratio",
                    f"entry {ascii(name)} compresses more than {limits.max_ratio}:1 (zip bomb?); "
                    f"{_REMAKE}",
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _too_big(name: str, cap: int) -> ArchiveError:
    return _reject(
        "too_large_file",
        f"entry {ascii(name)} expands to more than {cap} bytes (zip bomb?); "
        f"exercise files are small text files, {_REMAKE}",
    )


def read_submission(
    archive_path: str | os.PathLike[str], limits: ArchiveLimits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Vet ``archive_path`` entirely in memory; return (manifest, {name: bytes}).

    The returned contents include ``MANIFEST.json`` itself, byte for byte.

    Nothing is written anywhere. Raises ArchiveError for every problem listed in the module
    docstring, including a missing or tampered manifest.
    """
    path = Path(archive_path)
    try:  # never blocks (a FIFO named bob.zip), never reads more than the cap
        data = read_regular_file(path, limits.max_archive_bytes, follow_symlinks=True)
    except FileRefused as exc:
        if exc.code == "too_large":
            raise _reject(
                "too_large_archive",
                f"archive is over the {limits.max_archive_bytes}-byte limit; "
                f"submit only the exercise files, {_REMAKE}",
            ) from None
        raise _reject("unreadable", f"{str(path)!r} is not a regular file; give the .zip file") from None
    except OSError as exc:
        raise _reject(
            "unreadable", f"cannot read archive {str(path)!r}: {exc.strerror}; check the path"
        ) from None
    contents: dict[str, bytes] = {}
    fh = io.BytesIO(data)
    try:
        zf = zipfile.ZipFile(fh)
    except Exception as exc:  # noqa: BLE001 - whatever the zip reader raises on hostile bytes
        code = "non_utf8_name" if isinstance(exc, UnicodeDecodeError) else "not_zip"
        what = (
            "has an entry name marked UTF-8 that is not valid UTF-8"
            if code == "non_utf8_name"
            else f"is not a zip archive, or is truncated or corrupt ({str(exc)[:200]})"
        )
        raise _reject(
            code, f"{path.name} {what}; {_REMAKE}, and upload it again if it was cut short"
        ) from None
    try:
        with fh, zf:
            infos = zf.infolist()
            if len(infos) > limits.max_entries:
                raise _reject(
                    "too_many_entries",
                    f"archive has {len(infos)} entries, more than the limit of "
                    f"{limits.max_entries}; {_REMAKE}",
                )
            names: list[str] = []
            for info in infos:
                name = _check_name(info)
                _check_type(info, name)
                if name not in _ALLOWED_NAMES:
                    raise _reject(
                        "unknown_file",
                        f"entry {ascii(name)} is not an exercise file; a submission may hold only "
                        f"{', '.join(EXERCISE_FILES)} and {MANIFEST_NAME}, {_REMAKE}",
                    )
                if name in names:
                    raise _reject(
                        "duplicate",
                        f"entry {name!r} appears more than once in the archive; {_REMAKE}",
                    )
                names.append(name)
            if MANIFEST_NAME not in names:
                raise _reject(
                    "manifest_missing",
                    f"the archive has no {MANIFEST_NAME}, so its files cannot be checked; "
                    "pack it with `grade submit` instead of zipping the folder by hand",
                )
            total = 0
            for info in infos:
                data = _read_entry(zf, info, limits, total)
                total += len(data)
                contents[info.filename] = data
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
        raise _reject(
            "corrupt",
            f"{path.name} is not a valid zip archive or is damaged ({exc}); "
            f"{_REMAKE}, and upload it again if it was truncated in transit",
        ) from None
    except Exception as exc:  # noqa: BLE001 - e.g. NotImplementedError; whatever hostile bytes raise
        raise _reject("corrupt", f"{path.name} cannot be read ({str(exc)[:200]}); {_REMAKE}") from None

    manifest = parse_manifest(contents[MANIFEST_NAME])
    _check_contents(manifest, {k: v for k, v in contents.items() if k != MANIFEST_NAME})
    return manifest, contents


def _check_contents(manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
    """The in-memory twin of verify_manifest, so tampering is caught before any write."""
    listed = {entry["name"]: entry for entry in manifest["files"]}
    extra = sorted(set(contents) - set(listed))
    if extra:
        raise _reject(
            "unlisted_file",
            f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} in the archive but not in "
            f"{MANIFEST_NAME}; {_REMAKE}",
        )
    for name, entry in listed.items():
        if name not in contents:
            raise _reject(
                "missing_file",
                f"{name} is listed in {MANIFEST_NAME} but is not in the archive; {_REMAKE}",
            )
        data = contents[name]
        if len(data) != entry["size"] or sha256_hex(data) != entry["sha256"]:
            raise _reject(
                "tampered",
                f"{name} does not match its SHA-256/size in {MANIFEST_NAME}: the file was changed "
                f"after packing (tampered or damaged); {_REMAKE}",
            )


def _write_new(directory: Path, name: str, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(directory / name, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def extract_submission(
    archive_path: str | os.PathLike[str],
    dest_parent: str | os.PathLike[str],
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> ExtractedSubmission:
    """Vet ``archive_path`` and extract it into a new private directory under ``dest_parent``.

    Raises ArchiveError (with ``code`` and a message saying what is wrong and what to do) and
    leaves nothing behind if the archive is rejected.
    """
    parent = Path(dest_parent)
    if not parent.is_dir():
        raise _reject("dest", f"destination {str(parent)!r} is not an existing directory")
    manifest, contents = read_submission(archive_path, limits)
    workdir = Path(tempfile.mkdtemp(prefix=f"submission-{manifest['learner']}-", dir=parent))
    try:
        os.chmod(workdir, 0o700)
        for name, data in contents.items():
            # Names were checked against the catalogue; keep that promise explicit here too.
            if name not in _ALLOWED_NAMES or "/" in name or os.sep in name:
                raise _reject("unknown_file", f"refusing to write entry {ascii(name)}")
            _write_new(workdir, name, data)
        verified = verify_manifest(None, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return ExtractedSubmission(path=workdir, learner=verified["learner"], manifest=verified)
