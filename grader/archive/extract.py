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

Two kinds of archive are read. One made by ``grade submit`` holds ``MANIFEST.json`` at its top
level and is read strictly: only the files its manifest lists (exercise files and helper
modules), nothing else, all at the top level. A zip a learner made by hand (no manifest, e.g. of
their whole ``exercises/`` folder) is read leniently by :func:`read_archive`: its files may sit in
one top-level folder, and folder entries, ``__init__.py``, ``__pycache__``, ``__MACOSX`` and files
other than ``NAME.py`` are left out (and listed as ignored) instead of refused. The same name,
type, size and compression checks apply to both.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.catalog import EXERCISE_FILES
from grader.files import FileRefused, read_regular_file

from .errors import ArchiveError
from .manifest import (
    MANIFEST_NAME,
    MAX_FILES,
    MAX_MANIFEST_BYTES,
    is_module_file,
    parse_manifest,
    sha256_hex,
    verify_manifest,
)

_REMAKE = "re-create the archive with `grade submit` and submit that file unchanged"
_JUNK_FOLDERS = frozenset({"__MACOSX", "__pycache__", ".ipynb_checkpoints"})
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
class ArchiveContents:
    """A vetted archive in memory: its manifest (None for a hand-made zip), its files by bare name
    (``MANIFEST.json`` not among them) and the entries left out of a hand-made zip."""

    manifest: dict[str, Any] | None
    files: dict[str, bytes]
    ignored: list[str] = field(default_factory=list)

    @property
    def learner(self) -> str | None:
        return None if self.manifest is None else str(self.manifest["learner"])


@dataclass(frozen=True)
class ExtractedSubmission:
    """A vetted submission: ``path`` is a private 0700 directory holding its files (and
    ``MANIFEST.json`` when it has one; ``learner`` and ``manifest`` are None for a hand-made zip).
    The caller owns ``path`` and removes it when done."""

    path: Path
    learner: str | None
    manifest: dict[str, Any] | None

    @property
    def files(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if p.name != MANIFEST_NAME)


def _reject(code: str, message: str) -> ArchiveError:
    return ArchiveError(code, message)


def _check_name(info: zipfile.ZipInfo, strict: bool = True) -> str:
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
    if "/" in raw and strict:
        raise _reject(
            "nested",
            f"entry {shown} is inside a folder; a submission holds its files at the top level "
            f"with no folders, {_REMAKE}",
        )
    return raw


def _check_type(info: zipfile.ZipInfo, name: str, strict: bool = True) -> bool:
    """Refuse links, devices, encryption and unknown compression; False for a folder entry that a
    hand-made zip may hold (``strict`` False), which carries no data."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise _reject(
            "symlink",
            f"entry {ascii(name)} is a symbolic link; only regular files are accepted, "
            f"copy the real file into your exercises folder and {_REMAKE}",
        )
    if not strict and info.is_dir() and kind in (0, stat.S_IFDIR) and info.file_size == 0:
        return False
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
    return True


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
    """Vet an archive made by ``grade submit`` entirely in memory; return (manifest, {name: bytes}).

    The returned contents include ``MANIFEST.json`` itself, byte for byte.

    Nothing is written anywhere. Raises ArchiveError for every problem listed in the module
    docstring, including a missing or tampered manifest.
    """
    contents = read_archive(archive_path, limits)
    if contents.manifest is None:
        raise _reject(
            "manifest_missing",
            f"the archive has no {MANIFEST_NAME}, so its files cannot be checked; "
            "pack it with `grade submit` instead of zipping the folder by hand",
        )
    return contents.manifest, {MANIFEST_NAME: contents.files[MANIFEST_NAME], **contents.files}


def read_archive(
    archive_path: str | os.PathLike[str], limits: ArchiveLimits = DEFAULT_LIMITS
) -> ArchiveContents:
    """Vet ``archive_path`` entirely in memory: an archive made by ``grade submit`` (strictly) or
    a zip made by hand (leniently, see the module docstring). Nothing is written anywhere.

    ``files`` of the result holds ``MANIFEST.json`` too when there is one (so its bytes can be
    hashed); ``manifest`` is its validated content. Raises ArchiveError.
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
            strict = any(info.orig_filename == MANIFEST_NAME for info in infos)
            kept, ignored = _select_entries(infos, strict)
            if not strict and not any(name in EXERCISE_FILES for _, name in kept):
                raise _reject(
                    "no_files",
                    f"{path.name} holds none of the exercise files ({', '.join(EXERCISE_FILES)}); "
                    "zip the folder that holds them, or pack it with `grade submit`",
                )
            if len(kept) - strict > MAX_FILES:
                raise _reject("too_many_files", f"{path.name} holds {len(kept) - strict} Python files, "
                              f"more than the {MAX_FILES} a submission may hold")
            total = 0
            for info, name in kept:
                data = _read_entry(zf, info, limits, total)
                total += len(data)
                contents[name] = data
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

    if not strict:
        return ArchiveContents(None, contents, ignored)
    manifest = parse_manifest(contents[MANIFEST_NAME])
    _check_contents(manifest, {k: v for k, v in contents.items() if k != MANIFEST_NAME})
    return ArchiveContents(manifest, contents, ignored)


def _select_entries(infos: list[zipfile.ZipInfo], strict: bool) -> tuple[list[tuple[zipfile.ZipInfo, str]], list[str]]:
    """The entries to read with their bare file names, and the entries left out (lenient only).

    Strict: every entry must be a top-level module file or the manifest. Lenient: folder entries
    and junk are left out, the files may share one top-level folder, which is dropped."""
    kept: list[tuple[zipfile.ZipInfo, str]] = []
    ignored: list[str] = []
    for info in infos:
        name = _check_name(info, strict)
        if not _check_type(info, name, strict):
            ignored.append(name)
            continue
        parts = name.split("/")
        if not strict and (any(p in _JUNK_FOLDERS for p in parts) or not is_module_file(parts[-1])):
            ignored.append(name)
            continue
        if strict and name != MANIFEST_NAME and not is_module_file(name):
            raise _reject(
                "unknown_file",
                f"entry {ascii(name)} is not an exercise file or a Python module; a submission holds "
                f"{', '.join(EXERCISE_FILES)}, the modules they import and {MANIFEST_NAME}, {_REMAKE}",
            )
        kept.append((info, name))
    if not strict:
        folders = {name.rsplit("/", 1)[0] if "/" in name else "" for _, name in kept}
        if len(folders) > 1 or any(folder.count("/") for folder in folders):
            raise _reject(
                "nested",
                f"the archive's Python files are in more than one folder ({', '.join(sorted(map(ascii, folders)))}); "
                "zip just the folder that holds the exercise files",
            )
        kept = [(info, name.rsplit("/", 1)[-1]) for info, name in kept]
    seen: set[str] = set()
    for _, name in kept:
        if name in seen:
            raise _reject(
                "duplicate",
                f"entry {name!r} appears more than once in the archive; {_REMAKE}",
            )
        seen.add(name)
    return kept, ignored


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
    """Vet an archive made by ``grade submit`` and extract it into a new private directory under
    ``dest_parent``.

    Raises ArchiveError (with ``code`` and a message saying what is wrong and what to do) and
    leaves nothing behind if the archive is rejected (a hand-made zip without a manifest included).
    """
    read_submission(archive_path, limits)  # the strict reading first, so nothing is written for a zip without a manifest
    return extract_archive(archive_path, dest_parent, limits)


def extract_archive(
    archive_path: str | os.PathLike[str],
    dest_parent: str | os.PathLike[str],
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> ExtractedSubmission:
    """Vet any accepted archive (``read_archive``) and extract it into a new private directory
    under ``dest_parent``; nothing is left behind if it is rejected."""
    parent = Path(dest_parent)
    if not parent.is_dir():
        raise _reject("dest", f"destination {str(parent)!r} is not an existing directory")
    contents = read_archive(archive_path, limits)
    workdir = Path(tempfile.mkdtemp(prefix="submission-", dir=parent))
    try:
        os.chmod(workdir, 0o700)
        for name, data in contents.files.items():
            # Names were checked already; keep that promise explicit here too.
            if not (name == MANIFEST_NAME or is_module_file(name)) or "/" in name or os.sep in name:
                raise _reject("unknown_file", f"refusing to write entry {ascii(name)}")
            _write_new(workdir, name, data)
        verified = verify_manifest(None, workdir) if contents.manifest is not None else None
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return ExtractedSubmission(path=workdir, learner=None if verified is None else verified["learner"],
                               manifest=verified)
