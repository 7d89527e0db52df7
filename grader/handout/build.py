"""Build a learner handout: allow-listed files, public check fixtures, a README and packaging.

The steps, in order: choose the files (``allowlist``), prove they import only each other
(``imports``), copy them, compute the public fixtures from ``solutions/``, write the notebook
(``notebook``), the README, ``pyproject.toml``, ``requirements.txt`` and ``.handout-files.json``
(the SHA-256 of every file written). Everything is written into a temporary sibling folder that
replaces the target only when complete.

``--force`` over an earlier handout never deletes a learner's work: if any file there is not one
the handout wrote, or was changed since (an edited stub or notebook, a venv, a submission zip),
the earlier folder is moved aside, whole, to ``<out>.previous-<UTC time>`` and the summary says
where. Only an untouched earlier handout is replaced. Caches (``__pycache__``, ``*.egg-info``,
``.pytest_cache``, ``.ipynb_checkpoints``) do not count as work.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import string
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import grader
from grader.catalog import EXERCISES
from grader.engine import prepare
from grader.fixtures import DEFAULT_DIR, INDEX_NAME, write_fixtures
from grader.handout.allowlist import AllowListError, shipped_files
from grader.handout.imports import missing_imports
from grader.handout.notebook import write_notebook
from grader.suites import select_checks

REPO_ROOT = Path(grader.__file__).resolve().parents[1]
FIXTURE_DIR = str(DEFAULT_DIR.relative_to(REPO_ROOT))  # grader/public_fixtures
README_TEMPLATE = Path(__file__).with_name("learner_readme.md")
DEPENDENCIES = ("numpy", "click", "jinja2", "sympy", "pyseccomp", "pyyaml",  # what the shipped modules import
                "nbformat", "ipykernel")  # the notebook: reading it, and a kernel to run it in
FILE_LIST = ".handout-files.json"  # relative path -> SHA-256 of every file the handout wrote
CACHES = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")


class HandoutError(RuntimeError):
    """The handout could not be built (bad allow-list, unshipped import, target in the way)."""


@dataclass
class HandoutSummary:
    """What ``build_handout`` wrote: the folder, the copied files and the public checks with fixtures."""

    out: Path
    files: list[str]
    public_checks: list[str]
    seed: int
    moved_aside: Path | None = None  # where an earlier handout with a learner's work in it went
    learner_files: tuple[str, ...] = ()  # the files there that the handout had not written as they are


def build_handout(out: Path, *, seed: int | None = None, repo: Path = REPO_ROOT, force: bool = False,
                  quiz: bool = True) -> HandoutSummary:
    """Write the learner handout to ``out``; ``seed`` fixes the public inputs (default: a fresh one).
    ``quiz``: include the practice quiz (the bank's conceptual questions, with their answers)."""
    out = Path(out).resolve()
    _check_target(out, force)
    try:
        files = shipped_files(repo)
    except AllowListError as exc:
        raise HandoutError(str(exc)) from None
    problems = missing_imports(repo, files)
    if problems:
        raise HandoutError("shipped modules import modules the handout leaves out:\n  " + "\n  ".join(problems))
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for relative in files:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(repo / relative, staging / relative)
        checks = select_checks(visibilities=("public",))
        from grader.diagnose import stored_diagnosis  # trusted side: runs the references and variants

        write_fixtures([prepare(check, seed) for check in checks], staging / FIXTURE_DIR, diagnosis=stored_diagnosis)
        write_notebook(repo, staging)
        if quiz:
            _write_practice_quiz(staging)
        (staging / "README.md").write_text(learner_readme(), encoding="utf-8")
        dependencies = _dependencies(repo)
        (staging / "pyproject.toml").write_text(pyproject(dependencies), encoding="utf-8")
        (staging / "requirements.txt").write_text("\n".join(dependencies) + "\n", encoding="utf-8")
        (staging / FILE_LIST).write_text(json.dumps(_digests(staging), indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
        moved, work = _clear_target(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return HandoutSummary(out, files, [c.check_id for c in checks], seed, moved, work)


def _write_practice_quiz(staging: Path) -> None:
    """The conceptual questions for ``grade quiz`` in the handout (``grader.exam.practice``)."""
    from grader.exam.bank import BANK, TOPICS
    from grader.exam.practice import PRACTICE_FILE, write_practice

    write_practice(staging / PRACTICE_FILE.relative_to(REPO_ROOT), list(BANK.values()), TOPICS)


def _files(folder: Path):
    """(relative path, path) of every file under ``folder``, symlinks not followed, caches left out."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in CACHES and not d.endswith(".egg-info")]
        for name in names:
            path = Path(root) / name
            yield path.relative_to(folder).as_posix(), path


def _digest(path: Path) -> str:
    if path.is_symlink() or not path.is_file():
        return "not a regular file"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (the file list itself left out)."""
    return {relative: _digest(path) for relative, path in _files(folder) if relative != FILE_LIST}


def learner_work(folder: Path) -> list[str]:
    """Files in an earlier handout that it did not write as they are now (all of them if it kept no list)."""
    try:
        written = json.loads((folder / FILE_LIST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        written = {}
    if not isinstance(written, dict):
        written = {}
    return sorted(relative for relative, path in _files(folder)
                  if relative != FILE_LIST and (relative not in written or written[relative] != _digest(path)))


def _clear_target(out: Path) -> tuple[Path | None, tuple[str, ...]]:
    """Make room for the new handout: nothing there, an untouched handout removed, or one with work moved aside."""
    if not out.exists():
        return None, ()
    work = learner_work(out)
    if not work:
        shutil.rmtree(out)
        return None, ()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = out.with_name(f"{out.name}.previous-{stamp}")
    suffix = 1
    while aside.exists():
        suffix += 1
        aside = out.with_name(f"{out.name}.previous-{stamp}-{suffix}")
    out.rename(aside)
    return aside, tuple(work)


def _check_target(out: Path, force: bool) -> None:
    """Refuse a non-empty target, unless ``force`` and it is an earlier handout (never any other folder)."""
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return
    if force and (out / FIXTURE_DIR / INDEX_NAME).is_file() and not (out / "solutions").exists():
        return
    raise HandoutError(f"{out} already exists and is not empty; choose a new folder "
                       "(--force replaces an earlier handout only)")


def learner_readme() -> str:
    """The learner's README, with the exercise table and versions filled in."""
    rows = "\n".join(f"| `{name}` | `exercises/{name}.py` | {', '.join(f'`{f}`' for f in functions)} |"
                     for name, functions in EXERCISES.items())
    template = string.Template(README_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(exercise_table=rows, version=grader.__version__, python=_requires_python(),
                               dependencies=", ".join(DEPENDENCIES))


PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "deep-rnn-exercises"
version = "$version"
description = "Exercises on deep recurrent networks, with a local checker for the public checks."
readme = "README.md"
requires-python = ">=$python"
dependencies = [
$dependencies]

[project.scripts]
grade = "grader.cli.entry:main"

[tool.setuptools]
packages = { find = { include = ["grader*", "exercises"] } }

[tool.setuptools.package-data]
grader = ["py.typed", "public_fixtures/*"]
"""


def pyproject(dependencies: list[str]) -> str:
    """The handout's packaging: ``pip install -e .`` gives the ``grade`` command."""
    listed = "".join(f'    "{d}",\n' for d in dependencies)
    return string.Template(PYPROJECT).substitute(version=grader.__version__, python=_requires_python(),
                                                 dependencies=listed)


def _dependencies(repo: Path) -> list[str]:
    """The handout's requirements, with the version bounds of the project's own ``pyproject.toml``."""
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    found = {}
    for spec in re.findall(r'^\s*"([A-Za-z0-9_.\-]+[^"]*)"', text, flags=re.MULTILINE):
        name = re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower()
        found.setdefault(name, spec)
    return [found.get(name, name) for name in DEPENDENCIES]


def _requires_python() -> str:
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'requires-python\s*=\s*">=\s*([0-9.]+)"', text)
    return match.group(1) if match else "3.10"
