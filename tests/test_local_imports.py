"""Finding the learner's helper modules: only import statements are visited, in ``ast.walk``'s order.

``grader.archive.local_imports`` walks statement lists instead of every node (packing a submission
for a cluster worker, or ``grade submit``, parses each file). These tests hold it to what a full
``ast.walk`` finds, on this repository's own files, on hand-written nestings of every statement that
holds statements, and on generated programs.
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.archive.local_imports import _import_statements, local_imports

REPO = Path(__file__).resolve().parents[1]


def walked(tree: ast.AST) -> list[ast.stmt]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def test_every_file_of_the_repository_gives_the_imports_ast_walk_gives():
    files = [p for p in REPO.rglob("*.py") if ".venv" not in p.parts]
    assert len(files) > 100
    for path in files:
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:
            continue  # the samples' deliberately broken submissions
        assert list(_import_statements(tree)) == walked(tree), path


NESTED = textwrap.dedent("""
    import a
    def f():
        import b
        class C:
            from . import c
            def g(self):
                async def h():
                    from exercises.d import x
                    async with y:
                        import e
                    async for i in z:
                        import f2
    try:
        import g
    except ImportError:
        import h
    else:
        import i
    finally:
        import j
    try:
        pass
    except* ValueError:
        import h2
    while q:
        import k
    else:
        import l
    for m in n:
        import o
    with p:
        if r:
            import s
        elif t:
            import u
        else:
            import v
    match w:
        case 1:
            import x1
        case _:
            from .y1 import z1
    lambda: __import__("not_a_statement")
""")


def test_imports_in_every_statement_that_holds_statements_are_found_in_order():
    tree = ast.parse(NESTED)
    found = list(_import_statements(tree))
    assert found == walked(tree)
    names = {alias.name for node in found for alias in node.names} | {node.module for node in found
                                                                      if isinstance(node, ast.ImportFrom)}
    for expected in ("a", "b", "c", "exercises.d", "e", "f2", "g", "h", "h2", "i", "j", "k", "l", "o", "s",
                     "u", "v", "x1", "y1"):
        assert expected in names


STATEMENT = st.sampled_from(["import a", "import exercises.b", "from . import c", "from .d import e",
                             "from exercises import f", "x = 1", "pass"])


def _block(depth: int):
    if depth == 0:
        return st.lists(STATEMENT, min_size=1, max_size=3)
    inner = _block(depth - 1)
    heads = st.sampled_from(["if x:", "while x:", "for i in x:", "with x:", "def f():", "class C:", "try:"])

    @st.composite
    def block(draw):
        lines = []
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                lines.append(draw(STATEMENT))
                continue
            head = draw(heads)
            lines.append(head)
            lines += ["    " + line for line in draw(inner)]
            if head == "try:":
                lines.append("except E:")
                lines += ["    " + line for line in draw(inner)]
        return lines
    return block()


@settings(max_examples=200, deadline=None)
@given(_block(3))
def test_generated_programs_give_the_imports_ast_walk_gives(lines):
    tree = ast.parse("\n".join(lines) + "\n")
    assert list(_import_statements(tree)) == walked(tree)


@pytest.mark.parametrize("helper_import", ["from ._utils import f", "import _utils", "from exercises import _utils"])
def test_a_helper_imported_inside_a_function_is_followed(tmp_path, helper_import):
    (tmp_path / "gru.py").write_text(f"def gru_cell():\n    try:\n        {helper_import}\n    except E:\n        pass\n")
    (tmp_path / "_utils.py").write_text("from .deeper import g\n")
    (tmp_path / "deeper.py").write_text("")
    found = local_imports(tmp_path, ["gru.py"], limit=10)
    assert found.helpers == {"_utils.py": ["gru.py"], "deeper.py": ["_utils.py"]}
