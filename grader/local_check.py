"""The public checks a learner runs on their own machine, from the command line or a notebook kernel.

Expected values come from ``solutions/`` when the references are importable (the instructor's
grader), and from the stored public fixtures otherwise (a learner handout built by ``grade handout``).
``grade check`` and ``grader.notebook.check`` both start here, so they grade the same way.
"""
from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import grader
from grader.catalog import EXERCISES
from grader.engine import Preparer, prepare
from grader.fixtures import DEFAULT_DIR, FixtureError, FixtureSet
from grader.reference import solutions_available
from grader.suites import Check

PUBLIC_NOTE = ("These are the public checks only. Hidden checks with fresh random inputs run when your "
               "submission is graded.")
FIXTURE_NOTE = ("These are the public checks only, on fixed inputs that came with the handout. Hidden checks "
                "with fresh random inputs run when your submission is graded.")


class LocalCheckError(RuntimeError):
    """The public checks cannot run here (fixtures missing or altered, the grader not installed)."""


@dataclass(frozen=True)
class PublicRun:
    """What to grade with: the checks, where their inputs and expected values come from, the seed, a note."""

    checks: list[Check]
    preparer: Preparer
    seed: int
    note: str
    from_fixtures: bool


def public_run(exercises: list[str] | None, *, seed: int | None = None,
               fixtures_dir: Path | None = None) -> PublicRun:
    """The public checks of ``exercises`` (all when None), from the references or else the fixtures."""
    if fixtures_dir is None and full_grader():
        from grader.suites import select_checks

        checks = select_checks(exercises, visibilities=("public",))
        return PublicRun(checks, prepare, seed if seed is not None else random.SystemRandom().randrange(2**31),
                         PUBLIC_NOTE, from_fixtures=False)
    fixtures = _fixture_set(Path(fixtures_dir or DEFAULT_DIR).resolve())
    require_installed()
    return PublicRun(fixtures.checks(exercises), fixtures, 0, FIXTURE_NOTE, from_fixtures=True)  # each fixture has its seed


def full_grader() -> bool:
    """True when both the references and the suites are here; a handout has neither and uses fixtures."""
    return solutions_available() and all(importlib.util.find_spec(f"grader.suites.{name}") is not None
                                         for name in EXERCISES)


@lru_cache(maxsize=4)
def _fixture_set(folder: Path) -> FixtureSet:
    """The fixtures of ``folder``, read and verified once per process (a kernel checks many times)."""
    try:
        return FixtureSet.load(folder)
    except FixtureError as exc:
        raise LocalCheckError(str(exc)) from None


@lru_cache(maxsize=1)
def require_installed() -> None:
    """The sandbox starts ``python -I``, which sees installed packages only: this grader must be one."""
    probe = subprocess.run([sys.executable, "-I", "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, cwd="/", timeout=60)
    here = Path(grader.__file__).resolve()
    if probe.returncode != 0 or Path(probe.stdout.strip() or "/").resolve() != here:
        raise LocalCheckError(
            f"the grader at {here.parent} is not installed in this Python, so its sandbox cannot start. "
            "Run `pip install -e .` in the handout folder (see README.md), then try again.")
