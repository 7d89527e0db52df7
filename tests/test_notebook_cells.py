"""Reading a learner's notebook for grading: tagged cells become modules, nothing is executed.

Notebooks are untrusted bytes, so besides the cases below a Hypothesis property holds for any
bytes and for any JSON shaped roughly like a notebook: the reader answers modules or ArchiveError.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat import v4

from grader.archive import ArchiveError
from grader.catalog import EXERCISES
from grader.handout.notebook import handout_notebook
from grader.notebook.cells import MAX_NOTEBOOK_BYTES, NotebookModules, modules_from_notebook

REPO = Path(__file__).resolve().parents[1]


def notebook_bytes(*cells) -> bytes:
    return nbformat.writes(v4.new_notebook(cells=list(cells))).encode()


def tagged(module: str, body: str, *, magic: str | None = None, tags: list[str] | None = None):
    first = f"%%exercise {magic or module}\n" if magic is not False else ""
    return v4.new_code_cell(first + body, metadata={"tags": tags if tags is not None else [f"exercise:{module}"]})


def test_tagged_cells_become_modules_and_untagged_cells_are_ignored():
    data = notebook_bytes(v4.new_markdown_cell("# notes"), v4.new_code_cell("import os\nos.system('x')"),
                          tagged("gates", "def sigmoid(a):\n    return a\n"))
    modules = modules_from_notebook(data)
    assert list(modules.sources) == ["gates.py"]
    assert modules.sources["gates.py"] == "# %%exercise gates\ndef sigmoid(a):\n    return a\n"
    assert "graded as missing" in modules.notes[0] and "gru" in modules.notes[0]


def test_the_magic_line_stays_a_line_so_error_lines_match_the_cell():
    source = modules_from_notebook(notebook_bytes(tagged("gru", "x = 1\ny = (\n"))).sources["gru.py"]
    assert source.splitlines()[2] == "y = ("  # line 3 of the cell is line 3 of the module


def test_two_cells_for_one_module_name_both_cells():
    data = notebook_bytes(tagged("gru", "a = 1"), v4.new_markdown_cell("x"), tagged("gru", "a = 2"))
    with pytest.raises(ArchiveError, match=r"cells 1 and 3 are both tagged 'exercise:gru'") as caught:
        modules_from_notebook(data)
    assert caught.value.code == "notebook_duplicate"


def test_an_unknown_exercise_tag_names_the_cell_and_the_valid_ids():
    with pytest.raises(ArchiveError, match=r"cell 1 names the exercise 'gruu'.*gates, vanilla, gru"):
        modules_from_notebook(notebook_bytes(tagged("gruu", "a = 1")))


def test_a_tag_and_a_magic_that_disagree_are_refused():
    with pytest.raises(ArchiveError, match=r"cell 1 is tagged 'exercise:gru' but starts with '%%exercise lstm'"):
        modules_from_notebook(notebook_bytes(tagged("gru", "a = 1", magic="lstm")))


def test_a_cell_that_lost_its_tag_is_graded_by_its_magic_line_and_the_note_names_it():
    modules = modules_from_notebook(notebook_bytes(v4.new_markdown_cell("x"), tagged("lstm", "a = 1", tags=[])))
    assert list(modules.sources) == ["lstm.py"]
    assert any("Cell 2 has no tag 'exercise:lstm'" in note for note in modules.notes)


def test_a_notebook_without_exercise_cells_says_what_is_missing():
    with pytest.raises(ArchiveError, match="no code cell of this notebook is tagged 'exercise:<module>'"):
        modules_from_notebook(notebook_bytes(v4.new_code_cell("print(1)")))


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe", "not UTF-8"),
    (b"{\"cells\": [", "not valid JSON"),
    (b"[1, 2]", "not a Jupyter notebook"),
    (b"[" * 100_000 + b"]" * 100_000, "nested far deeper"),
    (b" " * (MAX_NOTEBOOK_BYTES + 1), "more than the"),
])
def test_unreadable_notebooks_are_refused_with_the_fix(data, message):
    with pytest.raises(ArchiveError, match=message):
        modules_from_notebook(data)


def test_the_handout_notebook_reads_back_as_exactly_the_stubs():
    data = nbformat.writes(handout_notebook(REPO)).encode()
    modules = modules_from_notebook(data)
    assert set(modules.sources) == {f"{name}.py" for name in EXERCISES} and modules.notes == []
    for name in EXERCISES:
        stub = (REPO / "exercises" / f"{name}.py").read_text()
        assert modules.sources[f"{name}.py"] == f"# %%exercise {name}\n{stub.rstrip()}\n"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20)
cell_like = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw", 3]),
     "source": st.one_of(st.text(max_size=60), st.lists(st.text(max_size=20), max_size=3), json_values),
     "metadata": st.one_of(st.fixed_dictionaries({"tags": st.lists(
         st.sampled_from(["exercise:gru", "exercise:gates", "exercise:nope", "check:gru", ""]) | st.text(max_size=12),
         max_size=3)}), json_values)},
    optional={"outputs": json_values, "execution_count": json_values})
notebook_like = st.fixed_dictionaries(
    {"cells": st.lists(cell_like, max_size=5)},
    optional={"nbformat": st.sampled_from([4, 3, 5, "4", None]), "nbformat_minor": st.integers(-2, 10),
              "metadata": json_values})


def _answers_modules_or_archive_error(data: bytes) -> None:
    try:
        modules = modules_from_notebook(data)
    except ArchiveError as exc:
        assert str(exc) and exc.code.startswith("notebook_")
        return
    assert isinstance(modules, NotebookModules) and modules.sources
    assert all(name[:-3] in EXERCISES and isinstance(text, str) for name, text in modules.sources.items())
    for text in modules.sources.values():
        text.encode("utf-8")  # writable as a module file


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_bytes_give_modules_or_an_archive_error(data):
    _answers_modules_or_archive_error(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebook_like)
def test_any_notebook_shaped_json_gives_modules_or_an_archive_error(raw):
    _answers_modules_or_archive_error(json.dumps(raw).encode())
