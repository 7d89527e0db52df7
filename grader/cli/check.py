"""``grade check [EXERCISE]``: the public checks on the learner's own ``exercises/`` folder.

Expected values come from ``solutions/`` when the references are importable (the instructor's
grader), and from the stored public fixtures otherwise (a learner handout built by ``grade handout``).
"""
from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import click

import grader
from grader.catalog import EXERCISES
from grader.cli.options import EXERCISE
from grader.engine import Preparer, grade_submission, prepare
from grader.fixtures import DEFAULT_DIR, FixtureError, FixtureSet
from grader.reference import solutions_available
from grader.report.render import render_terminal
from grader.sandbox.client import ForkServer
from grader.suites import Check

PUBLIC_NOTE = ("These are the public checks only. Hidden checks with fresh random inputs run when your "
               "submission is graded.")
FIXTURE_NOTE = ("These are the public checks only, on fixed inputs that came with the handout. Hidden checks "
                "with fresh random inputs run when your submission is graded.")


@click.command()
@click.argument("exercise", type=EXERCISE, required=False)
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("exercises"),
              show_default=True, help="Folder holding your exercise files.")
@click.option("--seed", type=int, default=None, help="Seed for the inputs (default: a new one each run).")
@click.option("--fixtures", "fixtures_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              hidden=True, help="Use this fixture folder instead of solutions/ (as a handout does).")
def check(exercise: str | None, folder: Path, seed: int | None, fixtures_dir: Path | None) -> None:
    """Run the public checks on your exercise files and print feedback.

    EXERCISE is one of the exercise ids (gates, vanilla, gru, lstm, sequence, stacked,
    bidirectional, param_count); without it every exercise is checked.
    """
    if not folder.is_dir():
        raise click.BadParameter(f"{folder} is not a folder; run this from the folder that holds "
                                 "exercises/, or pass --dir PATH", param_hint="--dir")
    exercises = [exercise] if exercise else None
    if fixtures_dir is None and _full_grader():
        checks, preparer, note = _from_solutions(exercises), prepare, PUBLIC_NOTE
        seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    else:
        checks, preparer = _from_fixtures(exercises, fixtures_dir or DEFAULT_DIR, seed)
        note, seed = FIXTURE_NOTE, 0  # each fixture carries its own seed
    with ForkServer() as sandbox:
        result = grade_submission(folder, learner="you", checks=checks, sandbox=sandbox, seed=seed,
                                  preparer=preparer)
    click.echo(render_terminal(result, colour=True, public_note=note))
    raise SystemExit(0 if result.score == result.max_score else 1)


def _full_grader() -> bool:
    """True when both the references and the suites are here; a handout has neither and uses fixtures."""
    return solutions_available() and all(importlib.util.find_spec(f"grader.suites.{name}") is not None
                                         for name in EXERCISES)


def _from_solutions(exercises: list[str] | None) -> list[Check]:
    from grader.suites import select_checks

    return select_checks(exercises, visibilities=("public",))


def _from_fixtures(exercises: list[str] | None, folder: Path, seed: int | None) -> tuple[list[Check], Preparer]:
    try:
        fixtures = FixtureSet.load(folder)
    except FixtureError as exc:
        raise click.ClickException(str(exc)) from None
    if seed is not None:
        click.echo("Note: --seed has no effect here: the public checks use the inputs stored with the handout.",
                   err=True)
    _require_installed()
    return fixtures.checks(exercises), fixtures


def _require_installed() -> None:
    """The sandbox starts ``python -I``, which sees installed packages only: this grader must be one."""
    probe = subprocess.run([sys.executable, "-I", "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, cwd="/", timeout=60)
    here = Path(grader.__file__).resolve()
    if probe.returncode != 0 or Path(probe.stdout.strip() or "/").resolve() != here:
        raise click.ClickException(
            f"the grader at {here.parent} is not installed in this Python, so its sandbox cannot start. "
            "Run `pip install -e .` in the handout folder (see README.md), then try again.")
