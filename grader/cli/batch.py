"""``grade batch SUBMISSIONS --out RESULTS``: grade a class with the public and hidden suites."""
from __future__ import annotations

import random
from pathlib import Path

import click

from grader.batch import run_batch
from grader.suites import select_checks


@click.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for RESULTS/<learner>/result.json, report.html, report.md and the class summary.")
@click.option("--seed", type=int, default=None, help="Grading seed (default: a fresh one, printed).")
def batch(submissions: Path, out_dir: Path, seed: int | None) -> None:
    """Grade every learner folder (or .zip from `grade submit`) in SUBMISSIONS."""
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    checks = select_checks()

    def progress(submission, result) -> None:
        if result is None:
            click.echo(f"  {submission.learner:<24} not graded (see the summary)")
        else:
            click.echo(f"  {submission.learner:<24} {result.score:g} / {result.max_score:g}"
                       f"   ({result.duration_s * 1000:.0f} ms)")

    click.echo(f"Grading {submissions} with seed {seed}")
    outcome = run_batch(submissions, out_dir, checks, seed=seed, on_done=progress)
    for learner, why in outcome.failures.items():
        click.echo(f"  {learner:<24} skipped: {why}")
    click.echo(f"Wrote {len(outcome.results)} reports and the class summary: {out_dir / 'index.html'}")
