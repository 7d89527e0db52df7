"""``grade handout --out DIR``: build the learner handout (no references, no hidden checks inside)."""
from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the handout into (new or empty).")
@click.option("--seed", type=int, default=None, help="Seed for the public checks' inputs (default: a new one).")
@click.option("--force", is_flag=True,
              help="Replace an earlier handout in --out (one with a learner's work in it is moved aside, never deleted).")
@click.option("--no-quiz", is_flag=True,
              help="Leave out the practice quiz (the bank's conceptual questions with their answers): use it when "
                   "those questions will appear on a graded exam.")
def handout(out: Path, seed: int | None, force: bool, no_quiz: bool) -> None:
    """Build the learner handout: exercise stubs, README, the checker and public check fixtures."""
    from grader.handout import HandoutError, build_handout

    try:
        summary = build_handout(out, seed=seed, force=force, quiz=not no_quiz)
    except HandoutError as exc:
        raise click.ClickException(str(exc)) from None
    if summary.moved_aside is not None:
        shown = ", ".join(summary.learner_files[:5]) + (" …" if len(summary.learner_files) > 5 else "")
        click.echo(f"The earlier handout in {summary.out} had work in it ({len(summary.learner_files)} files "
                   f"added or changed: {shown}); it was moved, untouched, to {summary.moved_aside}")
    click.echo(f"Wrote the handout to {summary.out}")
    click.echo(f"  {len(summary.files)} files copied, fixtures for {len(summary.public_checks)} public checks "
               f"(seed {summary.seed})")
    click.echo("  Learners run: pip install -e . ; grade check ; grade quiz ; grade submit --learner ID")
