"""``grade batch SUBMISSIONS --out RESULTS``: grade a class with the public and hidden suites, in parallel.

A re-run resumes: submissions already in the gradebook with the same content, batch seed and
grader are reused, not regraded. The progress bar (rich) shows done / total and an ETA.

Exit status: 0 when every submission was graded (or reused), 1 when some entry could not be
graded (they are listed), 2 for a usage error (e.g. one learner's folder given instead of the
class's), 130 after Ctrl-C (what was committed is kept; the class outputs show it).
"""
from __future__ import annotations

import os
from pathlib import Path

import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from grader.batch import BatchOptions, run_batch
from grader.cli.options import EXERCISE
from grader.cluster import ClusterError, parse_cluster
from grader.gradebook import GradebookError
from grader.intake import NotASubmissionsFolder, RosterError, read_roster
from grader.names import shown
from grader.pool import default_workers
from grader.sandbox.limits import CPU_BUDGET_VARIABLE, WALL_BUDGET_VARIABLE
from grader.suites import select_checks


class ClusterType(click.ParamType):
    """``local:N`` or a Dask scheduler address (``tcp://HOST:PORT``); anything else says what is accepted."""

    name = "cluster"

    def convert(self, value, param, ctx):
        try:
            return str(parse_cluster(str(value)))
        except ClusterError as exc:
            self.fail(str(exc), param, ctx)


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
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV mapping the LMS's names and ids to learner ids and display names (a Canvas gradebook "
                   "export, a Moodle grading worksheet or participants export, or learner,name).")
@click.option("--assignment", default="Deep RNN exercises", show_default=True,
              help="The assignment's column name in canvas-grades.csv.")
@click.option("--cluster", type=ClusterType(), default=None,
              help="Grade on Dask distributed: local:N starts N worker processes here, tcp://HOST:PORT uses a "
                   "running scheduler (needs the [cluster] extra; see README). --workers/--pool then do not apply.")
@click.option("--time-budget", "time_budget", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds of running time, and of CPU time, that all the calls of one submission may take "
                   "together; the checks it does not reach score 0 (default: 30 s running, 20 s CPU).")
@click.option("--quiet", is_flag=True, help="No progress bar; only the closing lines.")
def batch(submissions: Path, out_dir: Path, seed: int | None, gradebook: Path | None, workers: int | None,
          pool: str, reports: str, inputs: str, exercises: tuple[str, ...], roster: Path | None, assignment: str,
          cluster: str | None, time_budget: float | None, quiet: bool) -> None:
    """Grade every learner's folder or .zip in SUBMISSIONS (as made by `grade submit`, or an LMS's bulk download)."""
    console = Console(stderr=True, quiet=quiet)
    if time_budget is not None:  # read by every worker's sandbox limits (grader.sandbox.limits)
        os.environ[WALL_BUDGET_VARIABLE] = os.environ[CPU_BUDGET_VARIABLE] = repr(time_budget)
    try:
        mapping = read_roster(roster) if roster else None
    except RosterError as exc:
        raise click.UsageError(str(exc)) from None
    options = BatchOptions(seed=seed, workers=workers, pool=pool, gradebook=gradebook, reports=reports,
                           inputs=inputs, roster=mapping, assignment=assignment, cluster=cluster)
    progress = Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(), TextColumn("•"),
                        TimeElapsedColumn(), TextColumn("• ETA"), TimeRemainingColumn(),
                        TextColumn("{task.fields[last]}"), console=console, transient=False)
    state: dict = {}

    def started(total: int, to_grade: int, not_usable: int) -> None:
        reused = total - to_grade
        state["entries"] = total + not_usable
        console.print(f"{total + not_usable} entries: {total} submissions ({to_grade} to grade, {reused} unchanged "
                      f"since the last run), {not_usable} not usable", markup=False)
        state["task"] = progress.add_task("grading", total=to_grade, last="")
        progress.start()

    def done(learner: str, result, reused: bool) -> None:
        if reused:
            return
        last = f"{learner} {result.score:g}/{result.max_score:g}" if result else f"{learner} not graded"
        progress.update(state["task"], advance=1, last=escape(shown(last)))

    try:
        outcome = run_batch(submissions, out_dir, select_checks(exercises or None), options=options, on_start=started, on_done=done)
    except NotASubmissionsFolder as exc:
        raise click.UsageError(str(exc)) from None
    except (GradebookError, ClusterError) as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        progress.stop()
        click.echo("Interrupted before grading began; nothing was changed.", err=True)
        sys.exit(130)
    finally:
        progress.stop()
    if not (outcome.results or outcome.failures):
        raise click.UsageError(f"{submissions} holds no submissions: put one folder per learner in it "
                               "(e.g. alice/gru.py) or the .zip archives made by `grade submit`")
    for warning in outcome.warnings:
        click.echo(f"Warning: {shown(warning)}")
    reused = [learner for learner in outcome.reused if learner not in outcome.failures]
    total = len(outcome.graded) + len(reused) + len(outcome.failures)
    not_reached = max(0, state.get("entries", total) - total) if outcome.interrupted else 0
    click.echo(f"Batch seed {outcome.batch_seed}: {total + not_reached} entries: graded {len(outcome.graded)}, "
               f"reused {len(reused)}, not graded {len(outcome.failures)}"
               + (f", not reached {not_reached} (interrupted)." if outcome.interrupted else "."))
    for learner, why in sorted(outcome.failures.items()):
        click.echo(f"  {shown(learner):<24} not graded: {shown(why)}")
    for name, why in sorted(outcome.output_errors.items()):
        click.echo(f"  class output {name}: {shown(why)}", err=True)
    click.echo(f"Class summary: {out_dir / 'index.html'}  dashboard: {out_dir / 'dashboard.html'}  "
               f"grades: {out_dir / 'grades.csv'}  JUnit: {out_dir / 'junit.xml'}  "
               f"LMS imports: {out_dir / 'canvas-grades.csv'}, {out_dir / 'moodle-grades.csv'}")
    if outcome.interrupted:
        click.echo("Interrupted: the submissions graded so far are kept in the gradebook; run the same command "
                   "again to grade the rest.", err=True)
        sys.exit(130)
    if outcome.failures:
        sys.exit(1)
