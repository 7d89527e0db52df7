"""``grade gradescope``: grade one upload inside Gradescope's container; ``build-zip`` makes the autograder.

``grade gradescope`` reads ``/autograder/submission`` and writes ``/autograder/results/results.json``
(both paths can be changed, which is how the tests run it). It always writes a results file, even
when the upload holds no exercise files or the archive is rejected, so Gradescope shows the reason.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

import click

from grader.archive import ArchiveError
from grader.batch import Submission, grade_one
from grader.export.autograder import SubmissionNotFound, build_zip, locate_submission
from grader.export.gradescope import VISIBILITIES, failure_json, results_json, write_results_json
from grader.sandbox.client import ForkServer
from grader.suites import select_checks

HIDDEN_VISIBILITY = click.Choice(VISIBILITIES)


@click.group(invoke_without_command=True)
@click.option("--submission", "upload", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/autograder/submission"), show_default=True, help="The learner's upload.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("/autograder/results/results.json"), show_default=True, help="Where to write results.json.")
@click.option("--seed", type=int, default=None, help="Grading seed (default: a fresh one per run).")
@click.option("--hidden-visibility", type=HIDDEN_VISIBILITY, default="after_published", show_default=True,
              help="When learners see the hidden checks' scores (public checks are always visible).")
@click.pass_context
def gradescope(ctx: click.Context, upload: Path, results_path: Path, seed: int | None, hidden_visibility: str) -> None:
    """Grade the upload in SUBMISSION and write Gradescope's results.json."""
    if ctx.invoked_subcommand is not None:
        return
    started = time.perf_counter()
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    try:
        located = locate_submission(upload)
        submission = Submission("submission", located.path)
        if located.is_archive:
            from grader.archive import read_submission

            manifest, _ = read_submission(located.path)
            submission = Submission(str(manifest["learner"]), located.path)
        with ForkServer() as sandbox:
            result = grade_one(submission, select_checks(), sandbox, seed)
        document = results_json(result, execution_time=time.perf_counter() - started,
                                hidden_visibility=hidden_visibility)
    except (SubmissionNotFound, ArchiveError) as exc:
        document = failure_json(str(exc), time.perf_counter() - started)
    write_results_json(document, results_path)
    click.echo(f"Wrote {results_path}: score {document['score']:g}")


@gradescope.command("build-zip")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("autograder.zip"),
              show_default=True, help="The zip to upload as the assignment's autograder.")
@click.option("--hidden-visibility", type=HIDDEN_VISIBILITY, default="after_published", show_default=True,
              help="Written into run_autograder.")
def build_zip_command(out: Path, hidden_visibility: str) -> None:
    """Build the autograder zip: setup.sh, run_autograder and the grader's source."""
    names = build_zip(out, hidden_visibility=hidden_visibility)
    click.echo(f"Wrote {out} ({len(names)} files, with setup.sh and run_autograder). "
               "Upload it in Gradescope under Configure Autograder.")
