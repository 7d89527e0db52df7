"""``grade check [EXERCISE]``: the public checks on the learner's own ``exercises/`` folder."""
from __future__ import annotations

import random
from pathlib import Path

import click

from grader.cli.options import EXERCISE
from grader.engine import grade_submission
from grader.report.render import render_terminal
from grader.sandbox.client import ForkServer
from grader.suites import select_checks

PUBLIC_NOTE = ("These are the public checks only. Hidden checks with fresh random inputs run when your "
               "submission is graded.")


@click.command()
@click.argument("exercise", type=EXERCISE, required=False)
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("exercises"),
              show_default=True, help="Folder holding your exercise files.")
@click.option("--seed", type=int, default=None, help="Seed for the inputs (default: a new one each run).")
def check(exercise: str | None, folder: Path, seed: int | None) -> None:
    """Run the public checks on your exercise files and print feedback.

    EXERCISE is one of the exercise ids (gates, vanilla, gru, lstm, sequence, stacked,
    bidirectional, param_count); without it every exercise is checked.
    """
    if not folder.is_dir():
        raise click.BadParameter(f"{folder} is not a folder; run this from the folder that holds "
                                 "exercises/, or pass --dir PATH", param_hint="--dir")
    checks = select_checks([exercise] if exercise else None, visibilities=("public",))
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    with ForkServer() as sandbox:
        result = grade_submission(folder, learner="you", checks=checks, sandbox=sandbox, seed=seed)
    click.echo(render_terminal(result, colour=True, public_note=PUBLIC_NOTE))
    raise SystemExit(0 if result.score == result.max_score else 1)
