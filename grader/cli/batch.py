"""``grade batch SUBMISSIONS --out RESULTS``: grade a class with the public and hidden suites, in parallel.

A re-run resumes: submissions already in the gradebook with the same content, batch seed and
grader are reused, not regraded. The progress bar (rich) shows done / total and an ETA.
"""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from grader.batch import BatchOptions, run_batch
from grader.cli.options import EXERCISE
from grader.gradebook import GradebookError
from grader.pool import default_workers
from grader.suites import select_checks


@click.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for RESULTS/<learner>/ reports, the class summary, dashboard and exports.")
@click.option("--seed", type=int, default=None,
              help="Batch seed (default: the gradebook's, so a re-run resumes; a fresh one for a new gradebook).")
@click.option("--gradebook", "gradebook", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite gradebook file (default: RESULTS/gradebook.sqlite).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help=f"Parallel graders, each with its own sandbox (default: one per core, here {default_workers()}).")
@click.option("--pool", type=click.Choice(["process", "thread"]), default="process", show_default=True,
              help="Worker processes (use every core) or threads (start faster).")
@click.option("--reports", type=click.Choice(["all", "json", "none"]), default="all", show_default=True,
              help="Per-learner files: result.json + report.html + report.md, result.json only, or none.")
@click.option("--inputs", type=click.Choice(["learner", "shared"]), default="learner", show_default=True,
              help="Draw inputs per learner (from the batch seed and learner id), or share the batch seed's "
                   "inputs across the class (faster: expected values and misconception runs are computed once).")
@click.option("--exercise", "-e", "exercises", type=EXERCISE, multiple=True,
              help="Grade only this exercise (repeatable; default: all).")
@click.option("--quiet", is_flag=True, help="No progress bar; only the closing lines.")
def batch(submissions: Path, out_dir: Path, seed: int | None, gradebook: Path | None, workers: int | None,
          pool: str, reports: str, inputs: str, exercises: tuple[str, ...], quiet: bool) -> None:
    """Grade every learner folder (or .zip from `grade submit`) in SUBMISSIONS."""
    console = Console(stderr=True, quiet=quiet)
    options = BatchOptions(seed=seed, workers=workers, pool=pool, gradebook=gradebook, reports=reports,
                           inputs=inputs)
    progress = Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(), TextColumn("•"),
                        TimeElapsedColumn(), TextColumn("• ETA"), TimeRemainingColumn(),
                        TextColumn("{task.fields[last]}"), console=console, transient=False)
    state: dict = {}

    def started(total: int, to_grade: int) -> None:
        reused = total - to_grade
        console.print(f"{total} submissions: {to_grade} to grade, {reused} unchanged since the last run (reused)")
        state["task"] = progress.add_task("grading", total=to_grade, last="")
        progress.start()

    def done(learner: str, result, reused: bool) -> None:
        if reused:
            return
        last = f"{learner} {result.score:g}/{result.max_score:g}" if result else f"{learner} not graded"
        progress.update(state["task"], advance=1, last=last)

    try:
        outcome = run_batch(submissions, out_dir, select_checks(exercises or None), options=options, on_start=started, on_done=done)
    except GradebookError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.stop()
    if not (outcome.results or outcome.failures):
        raise click.ClickException(f"{submissions} holds no submissions: put one folder per learner in it "
                                   "(e.g. alice/gru.py) or the .zip archives made by `grade submit`")
    click.echo(f"Batch seed {outcome.batch_seed}: graded {len(outcome.graded)}, reused {len(outcome.reused)}, "
               f"not graded {len(outcome.failures)}.")
    for learner, why in sorted(outcome.failures.items()):
        click.echo(f"  {learner:<24} not graded: {why}")
    click.echo(f"Class summary: {out_dir / 'index.html'}  dashboard: {out_dir / 'dashboard.html'}  "
               f"grades: {out_dir / 'grades.csv'}  JUnit: {out_dir / 'junit.xml'}")
