"""A fresh interpreter that sees a built handout and the libraries, and nothing of the repository.

Why this is sound: the repository's editable install puts ``grader``, ``exercises`` and ``solutions``
on the project virtualenv's path through a ``.pth`` import hook, and the sandbox's fork-server starts
``python -I`` (which ignores ``PYTHONPATH``). So neither "the project's python with
PYTHONPATH=handout" (the hook still finds the repository's ``solutions``) nor a bare ``-S`` run (the
fork-server would come from the repository) tests the handout. Instead a fresh virtualenv without
pip gets two plain path lines in its site-packages: the project virtualenv's site-packages (for
numpy, click, jinja2, sympy, nbformat, ipykernel) and the handout folder. Path lines in a ``.pth``
file are added to ``sys.path`` but the ``.pth`` files inside those folders are not run, so the
editable hook never loads: the interpreter sees the handout's ``grader`` and no ``solutions``, also
in the fork-server, which is what ``pip install -e .`` of the handout would give.
"""
from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path


def isolated_interpreter(env_dir: Path, handout: Path) -> Path:
    """Make the virtualenv ``env_dir`` that sees only ``handout`` and the libraries; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    interpreter = env_dir / "bin" / "python"
    purelib = subprocess.run([str(interpreter), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    (Path(purelib) / "libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (Path(purelib) / "handout.pth").write_text(f"{handout}\n")
    return interpreter


def solved_cell(repo: Path, module: str) -> str:
    """The reference of ``module`` as a learner's notebook cell would hold it: the ``%%exercise`` line,
    then the code with its imports pointed at ``exercises`` (what a learner who solved it would type)."""
    code = re.sub(r"^from \.(\w+) import", r"from exercises.\1 import",
                  (repo / "solutions" / f"{module}.py").read_text(), flags=re.MULTILINE)
    return f"%%exercise {module}\n{code}"
