"""The handout's notebook: the course's explanation and equations, then per exercise its stub and a check.

Cells, in order: the introduction (Markdown); a set-up cell that loads the checker; then for each
exercise module a Markdown section (from ``notebook.md``, or the stub's own docstring when the text
has no section for it), a code cell holding the stub, tagged ``exercise:<module>`` and starting with
``%%exercise <module>``, and a check cell ``check("<module>")`` tagged ``check:<module>``; last, how to
hand it in. The texts live in ``notebook.md``, one section per ``<!-- name -->`` marker.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
from nbformat import v4

from grader.catalog import EXERCISES
from grader.notebook.cells import MAGIC, exercise_tag

TEXT = Path(__file__).with_name("notebook.md")
NOTEBOOK_NAME = "exercises.ipynb"
SETUP = "%load_ext grader.notebook\nfrom grader.notebook import check"
_SECTION = re.compile(r"^<!-- (?P<name>[a-z_]+) -->\n", re.MULTILINE)


def sections(text: str) -> dict[str, str]:
    """``notebook.md`` split at its ``<!-- name -->`` markers: name → Markdown."""
    marks = list(_SECTION.finditer(text))
    return {m["name"]: text[m.end():(marks[k + 1].start() if k + 1 < len(marks) else len(text))].strip()
            for k, m in enumerate(marks)}


def handout_notebook(repo: Path) -> nbformat.NotebookNode:
    """The notebook for ``repo``'s exercise stubs (``repo/exercises/<module>.py``)."""
    texts = sections(TEXT.read_text(encoding="utf-8"))
    cells = [v4.new_markdown_cell(texts["intro"]), v4.new_code_cell(SETUP, metadata={"tags": ["setup"]})]
    for module in EXERCISES:
        stub = (repo / "exercises" / f"{module}.py").read_text(encoding="utf-8")
        cells.append(v4.new_markdown_cell(texts.get(module) or _from_docstring(module, stub)))
        cells.append(v4.new_code_cell(f"{MAGIC} {module}\n{stub.rstrip()}\n",
                                      metadata={"tags": [exercise_tag(module)]}))
        cells.append(v4.new_code_cell(f'check("{module}")', metadata={"tags": [f"check:{module}"]}))
    cells.append(v4.new_markdown_cell(texts["outro"]))
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook


def _from_docstring(module: str, stub: str) -> str:
    """A section for an exercise that ``notebook.md`` does not describe: its stub's module docstring."""
    docstring = ast.get_docstring(ast.parse(stub)) or ""
    return f"## {module}\n\n```text\n{docstring}\n```" if docstring else f"## {module}"


def write_notebook(repo: Path, folder: Path) -> Path:
    """Write the handout notebook into ``folder``; returns its path."""
    path = folder / NOTEBOOK_NAME
    nbformat.write(handout_notebook(repo), str(path))
    return path
