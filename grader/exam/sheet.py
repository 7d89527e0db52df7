"""Reading answer sheets answer by answer, so that one typo costs one answer, never the sheet.

A sheet is the YAML-like text that ``grade exam generate`` writes (``templates/exam/answers.yaml.j2``)::

    learner: "ada"
    paper: "pe0ad1a82828"
    answers:
      Q1: B
      Q2: [A, C]
      Q3:
        - A
        - C

The text is cut into *entries*: a line ``key: value`` starts one, and lines indented deeper than it
continue it (a block list, or a flow list wrapped over lines), as do ``- item`` lines at its own
indentation (the block lists PyYAML writes). Blank lines and ``#`` comments are
skipped. Each entry is read on its own with PyYAML's ``BaseLoader``, which keeps every scalar as
text (no YAML 1.1 coercion: ``010`` stays ``"010"``, ``1:30`` stays ``"1:30"``, ``5_088`` stays
``"5_088"``, ``no`` stays ``"no"``); the kind of each question then reads its answer with its own
narrow rules. An entry that does not parse (an unclosed ``[`` or quote, an ``*alias``) makes only
that answer :class:`Unreadable`, with a message that names the line. Labels are matched
case-insensitively; an answer given twice is unreadable (both lines are named).

A sheet as a whole is unreadable (:class:`SheetError`) only when it cannot be read as text, is too
large, names its learner or paper in a way that cannot be read, or has no answer entries at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_SHEET_BYTES = 256 * 1024
ANSWER_LABEL = re.compile(r"[Qq][0-9]{1,3}\Z")
_ENTRY = re.compile(r"""(?P<indent>[ \t]*)(?P<quote>["']?)(?P<key>[A-Za-z_][A-Za-z0-9_-]*)(?P=quote)[ \t]*:(?:[ \t]|\Z)""")
_HEADER_KEYS = ("learner", "paper", "answers")


class SheetError(ValueError):
    """An answer sheet that cannot be graded at all; the message is meant for the instructor."""


@dataclass(frozen=True)
class Unreadable:
    """An answer that could not be read from the sheet; ``reason`` names the line and the fix."""

    reason: str


@dataclass
class Sheet:
    path: Path
    learner: str
    paper_id: str | None
    answers: dict[str, Any]  # label -> text, list of texts, or Unreadable
    notes: list[str] = field(default_factory=list)  # lines that were ignored, for the instructor


@dataclass
class _Entry:
    key: str
    line: int          # 1-based number of its first line
    indent: int
    lines: list[str]


def _entries(text: str) -> tuple[list[_Entry], list[int]]:
    """The sheet's entries, and the numbers of lines that belong to none."""
    entries: list[_Entry] = []
    stray: list[int] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip(" \t"))
        if not stripped:
            if entries:  # a blank line inside a quoted answer is part of it; elsewhere YAML ignores it
                entries[-1].lines.append("")
            continue
        if (stripped.startswith("#") and not (entries and indent > entries[-1].indent)) or stripped in ("---", "..."):
            continue
        m = _ENTRY.match(raw)
        if m and not (entries and indent > entries[-1].indent and not _is_key(m.group("key"))):
            entries.append(_Entry(m.group("key"), number, indent, [raw[indent:].rstrip(" \t\r")]))
        elif entries and (indent > entries[-1].indent
                          or (indent == entries[-1].indent and (stripped == "-" or stripped.startswith("- ")))):
            entries[-1].lines.append(raw[entries[-1].indent:].rstrip("\r"))
        else:
            stray.append(number)
    return entries, stray


def _is_key(key: str) -> bool:
    return key.lower() in _HEADER_KEYS or bool(ANSWER_LABEL.match(key))


_QUOTE_HINT = ("put the answer in double quotes, e.g. \"3*h\" (a value that starts with * & ! % @ ` or "
               "holds ': ' or ' #' must be quoted)")


def _text_only(text: str) -> Any:
    """YAML read with ``BaseLoader``: strings, lists and mappings only, no tags, no coercion."""
    loader = yaml.BaseLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _value(entry: _Entry) -> Any:
    """The entry's value (text, or a list of texts), or :class:`Unreadable` with the reason."""
    try:
        data = _text_only("\n".join(entry.lines))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        last = max(i for i, text in enumerate(entry.lines) if text.strip())  # the mark may sit past the end
        line = entry.line + min(mark.line if mark else 0, last)
        problem = getattr(err, "problem", None) or "not valid YAML"
        first = entry.lines[0].split(":", 1)[1].strip() if ":" in entry.lines[0] else ""
        if first.startswith("[") and "]" not in "".join(entry.lines):
            fix = "close the list with ]"
        elif first[:1] in "\"'" and first.count(first[0]) < 2:
            fix = f"close the quote {first[0]}"
        else:
            fix = _QUOTE_HINT
        return Unreadable(f"line {line} cannot be read ({problem}); {fix}")
    if not isinstance(data, dict) or len(data) != 1:
        return Unreadable(f"line {entry.line} is not of the form 'label: answer'")
    value = next(iter(data.values()))
    if isinstance(value, dict) and entry.key.lower() == "answers":
        return value
    if isinstance(value, dict):
        return Unreadable(f"line {entry.line}: the answer is a mapping; {_QUOTE_HINT}")
    if isinstance(value, list) and any(not isinstance(v, str) for v in value):
        return Unreadable(f"line {entry.line}: write a flat list of letters, e.g. [A, C]")
    return value


def _header(entries: list[_Entry], key: str, name: str) -> str | None:
    found = [e for e in entries if e.key.lower() == key]
    if not found:
        return None
    if len(found) > 1:
        raise SheetError(f"{name}: '{key}' is given twice (lines {found[0].line} and {found[1].line})")
    value = _value(found[0])
    if isinstance(value, Unreadable):
        raise SheetError(f"{name}: '{key}' {value.reason}")
    if not isinstance(value, str) or not value.strip():
        raise SheetError(f"{name}: line {found[0].line}: '{key}' must be written as text, e.g. {key}: \"…\"")
    return value.strip()


def parse_sheet(text: str, path: Path) -> Sheet:
    """Read an answer sheet's text; see the module docstring. Raises :class:`SheetError`."""
    name = path.name
    entries, stray = _entries(text.lstrip("\ufeff"))
    learner = _header(entries, "learner", name) or path.stem.split(".")[0]
    paper_id = _header(entries, "paper", name)
    answers: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    notes: list[str] = []
    for entry in entries:
        if entry.key.lower() == "answers" and entry.lines[0].split(":", 1)[1].strip():
            inline = _value(entry)  # all answers on one line, as a flow mapping {Q1: B, Q2: [A, C]}
            if isinstance(inline, Unreadable):
                raise SheetError(f"{name}: 'answers' {inline.reason}")
            if not isinstance(inline, dict):
                raise SheetError(f"{name}: line {entry.line}: write the answers one per line under 'answers:'")
            entries += [_Entry(str(k), entry.line, entry.indent + 1, [yaml.safe_dump({str(k): v}).strip()])
                        for k, v in inline.items()]
            continue
        if entry.key.lower() in _HEADER_KEYS:
            continue
        if not ANSWER_LABEL.match(entry.key):
            notes.append(f"line {entry.line}: '{entry.key}' is not an answer label like Q1; it was ignored")
            continue
        label = entry.key.upper()
        if label in answers:
            answers[label] = Unreadable(f"{label} is answered twice (lines {first_line[label]} and {entry.line}); "
                                        "keep one answer")
            continue
        first_line[label] = entry.line
        answers[label] = _value(entry)
    if stray:
        shown = ", ".join(str(n) for n in stray[:5]) + (" …" if len(stray) > 5 else "")
        notes.append(f"line{'s' if len(stray) > 1 else ''} {shown} of the sheet {'are' if len(stray) > 1 else 'is'} "
                     "not 'label: answer' and could not be given to any answer")
    if not answers and not any(e.key.lower() == "answers" for e in entries):
        raise SheetError(f"{name}: no answers found; a sheet has lines like 'Q1: B' under 'answers:'")
    return Sheet(path, learner, paper_id, answers, notes)


def read_sheet(path: Path) -> Sheet:
    """Load one answer sheet from disk. Raises :class:`SheetError` with a clear reason."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise SheetError(f"cannot read {path.name}: {err.strerror}") from None
    if size > MAX_SHEET_BYTES:
        raise SheetError(f"{path.name} is {size} bytes; an answer sheet may be at most {MAX_SHEET_BYTES}")
    try:
        text = path.read_bytes()[:MAX_SHEET_BYTES + 1].decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SheetError(f"{path.name} is not readable UTF-8 text ({err})") from None
    if "\x00" in text:
        raise SheetError(f"{path.name} is not a text file (it holds NUL bytes)")
    return parse_sheet(text, path)
