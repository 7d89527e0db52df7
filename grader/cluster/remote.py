"""What a Dask worker runs for one task: the shared fault boundary, with the reports sent back as bytes.

Workers may share no filesystem with the client, and the client is the only writer of the results
folder. So a worker grades with ``grader.boundary.grade_task`` exactly as a local pool worker does,
but lets it write the learner's reports into a private scratch folder, reads them back and returns
them in ``outcome.extra["reports"]`` (file name → bytes); the client writes them where the local
pool would have. Rendering stays on the workers (it is ~10 ms of CPU per learner, which would add up
on the one client); the bytes are what the local pool writes, so the two cannot drift apart.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from distributed import get_worker

from grader.boundary import Task, TaskOutcome, describe_error, grade_task
from grader.cluster.errors import VersionMismatch
from grader.cluster.plugin import PLUGIN_NAME
from grader.names import result_folder_name

REPORT_FILES = ("result.json", "report.html", "report.md")  # what ``grade_task`` may write per learner


def grade_on_worker(task: Task) -> TaskOutcome:
    """Grade (or render) ``task`` with this worker's fork-server.

    Never raises, except ``VersionMismatch`` on a worker whose grader differs from the client's: that
    is not this submission's fault and must stop the batch with a clear error, not grade it here."""
    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None:
        return TaskOutcome(task.learner, crashed=f"worker {worker.address} has no grader plugin")
    try:
        server = plugin.acquire()
    except VersionMismatch:
        raise
    except Exception as exc:  # noqa: BLE001 - no sandbox on this worker: a grader error, re-run later
        return TaskOutcome(task.learner, crashed=describe_error(exc))
    try:
        return _graded(task, server, worker.address)
    finally:
        plugin.release(server)


def _graded(task: Task, server, address: str) -> TaskOutcome:
    wants_reports = bool(task.out_dir) and task.reports != "none"
    scratch = tempfile.mkdtemp(prefix="reports-") if wants_reports else None
    try:
        outcome = grade_task(replace(task, out_dir=scratch), server)
        outcome.extra["worker"] = address
        if scratch is not None:
            try:
                outcome.extra["reports"] = _read_reports(Path(scratch) / result_folder_name(task.learner))
            except Exception as exc:  # noqa: BLE001 - the grade is kept even if its reports are lost
                outcome.report_error = outcome.report_error or describe_error(exc)
        return outcome
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _read_reports(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in REPORT_FILES if (folder / name).is_file()}
