"""Prove that the shipped grader modules import only shipped modules.

A handout module that imports something left out (say a misconception library the engine
starts to use) would crash on the learner's machine; the build fails instead, naming the import.
"""
from __future__ import annotations

import ast
from pathlib import Path

PROJECT_PACKAGES = ("grader", "solutions", "exercises")


def module_name(relative: str) -> str:
    """``grader/sandbox/__init__.py`` → ``grader.sandbox``; ``grader/judge.py`` → ``grader.judge``."""
    parts = list(Path(relative).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) for every import statement, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base, [a.name for a in node.names]))
    return found


def missing_imports(repo: Path, shipped: list[str]) -> list[str]:
    """Imports in shipped ``.py`` files of project modules that the handout does not ship."""
    shipped_modules = {module_name(p) for p in shipped if p.endswith(".py")}
    problems = []
    for relative in shipped:
        if not relative.endswith(".py"):
            continue
        module = module_name(relative)
        tree = ast.parse((repo / relative).read_text(encoding="utf-8"), filename=relative)
        for line, target, names in _imported(tree, module, relative.endswith("__init__.py")):
            if target.split(".")[0] not in PROJECT_PACKAGES:
                continue
            wanted = [target] + [f"{target}.{n}" for n in names if _exists(repo, f"{target}.{n}")]
            for name in wanted:
                if name not in shipped_modules:
                    problems.append(f"{relative}:{line} imports {name}, which the handout does not ship")
    return problems


def _exists(repo: Path, module: str) -> bool:
    path = repo / Path(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()
