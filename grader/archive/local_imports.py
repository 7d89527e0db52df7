"""Which of the learner's own modules the exercise files import, found statically (``ast``, nothing run).

The learner's files are the package ``exercises``, so a helper ``_utils.py`` beside ``gru.py`` can be
imported as ``from exercises._utils import f``, ``from exercises import _utils``, ``from . import
_utils``, ``from ._utils import f`` or plainly ``import _utils`` (the sandbox makes the folder
importable both ways). Helpers that import further helpers are followed too.
"""
from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import is_module_file

PACKAGE = "exercises"


@dataclass
class LocalImports:
    """``helpers``: helper file → the files that import it; ``missing``: ``NAME.py`` imported as part of
    the package but absent → the files that import it; ``unreadable``: file → why its imports are unknown."""

    helpers: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)


def _import_statements(tree: ast.AST):
    """Every ``import`` and ``from … import`` statement of ``tree``, at any depth.

    Imports are statements, and statements sit only in the statement lists of other statements
    (bodies, ``else`` and ``finally`` blocks, ``except`` handlers, ``match`` cases), so only those are
    followed: ``ast.walk`` would visit every expression node too, about ten times as many. The order
    is ``ast.walk``'s (breadth first, fields in order), as every ancestor of a statement is one."""
    pending = deque([tree])
    while pending:
        node = pending.popleft()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        for _, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], _HOLDS_STATEMENTS):
                pending.extend(value)


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


def _targets(tree: ast.AST) -> list[tuple[str, bool]]:
    """(module name, imported as part of the package) for every import that may name a local module."""
    found: list[tuple[str, bool]] = []
    for node in _import_statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE and len(parts) > 1:
                    found.append((parts[1], True))
                else:
                    found.append((parts[0], False))
        elif isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".") if node.module else []
            if node.level == 1 or (node.level == 0 and parts[:1] == [PACKAGE]):
                inner = parts[1:] if node.level == 0 else parts
                if inner:
                    found.append((inner[0], True))
                else:  # from exercises import a, b / from . import a, b
                    found.extend((alias.name, True) for alias in node.names if alias.name != "*")
            elif node.level == 0 and parts:
                found.append((parts[0], False))
    return found


def local_imports(folder: Path, start: list[str], limit: int) -> LocalImports:
    """Follow imports from the files ``start`` (names in ``folder``) to the helper modules beside them.

    At most ``limit`` helpers are followed; the caller refuses a submission that needs more."""
    result = LocalImports()
    queue = list(start)
    seen = set(start)
    while queue:
        name = queue.pop(0)
        try:
            tree = ast.parse((folder / name).read_bytes(), filename=name)
        except SyntaxError as exc:
            result.unreadable[name] = f"syntax error at line {exc.lineno}"
            continue
        except (OSError, ValueError) as exc:
            result.unreadable[name] = str(exc)
            continue
        for module, in_package in _targets(tree):
            file = f"{module}.py"
            if not is_module_file(file):
                continue
            path = folder / file
            if not path.is_file() or path.is_symlink():
                if in_package:
                    result.missing.setdefault(file, [])
                    if name not in result.missing[file]:
                        result.missing[file].append(name)
                continue
            if file in start:
                continue
            importers = result.helpers.setdefault(file, [])
            if name not in importers:
                importers.append(name)
            if file not in seen and len(seen) - len(start) < limit:
                seen.add(file)
                queue.append(file)
    return result
