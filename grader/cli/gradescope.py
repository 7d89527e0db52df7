"""``grade gradescope``: grade one upload inside Gradescope's container; ``build-zip`` makes the autograder.

``grade gradescope`` reads ``/autograder/submission`` and writes ``/autograder/results/results.json``.
It always writes a results file, even when the upload holds no exercise files, the archive is
rejected or the grader itself fails, so Gradescope shows the reason. Outside Gradescope's container
(no ``/autograder/source``) it refuses the default ``/autograder`` paths, so it never creates
``/autograder/results`` on an ordinary machine: give ``--submission`` and ``--results`` (as the
tests do), or ``--local`` to use the defaults anyway.

When the hidden suites cannot run (no file-isolation layer active in the container), the results
say so at the top of the output, the score is 0 rather than the public checks' share (which would
look like a final grade), and the command exits 1, so the run shows as failed to the course staff.
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import click

from grader.archive import ArchiveError
from grader.boundary import GRADER_ERROR, Task, describe_error, grade_task
from grader.export.autograder import SubmissionNotFound, build_zip, locate_submission
from grader.export.gradescope import VISIBILITIES, failure_json, results_json, write_results_json
from grader.model import SubmissionResult
from grader.sandbox.client import ForkServer
from grader.sandbox.confine import file_isolation_active
from grader.suites import select_checks

HIDDEN_VISIBILITY = click.Choice(VISIBILITIES)
AUTOGRADER_ROOT = Path("/autograder")


def inside_gradescope() -> bool:
    """Whether this runs in Gradescope's autograder container (it unpacks the autograder into /autograder/source)."""
    return (AUTOGRADER_ROOT / "source").is_dir()


def hidden_suites_unavailable(document: dict, layers: dict[str, str]) -> dict:
    """``document`` turned into a loud failure: the reason first in its output and a score of 0."""
    reason = ("GRADING ERROR: the hidden checks could not run in this container (no file-isolation "
              f"layer is active: {', '.join(f'{k}: {v}' for k, v in layers.items() if v != 'active') or 'none'}). "
              "This is not your grade; the course staff must fix the autograder (see `grade doctor`).")
    return {**document, "score": 0.0, "output": reason + "\n\n" + document.get("output", "")}


@click.group(invoke_without_command=True)
@click.option("--submission", "upload", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/autograder/submission"), show_default=True, help="The learner's upload.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("/autograder/results/results.json"), show_default=True, help="Where to write results.json.")
@click.option("--seed", type=int, default=None, help="Grading seed (default: a fresh one per run).")
@click.option("--hidden-visibility", type=HIDDEN_VISIBILITY, default="after_published", show_default=True,
              help="When learners see the hidden checks' scores (public checks are always visible).")
@click.option("--local", is_flag=True,
              help="Run outside Gradescope's container with the default /autograder paths.")
@click.pass_context
def gradescope(ctx: click.Context, upload: Path, results_path: Path, seed: int | None, hidden_visibility: str,
               local: bool) -> None:
    """Grade the upload in SUBMISSION and write Gradescope's results.json.

    A results file is always written. The exit status is 0 when the upload was graded or refused
    for a reason of its own (the reason is in the file), 1 when the grader itself failed or the
    hidden checks could not run (the file says so and the submission should be graded again),
    2 outside Gradescope's container with the default paths and without ``--local``."""
    if ctx.invoked_subcommand is not None:
        return
    explicit = all(ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
                   for name in ("upload", "results_path"))
    if not (local or explicit or inside_gradescope()):
        raise click.UsageError(f"this is not Gradescope's autograder container ({AUTOGRADER_ROOT / 'source'} is "
                               "missing); to try it here, give --submission DIR and --results FILE (or --local)")
    started = time.perf_counter()
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    try:
        document, grader_failed = _grade_upload(upload, seed, hidden_visibility, started)
    except Exception as exc:  # noqa: BLE001 - whatever happens, Gradescope gets a results file
        document, grader_failed = _grader_error_json(describe_error(exc), started), True
    write_results_json(document, results_path)
    click.echo(f"Wrote {results_path}: score {document['score']:g}")
    if grader_failed:
        click.echo(f"{GRADER_ERROR}: {document['output']}", err=True)
        sys.exit(1)


def _grade_upload(upload: Path, seed: int, hidden_visibility: str, started: float) -> tuple[dict, bool]:
    """``(results.json document, whether the grader failed)``; grading goes through the fault
    boundary (``grade_task``), so only the steps around it can raise."""
    try:
        located = locate_submission(upload)
        learner = "submission"
        if located.is_archive:  # made by `grade submit` (its manifest names the learner) or zipped by hand
            from grader.archive.extract import read_archive

            learner = read_archive(located.path).learner or "submission"
    except (SubmissionNotFound, ArchiveError) as exc:
        return failure_json(str(exc), time.perf_counter() - started), False
    check_ids = tuple(c.check_id for c in select_checks())
    with ForkServer() as sandbox:
        outcome = grade_task(Task(learner, str(located.path), seed, check_ids, reports="none"), sandbox)
    if outcome.rejected:
        return failure_json(outcome.rejected, time.perf_counter() - started), False
    if outcome.crashed or outcome.result is None:
        return _grader_error_json(outcome.crashed, started), True
    result = SubmissionResult.from_dict(outcome.result)
    document = results_json(result, execution_time=time.perf_counter() - started, hidden_visibility=hidden_visibility)
    if not file_isolation_active(result.sandbox):
        return hidden_suites_unavailable(document, result.sandbox), True
    return document, any(c.details.get("error_kind") == "grader" for c in result.checks)


def _grader_error_json(reason: str, started: float) -> dict:
    return failure_json(f"{GRADER_ERROR}: the grader itself failed ({reason}); this is not a problem with "
                        "your files", time.perf_counter() - started)


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
