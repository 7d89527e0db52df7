"""Which notebook cell is which exercise module, and reading a learner's notebook without running it.

The handout notebook holds one code cell per exercise module, tagged ``exercise:<module>`` in its
metadata (``"tags": ["exercise:gru"]``) and starting with the line ``%%exercise <module>``: in the
kernel that line runs the cell as the module ``exercises.<module>``; for grading it becomes a
comment and the cell is the module's file. Untagged cells are ignored.

``modules_from_notebook`` reads untrusted bytes in the trusted process: it never executes a cell,
caps the size, and answers a ``{file name: source}`` mapping or raises ``ArchiveError`` with a
message that names the cell and the fix.
"""
from __future__ import annotations

import json
import os
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.archive.errors import ArchiveError
from grader.catalog import EXERCISES

TAG_PREFIX = "exercise:"
MAGIC = "%%exercise"
MAX_NOTEBOOK_BYTES = 8 * 1024 * 1024
MAX_CELL_BYTES = 1024 * 1024
MAX_NESTING = 64  # a notebook is a few levels deep; deeper JSON is refused before it is parsed
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
_MAGIC_LINE = re.compile(r"^%%exercise[ \t]+(?P<name>\S+)[ \t]*\r?\n?")


def exercise_tag(module: str) -> str:
    """The metadata tag of the cell holding ``module``: ``exercise:gru``."""
    return f"{TAG_PREFIX}{module}"


@dataclass
class NotebookModules:
    """What a notebook holds: each tagged module's source, and notes for the learner's report."""

    sources: dict[str, str] = field(default_factory=dict)  # "gru.py" -> source, magic line commented out
    notes: list[str] = field(default_factory=list)


def modules_from_notebook(data: bytes) -> NotebookModules:
    """The exercise modules of a notebook (``.ipynb`` bytes), read and never executed.

    Raises ``ArchiveError`` for a notebook that cannot be read, a tag naming no exercise, two cells
    for one module, or no exercise cell at all. A module without a cell is left out (it is graded
    as missing) and said in the notes.
    """
    cells = _cells(data)
    found: dict[str, int] = {}
    modules = NotebookModules()
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source(cell, number)
        module = _module_of(cell, source, number, modules.notes)
        if module is None:
            continue
        if module in found:
            raise ArchiveError("notebook_duplicate", f"cells {found[module]} and {number} are both tagged "
                               f"{exercise_tag(module)!r}; keep the one you want graded and delete the tag "
                               "(or the cell) of the other")
        found[module] = number
        modules.sources[f"{module}.py"] = _as_module(source)
    if not found:
        raise ArchiveError("notebook_untagged", "no code cell of this notebook is tagged 'exercise:<module>' "
                           "(for example 'exercise:gru'), so there is nothing to grade; work in the handout's "
                           "notebook, whose exercise cells carry these tags")
    missing = [name for name in EXERCISES if name not in found]
    if missing:
        modules.notes.append("This notebook has no cell for " + ", ".join(missing)
                             + "; those exercises were graded as missing.")
    return modules


def _as_module(source: str) -> str:
    """The cell as a module file: its ``%%exercise`` line becomes a comment, so line numbers in
    feedback are the cell's own."""
    magic = _MAGIC_LINE.match(source)
    return source if magic is None else "# " + source[:magic.end()] + source[magic.end():]


def _cells(data: bytes) -> list[Any]:
    """The notebook's cells, after size, encoding, nesting and format checks."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ArchiveError("notebook_too_large", f"the notebook is {len(data):,} bytes, more than the "
                           f"{MAX_NOTEBOOK_BYTES:,} allowed; clear its outputs (Edit → Clear All Outputs) and save")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ArchiveError("notebook_unreadable", "the notebook is not UTF-8 text; save it again from Jupyter") from None
    if _nesting(text) > MAX_NESTING:
        raise ArchiveError("notebook_unreadable", "the notebook's JSON is nested far deeper than a notebook; "
                           "save it again from Jupyter")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ArchiveError("notebook_unreadable", f"the notebook is not valid JSON ({exc}); save it again "
                           "from Jupyter") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise ArchiveError("notebook_unreadable", "this file is not a Jupyter notebook in format 4 (it has no "
                           "list of cells); save it again from Jupyter")
    return _validated(raw)


def _validated(raw: dict[str, Any]) -> list[Any]:
    """The cells as nbformat reads them (format 4); nbformat's schema warnings do not reject a notebook."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat.from_dict(raw)
            if notebook.get("nbformat") != 4:
                notebook = nbformat.convert(notebook, 4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds; each means "not a notebook"
        raise ArchiveError("notebook_unreadable", f"nbformat could not read this notebook ({type(exc).__name__}); "
                           "save it again from Jupyter") from None
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ArchiveError("notebook_unreadable", "this notebook has no list of cells; save it again from Jupyter")
    return cells


def _nesting(text: str) -> int:
    """How deep the JSON's brackets go (strings skipped), without parsing it: json's parser recurses."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _source(cell: dict[str, Any], number: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise ArchiveError("notebook_unreadable", f"cell {number}'s source is not text; save the notebook again "
                           "from Jupyter")
    try:
        size = len(source.encode("utf-8"))
    except UnicodeEncodeError:
        raise ArchiveError("notebook_unreadable", f"cell {number} holds characters that are not valid text "
                           "(lone surrogates); delete them and save the notebook again") from None
    if size > MAX_CELL_BYTES:
        raise ArchiveError("notebook_too_large", f"cell {number} holds more than {MAX_CELL_BYTES:,} bytes of code")
    return source


def _module_of(cell: dict[str, Any], source: str, number: int, notes: list[str]) -> str | None:
    """The module a cell holds: its ``exercise:`` tag, else the module its ``%%exercise`` line names."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
    tags = [t for t in tags if isinstance(t, str) and t.startswith(TAG_PREFIX)] if isinstance(tags, list) else []
    magic = _MAGIC_LINE.match(source)
    if len(tags) > 1:
        raise ArchiveError("notebook_duplicate", f"cell {number} has several exercise tags ({', '.join(tags)}); "
                           "a cell holds one module: keep one tag")
    if tags:
        module = tags[0][len(TAG_PREFIX):]
        _known(module, number, f"its tag {tags[0]!r}")
        if magic and magic["name"] != module:
            raise ArchiveError("notebook_mismatch", f"cell {number} is tagged {tags[0]!r} but starts with "
                               f"'%%exercise {magic['name']}'; make the two name the same module")
        return module
    if magic:
        module = magic["name"]
        _known(module, number, f"its first line '%%exercise {module}'")
        notes.append(f"Cell {number} has no tag {exercise_tag(module)!r} but starts with '%%exercise {module}', "
                     f"so it was graded as {module}.py; add the tag back (View → Cell Toolbar → Tags).")
        return module
    return None


def _known(module: str, number: int, where: str) -> None:
    if module not in EXERCISES:
        raise ArchiveError("notebook_unknown_exercise", f"cell {number} names the exercise {module!r} in {where}, "
                           f"which does not exist; the exercises are: {', '.join(EXERCISES)}")


def read_notebook_file(path: Path) -> bytes:
    """A notebook file's bytes: a regular file only (a FIFO or device would block), size-capped."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise ArchiveError("notebook_unreadable", f"{path.name} cannot be opened ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ArchiveError("notebook_unreadable", f"{path.name} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_NOTEBOOK_BYTES + 1)
    finally:
        os.close(fd)
    return data


def write_modules(modules: NotebookModules, folder: Path) -> None:
    """Write the notebook's modules into ``folder`` as the exercise files the sandbox grades."""
    for name, source in modules.sources.items():
        (folder / name).write_text(source, encoding="utf-8")
