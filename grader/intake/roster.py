"""A class roster from an LMS export (or a plain ``learner,name`` file): who is who, by every key an LMS uses.

``grade batch --roster FILE`` reads a CSV and maps what the LMS put in a file or folder name (a
Canvas user ID, a Moodle participant number, a full name, a Gradescope SID or email) to a learner
id and a display name. Columns are recognised by their headers (case and spaces ignored):

==================  =====================================================================
learner id          ``learner`` / ``learner_id``; else Canvas's ``SIS User ID``, else ``SIS Login ID``;
                    else ``ID number`` / ``username`` (Moodle), ``SID`` (Gradescope), else ``id``;
                    else the slug of the email's local part, else of the name
display name        ``name`` / ``display_name`` / ``Student`` (Canvas) / ``Full name`` (Moodle);
                    else ``First name`` + ``Last name`` (or ``Surname``)
keys for matching   ``ID`` (Canvas user ID, when ``SIS User ID`` is present too), ``Identifier``
                    ("Participant 123", Moodle's grading worksheet), ``Email address`` / ``email``,
                    ``SID``, the name, and Canvas's file-name form of it ("lovelaceada")
kept for exports    ``Section``, the Canvas IDs, the email
==================  =====================================================================

Canvas's "Points Possible" row and rows without any usable id are skipped.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.names import has_control_characters, is_safe_learner_id, slug

MAX_ROSTER_BYTES = 16 * 1024 * 1024


class RosterError(ValueError):
    """The roster file cannot be used; the message says why (instructor-facing)."""


@dataclass(frozen=True)
class RosterEntry:
    """One learner of the roster; empty strings where the roster has no such column."""

    learner: str
    name: str
    email: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    participant: str = ""  # Moodle's participant number
    sid: str = ""  # Gradescope's student id


def name_key(name: str) -> str:
    """A full name as compared across files and rosters: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def canvas_name_key(name: str) -> str:
    """Canvas's file-name form of a sortable name ("Lovelace, Ada" → ``lovelaceada``)."""
    return re.sub(r"[^\w]|_", "", unicodedata.normalize("NFC", name).casefold())


class Roster:
    """Roster entries, looked up by any key an LMS puts in a submission's name."""

    def __init__(self, entries: list[RosterEntry]) -> None:
        self.entries = entries
        self._by: dict[tuple[str, str], RosterEntry] = {}
        for e in entries:
            for kind, key in (("learner", e.learner), ("canvas_id", e.canvas_id), ("participant", e.participant),
                              ("sid", e.sid), ("email", e.email.casefold()), ("name", name_key(e.name)),
                              ("canvas_name", canvas_name_key(e.name)), ("sis", e.sis_user_id)):
                if key:
                    self._by.setdefault((kind, key), e)

    def find(self, **keys: str) -> RosterEntry | None:
        """The entry matching the first given key that matches (``canvas_id=``, ``participant=``, ``sid=``,
        ``email=``, ``name=``, ``canvas_name=``, ``learner=``, ``sis=``)."""
        for kind, value in keys.items():
            if not value:
                continue
            key = {"email": value.casefold(), "name": name_key(value), "canvas_name": canvas_name_key(value)}.get(kind, value)
            found = self._by.get((kind, key))
            if found is not None:
                return found
        return None

    def __len__(self) -> int:
        return len(self.entries)


def _column(header: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in header:
            return header[name]
    return None


def read_roster(path: Path) -> Roster:
    """Read a roster CSV (UTF-8, a BOM tolerated); raise RosterError naming the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror}") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise RosterError(f"the roster {path} is over {MAX_ROSTER_BYTES} bytes; is it the right file?")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"the roster {path} is not UTF-8 text; export it as CSV (UTF-8)") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise RosterError(f"the roster {path} has no rows under its header")
    header = {" ".join(h.casefold().replace("_", " ").split()): h for h in rows[0] if h}
    learner_col = _column(header, "learner", "learner id", "sis user id", "sis login id", "id number",
                          "username", "sid", "student id")
    if learner_col is None and "sis user id" not in header and "id" in header:
        learner_col = header["id"]
    name_col = _column(header, "name", "display name", "student", "full name", "student name")
    first, last = _column(header, "first name"), _column(header, "last name", "surname")
    email_col = _column(header, "email address", "email")
    canvas_col = header.get("id") if "sis user id" in header else None
    entries, problems = [], []
    for number, row in enumerate(rows, start=2):
        def cell(column: str | None) -> str:
            return (row.get(column) or "").strip() if column else ""

        name = cell(name_col) or " ".join(p for p in (cell(first), cell(last)) if p)
        if name.strip().casefold() == "points possible" or (not name and not cell(learner_col)):
            continue
        learner = cell(learner_col)
        if learner and not is_safe_learner_id(learner):
            learner = _slug_or_none(learner)
        if not learner:
            learner = _slug_or_none(cell(email_col).split("@")[0]) or _slug_or_none(name)
        if not learner:
            problems.append(f"row {number}: no usable learner id")
            continue
        if has_control_characters(name):
            problems.append(f"row {number}: the name has control characters")
            continue
        participant = re.sub(r"^\s*participant\s*", "", cell(_column(header, "identifier")), flags=re.I)
        entries.append(RosterEntry(
            learner=learner, name=name or learner, email=cell(email_col), canvas_id=cell(canvas_col),
            sis_user_id=cell(_column(header, "sis user id")), sis_login_id=cell(_column(header, "sis login id")),
            section=cell(_column(header, "section")), participant=participant, sid=cell(_column(header, "sid"))))
    if problems:
        raise RosterError(f"the roster {path} has rows that cannot be used:\n  " + "\n  ".join(problems[:20]))
    duplicated = sorted({e.learner for e in entries if sum(f.learner == e.learner for f in entries) > 1})
    if duplicated:
        raise RosterError(f"the roster {path} gives the same learner id to several rows: {', '.join(duplicated)}")
    return Roster(entries)


def _slug_or_none(text: str) -> str | None:
    try:
        return slug(text) if text.strip() else None
    except ValueError:
        return None
