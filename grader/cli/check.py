"""``grade check [EXERCISE]``: the public checks on the learner's own ``exercises/`` folder.

Expected values come from ``solutions/`` when the references are importable (the instructor's
grader), and from the stored public fixtures otherwise (a learner handout built by ``grade handout``).
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click

from grader.cli.options import EXERCISE
from grader.engine import grade_submission
from grader.fixtures import FixtureError
from grader.local_check import LocalCheckError, public_run
from grader.report.render import render_terminal
from grader.sandbox.client import ForkServer


@click.command()
@click.argument("exercise", type=EXERCISE, required=False)
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("exercises"),
              show_default=True, help="Folder holding your exercise files.")
@click.option("--seed", type=int, default=None, help="Seed for the inputs (default: a new one each run).")
@click.option("--fixtures", "fixtures_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              hidden=True, help="Use this fixture folder instead of solutions/ (as a handout does).")
@click.pass_obj
def check(services: dict | None, exercise: str | None, folder: Path, seed: int | None,
          fixtures_dir: Path | None) -> None:
    """Run the public checks on your exercise files and print feedback.

    EXERCISE is one of the exercise ids (gates, vanilla, gru, lstm, sequence, stacked,
    bidirectional, param_count, backprop, gradient_flow, masked, conventions); without it
    every exercise is checked.
    """
    if not folder.is_dir():
        raise click.BadParameter(f"{folder} is not a folder; run this from the folder that holds "
                                 "exercises/, or pass --dir PATH", param_hint="--dir")
    try:
        run = public_run([exercise] if exercise else None, seed=seed, fixtures_dir=fixtures_dir)
    except LocalCheckError as exc:
        raise click.ClickException(str(exc)) from None
    if seed is not None and run.from_fixtures:
        click.echo("Note: --seed has no effect here: the public checks use the inputs stored with the handout.",
                   err=True)
    warm = (services or {}).get("sandbox")  # the check service's fork-server (grader.check_service)
    symbolic = any(c.kind == "symbolic" for c in run.checks)
    with nullcontext(warm) if warm else ForkServer(symbolic=symbolic) as sandbox:
        try:
            result = grade_submission(folder, learner="you", checks=run.checks, sandbox=sandbox, seed=run.seed,
                                      preparer=run.preparer)
        except FixtureError as exc:  # a fixture file changed since the handout was built: read as it is used
            raise click.ClickException(str(exc)) from None
    click.echo(render_terminal(result, colour=True, public_note=run.note))
    raise SystemExit(0 if result.score == result.max_score else 1)
