"""The client side of cluster grading: the same ``run(tasks) → outcomes`` as ``grader.pool.GradingPool``.

``grader.batch.run_batch`` drives either pool the same way, so planning, resuming, the gradebook
commits (one transaction per submission, by this process only) and the class outputs do not
change. What differs is inside ``run``:

- each task carries its submission as bytes (``payload``) instead of a path, built here;
- tasks go to the workers a few per worker thread at a time (``IN_FLIGHT_PER_WORKER``), so the
  client's memory and the scheduler's queue stay the same for 1,000 submissions as for 10;
- a worker that dies (killed, out of memory, its machine gone) loses nothing: the scheduler runs its
  tasks again on another worker (up to ``distributed.scheduler.allowed-failures`` times, then the
  task comes back as a grader error to re-run). Each task is one future with its own key, and each
  future yields exactly one outcome, so no submission is committed twice or left out;
- the reports a worker rendered come back as bytes and are written here, under ``OUT/<learner>/``.

Every wait has a deadline: connecting, waiting for a first worker, setting the workers up, and the
batch itself, which fails what is still in flight when no task finishes for ``progress_deadline_s``.
"""
from __future__ import annotations

import logging
import queue
import time
import uuid
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, TypeVar

import dask
from distributed import Client, KilledWorker, LocalCluster

from grader.archive import ArchiveError
from grader.boundary import GRADER_ERROR, Task, TaskOutcome, describe_error
from grader.cluster.errors import ClusterError, VersionMismatch
from grader.cluster.fingerprint import grader_fingerprint
from grader.cluster.payload import submission_payload
from grader.cluster.plugin import PLUGIN_NAME, SandboxPlugin
from grader.cluster.remote import REPORT_FILES, grade_on_worker
from grader.cluster.spec import ClusterSpec
from grader.names import result_folder_name

IN_FLIGHT_PER_WORKER = 4  # tasks handed out per worker thread, as the local pool does
CONNECT_DEADLINE_S = 60.0  # reaching the scheduler, or starting a LocalCluster
WORKERS_DEADLINE_S = 120.0  # a scheduler without workers: wait this long for the first one
SETUP_DEADLINE_S = 180.0  # the worker plugin on every worker (imports the grader, starts fork-servers)
PROGRESS_DEADLINE_S = 900.0  # no task finished for this long: the cluster is stuck
RESULT_DEADLINE_S = 60.0  # fetching one finished task's outcome
CLOSE_DEADLINE_S = 30.0
NODES_REFRESH_S = 1.0  # how often the number of worker threads is looked up again (workers come and go)

T = TypeVar("T")


class ClusterPool:
    """Grade tasks on the Dask cluster ``spec``; ``without``: see ``SandboxPlugin`` (tests only)."""

    def __init__(self, spec: ClusterSpec, *, progress_deadline_s: float = PROGRESS_DEADLINE_S,
                 without: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.spec = spec
        self.progress_deadline_s = progress_deadline_s
        self.without = dict(without or {})

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        """Yield one outcome per task, in completion order (raises ``ClusterError`` if the cluster
        cannot grade at all, or a worker's grader differs from this one). No task, no connection."""
        pending = iter(tasks)
        first = next(pending, None)
        if first is None:
            return
        with _connected(self.spec) as client:
            _set_up_workers(client, SandboxPlugin(grader_fingerprint(), self.without))
            try:
                yield from self._graded(client, chain([first], pending))
            finally:
                _quietly(lambda: client.unregister_worker_plugin(PLUGIN_NAME), CLOSE_DEADLINE_S)

    def _graded(self, client: Client, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        pending = iter(tasks)
        running: dict = {}  # future -> task
        finished: queue.Queue = queue.Queue()
        slots = _Slots(client)
        try:
            while True:
                wanted = max(slots.count() - len(running), 0 if running else 1)
                taken = 0
                for task in islice(pending, wanted):
                    taken += 1
                    shipped = _with_payload(task)
                    if isinstance(shipped, TaskOutcome):
                        yield shipped
                        continue
                    future = client.submit(grade_on_worker, shipped, pure=False,
                                           key=f"grade-{task.learner}-{uuid.uuid4().hex}")
                    running[future] = task
                    future.add_done_callback(finished.put)
                if not running:
                    if taken < wanted:
                        return  # every task has been handed out and answered
                    continue
                try:
                    future = finished.get(timeout=self.progress_deadline_s)
                except queue.Empty:
                    yield from _stuck(running, pending, self.progress_deadline_s)
                    return
                task = running.pop(future, None)
                if task is not None:
                    yield _outcome(future, task)
        finally:
            for future in list(running):
                _quietly(future.cancel, CLOSE_DEADLINE_S)


class _Slots:
    """How many tasks may be in flight: ``IN_FLIGHT_PER_WORKER`` per worker thread now on the cluster."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._count = 0
        self._checked = float("-inf")

    def count(self) -> int:
        now = time.monotonic()
        if now - self._checked >= NODES_REFRESH_S:
            self._checked = now
            threads = _within(RESULT_DEADLINE_S, "asking the scheduler for its workers", self.client.nthreads)
            self._count = IN_FLIGHT_PER_WORKER * sum(threads.values())
        return self._count


@contextmanager
def _connected(spec: ClusterSpec) -> Iterator[Client]:
    """A client of the cluster ``spec`` with at least one worker; closes what it started."""
    cluster = None
    try:
        if spec.local_workers:
            cluster = _within(CONNECT_DEADLINE_S, f"starting a LocalCluster of {spec.local_workers} workers",
                              lambda: _local_cluster(spec.local_workers))
            client = Client(cluster, timeout=CONNECT_DEADLINE_S)
        else:
            try:
                client = Client(spec.address, timeout=CONNECT_DEADLINE_S)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(f"cannot reach the Dask scheduler at {spec.address} within "
                                   f"{CONNECT_DEADLINE_S:g} s ({describe_error(exc)}); start it with "
                                   "`dask scheduler` and check the address") from exc
        try:
            try:
                client.wait_for_workers(1, timeout=WORKERS_DEADLINE_S)
            except TimeoutError as exc:
                raise ClusterError(f"the Dask scheduler at {spec} has no workers after {WORKERS_DEADLINE_S:g} s; "
                                   "start some with `dask worker ADDRESS --nthreads 1`") from exc
            yield client
        finally:
            _quietly(lambda: client.close(timeout=CLOSE_DEADLINE_S), CLOSE_DEADLINE_S + 5)
    finally:
        if cluster is not None:
            _quietly(lambda: cluster.close(timeout=CLOSE_DEADLINE_S), CLOSE_DEADLINE_S + 5)


# Dask's own housekeeping, slowed where a grading cluster gains nothing from it. At the defaults an
# idle LocalCluster of 2 workers costs 15% of a core (event-loop health ticks every 20 ms, memory
# polls every 100 ms, system monitors every 500 ms); with these, about 2% (and ~6 ms of CPU per task
# instead of ~8). Dask's sampling profiler is off too: it would interrupt the grading threads every
# 10 ms to record stacks nobody reads. The sandbox limits each child's memory itself.
QUIET_DASK = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
}


def _local_cluster(workers: int) -> LocalCluster:
    """``workers`` single-threaded worker processes here, with Dask's housekeeping slowed (``QUIET_DASK``)."""
    with dask.config.set(QUIET_DASK):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            silence_logs=logging.ERROR)


def _set_up_workers(client: Client, plugin: SandboxPlugin) -> None:
    """Register the worker plugin: every worker there now checks its fingerprint and starts its
    fork-servers (one that joins later does the same when it joins)."""
    try:
        _within(SETUP_DEADLINE_S, "setting up the grader on the workers",
                lambda: client.register_plugin(plugin, name=PLUGIN_NAME))
    except ClusterError:
        raise
    except Exception as exc:  # noqa: BLE001 - any worker-side failure becomes one clear error
        raise ClusterError(f"the workers could not set up the grader ({describe_error(exc)}); each worker needs "
                           "Linux with the sandbox layers and the same deep-rnn-grader as the client, with the "
                           "[cluster] extra") from exc


def _with_payload(task: Task) -> Task | TaskOutcome:
    """``task`` carrying its submission's bytes, or the outcome when the submission cannot be packed."""
    if task.result is not None or task.payload is not None:
        return task
    try:
        payload, kind = submission_payload(task.learner, Path(task.path))
        return replace(task, path="", payload=payload, payload_kind=kind)
    except ArchiveError as exc:
        return TaskOutcome(task.learner, rejected=str(exc))
    except Exception as exc:  # noqa: BLE001 - the per-submission boundary on the client side
        return TaskOutcome(task.learner, crashed=describe_error(exc))


def _outcome(future, task: Task) -> TaskOutcome:
    """The outcome of a finished future, with its reports written in ``task.out_dir`` where a local
    worker writes them."""
    try:
        outcome = future.result(timeout=RESULT_DEADLINE_S)
    except VersionMismatch:
        raise
    except KilledWorker as exc:
        return TaskOutcome(task.learner, crashed=f"{GRADER_ERROR}: every worker that took this submission died "
                                                 f"({describe_error(exc)})")
    except Exception as exc:  # noqa: BLE001 - a lost or failed task fails this submission only
        return TaskOutcome(task.learner, crashed=f"{GRADER_ERROR}: {describe_error(exc)}")
    finally:
        _quietly(future.release, CLOSE_DEADLINE_S)
    if not isinstance(outcome, TaskOutcome) or outcome.learner != task.learner:
        return TaskOutcome(task.learner, crashed=f"{GRADER_ERROR}: a worker answered for another task")
    reports = outcome.extra.pop("reports", None)
    if reports and task.out_dir:
        try:
            _write_reports(Path(task.out_dir) / result_folder_name(task.learner), reports)
        except Exception as exc:  # noqa: BLE001 - the grade is kept even if its reports cannot be written
            outcome.report_error = outcome.report_error or describe_error(exc)
    return outcome


def _write_reports(folder: Path, reports: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in REPORT_FILES:
        if name in reports:
            (folder / name).write_bytes(reports[name])


def _stuck(running: dict, pending: Iterator[Task], deadline_s: float) -> Iterator[TaskOutcome]:
    """No task finished for ``deadline_s``: what is in flight and what is left becomes a grader error."""
    reason = (f"{GRADER_ERROR}: the cluster finished no submission for {deadline_s:g} s "
              "(workers gone or stuck); re-run the batch to grade this one")
    for future, task in list(running.items()):
        _quietly(future.cancel, CLOSE_DEADLINE_S)
        del running[future]
        yield TaskOutcome(task.learner, crashed=reason)
    for task in pending:
        yield TaskOutcome(task.learner, crashed=reason)


def _within(seconds: float, what: str, call: Callable[[], T]) -> T:
    """``call()``, or ``ClusterError`` if it has not returned after ``seconds`` (it is left to finish)."""
    runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cluster-deadline")
    try:
        return runner.submit(call).result(timeout=seconds)
    except FutureTimeout as exc:
        raise ClusterError(f"{what} took longer than {seconds:g} s") from exc
    finally:
        runner.shutdown(wait=False)


def _quietly(call: Callable[[], object], seconds: float) -> None:
    """A cleanup step with a deadline that never raises."""
    try:
        _within(seconds, "a cleanup step", call)
    except Exception:  # noqa: BLE001 - cleanup cannot raise
        pass
