"""Learner ids and the names made from them: safe ids, slugs of people's names, result folders, terminal text.

A learner id is 1-64 characters of ``[A-Za-z0-9_.-]`` not starting with ``.`` (checked with
``fullmatch``, so a trailing newline is refused too). Anything else that names a learner (a folder
called "José García", an LMS's "Lovelace, Ada") is mapped to an id by :func:`slug`, and the name
itself is kept, unchanged, as the learner's display name.

Result folders: ``RESULTS/<learner>/`` for every id, except an id that equals (ignoring case) one
of the class outputs written next to them (``index.html``, ``grades.csv``, ...), which gets
``RESULTS/learner+<id>/`` instead. ``+`` is not allowed in ids, so no two learners share a folder.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

LEARNER_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")
LEARNER_ID_RULE = "1-64 characters from A-Z a-z 0-9 _ . - , not starting with '.'"

#: Everything a batch writes beside the learners' folders (the gradebook's WAL files included).
CLASS_OUTPUTS = ("index.html", "summary.md", "dashboard.html", "grades.csv", "junit.xml", "canvas-grades.csv",
                 "moodle-grades.csv", "gradebook.sqlite", "gradebook.sqlite-wal", "gradebook.sqlite-shm",
                 "gradebook.sqlite-journal")
_RESERVED = frozenset(name.casefold() for name in CLASS_OUTPUTS)
_RESERVED_PREFIX = "learner+"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def is_safe_learner_id(learner: object) -> bool:
    """True for a string that is a learner id (see the module docstring)."""
    return isinstance(learner, str) and LEARNER_ID.fullmatch(learner) is not None


def has_control_characters(text: str) -> bool:
    """Control characters, line separators or bidirectional overrides anywhere in ``text``."""
    return _CONTROL.search(text) is not None


def slug(name: str) -> str:
    """A learner id for a person's or a folder's name: stable, safe, and readable where it can be.

    Accents are folded and everything that is not a letter or digit becomes ``_``
    ("José García" → ``jose_garcia``). A name with letters that have no ASCII form ("李 雷") gets
    ``learner_`` and the first 10 hex digits of the SHA-256 of its NFC form, and a name that keeps
    only part of itself in ASCII gets that part plus the same 6-digit hash, so different names keep
    different ids. Raises ValueError for a name with control characters or nothing in it.
    """
    if has_control_characters(name):
        raise ValueError(f"{shown(name)} has control characters in it")
    normal = unicodedata.normalize("NFC", name).strip()
    if not normal:
        raise ValueError("an empty name has no id")
    if is_safe_learner_id(normal) and normal == normal.lower() and "." not in normal:
        return normal
    folded = unicodedata.normalize("NFKD", normal)
    ascii_part = "".join(c for c in folded if c.isascii())
    dropped = any(not c.isascii() and not unicodedata.combining(c) for c in folded)
    text = re.sub(r"[^a-z0-9]+", "_", ascii_part.lower()).strip("_")[:48]
    digest = hashlib.sha256(normal.encode("utf-8")).hexdigest()
    if not text:
        return f"learner_{digest[:10]}"
    return f"{text}_{digest[:6]}" if dropped else text


def result_folder_name(learner: str) -> str:
    """The name of the learner's folder beside the class outputs (the id itself, unless it is one of them)."""
    return f"{_RESERVED_PREFIX}{learner}" if learner.casefold() in _RESERVED else learner


def shown(text: object) -> str:
    """``text`` safe to print on a terminal: control characters (ANSI escapes included) written as ``\\x1b``."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
