"""Grade submissions in parallel: a pool of workers, each owning one warm fork-server.

Two kinds of pool, same interface:

- ``process`` (the default): worker processes forked from a ``forkserver`` that has imported the
  grader once (``spawn`` where there is none). The trusted-side work of a
  submission (drawing inputs, computing expected values, judging, rendering reports) is pure Python
  and holds the GIL, so only separate processes use more than one core for it.
- ``thread``: worker threads in this process. Cheaper to start, but only the sandbox's own time
  overlaps; kept for small batches and for comparison in ``benchmarks/batch_throughput.py``.

A task names its checks by id (checks hold functions and do not cross process boundaries) and
returns a plain ``TaskOutcome``. A learner's fault never raises out of a worker; an unexpected
failure of the grader itself comes back as ``crashed`` so the batch can go on and retry it later.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import util as mp_util
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

PoolKind = Literal["process", "thread"]
ReportMode = Literal["all", "json", "none"]
InputScope = Literal["learner", "shared"]
MAX_PREPARED = 4096
IN_FLIGHT_PER_WORKER = 4  # tasks queued per worker: enough to keep it busy, few enough to stay cheap


@dataclass(frozen=True)
class Task:
    """Grade one learner (or, with ``result`` set, only write the reports of a stored result)."""

    learner: str
    path: str
    seed: int
    check_ids: tuple[str, ...]
    out_dir: str | None = None
    reports: ReportMode = "all"
    result: dict[str, Any] | None = None
    shared_inputs: bool = False  # every task of the batch has the same seed: reuse prepared checks


@dataclass
class TaskOutcome:
    """What a worker sends back: a result as a dict, or why there is none."""

    learner: str
    result: dict[str, Any] | None = None
    rejected: str = ""  # the submission itself is unusable (e.g. a tampered archive)
    crashed: str = ""  # the grader failed; the submission should be graded again later
    report_error: str = ""
    latency_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def default_workers() -> int:
    """One worker per available core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


# -- worker side ---------------------------------------------------------------------------------

_local = threading.local()
_servers: list = []
_servers_lock = threading.Lock()
_checks_cache: dict[tuple[str, ...], list] = {}
_prepared: dict[tuple[str, int], Any] = {}
_prepared_lock = threading.Lock()


def _shared_prepare(check, seed: int):
    """``engine.prepare`` once per (check, seed) in this worker: learners sharing a seed share inputs."""
    from grader.engine import prepare

    key = (check.check_id, seed)
    with _prepared_lock:
        found = _prepared.get(key)
    if found is None:
        found = prepare(check, seed)
        with _prepared_lock:
            if len(_prepared) >= MAX_PREPARED:
                _prepared.clear()
            _prepared[key] = found
    return found


def _sandbox():
    """This worker's fork-server, started on first use and closed when the worker ends."""
    server = getattr(_local, "server", None)
    if server is None:
        from grader.sandbox.client import ForkServer

        server = ForkServer()
        server.start()
        _local.server = server
        with _servers_lock:
            _servers.append(server)
        if multiprocessing.parent_process() is not None:  # a pool process: close at its exit
            mp_util.Finalize(server, server.close, exitpriority=10)
    return server


def _checks(check_ids: tuple[str, ...]) -> list:
    if check_ids not in _checks_cache:
        from grader.suites import all_checks

        wanted = set(check_ids)
        _checks_cache[check_ids] = [c for c in all_checks() if c.check_id in wanted]
    return _checks_cache[check_ids]


def run_task(task: Task) -> TaskOutcome:
    """Grade (or render) one task; never raises."""
    from grader.archive import ArchiveError
    from grader.batch import Submission, grade_one
    from grader.engine import prepare
    from grader.model import SubmissionResult

    started = time.perf_counter()
    outcome = TaskOutcome(learner=task.learner)
    if task.result is not None:
        result = SubmissionResult.from_dict(task.result)
        data = task.result
    else:
        try:
            result = grade_one(Submission(task.learner, Path(task.path)), _checks(task.check_ids), _sandbox(),
                               task.seed, _shared_prepare if task.shared_inputs else prepare)
        except ArchiveError as exc:
            outcome.rejected = str(exc)
            outcome.latency_s = time.perf_counter() - started
            return outcome
        except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the batch
            outcome.crashed = f"{type(exc).__name__}: {exc}"
            outcome.extra["traceback"] = traceback.format_exc(limit=8)
            outcome.latency_s = time.perf_counter() - started
            return outcome
        data = outcome.result = result.to_dict()
    if task.out_dir and task.reports != "none":
        try:
            _write_reports(result, data, Path(task.out_dir) / task.learner, task.reports)
        except Exception as exc:  # noqa: BLE001 - the grade is kept even if its report cannot be written
            outcome.report_error = f"{type(exc).__name__}: {exc}"
    outcome.latency_s = time.perf_counter() - started
    _freeze_once()
    return outcome


_frozen = False


def _freeze_once() -> None:
    """In a pool process, after its first task: move everything loaded so far (NumPy, SymPy, the
    suites, the references, the misconception variants) out of the garbage collector's reach, so its
    full collections stop re-scanning them (~80 ms each). Thread pools leave the caller's process alone."""
    global _frozen
    if _frozen or multiprocessing.parent_process() is None:
        return
    _frozen = True
    gc.collect()
    gc.freeze()


def _write_reports(result, data: dict[str, Any], folder: Path, mode: ReportMode) -> None:
    """The learner's reports; ``data`` is ``result.to_dict()``, made once for the reports and the reply."""
    from grader.report.render import render_json, write_learner_reports

    if mode == "all":
        write_learner_reports(result, folder, data)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "result.json").write_text(render_json(result, data), encoding="utf-8")


def _close_thread_servers() -> None:
    with _servers_lock:
        servers = list(_servers)
        _servers.clear()
    for server in servers:
        server.close()


# -- pool side -----------------------------------------------------------------------------------


def _preloaded_modules() -> list[str]:
    """What every worker imports before its first task (a module that cannot be imported is skipped)."""
    from grader.catalog import EXERCISES

    return (["__main__", "grader.pool", "grader.batch", "grader.diagnose", "grader.report.render",
             "grader.misconceptions.preloaded"]
            + [f"grader.suites.{exercise}" for exercise in EXERCISES]
            + [f"solutions.{exercise}" for exercise in EXERCISES])


def _process_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a ``forkserver`` that has imported the grader once (NumPy, SymPy, the
    suites, the references: ~1.5 s of CPU), instead of each ``spawn``ed worker importing it all again.
    The fork server is a fresh single-threaded process, so forking it is safe; it lives as long as
    this process and serves every later pool too. ``spawn`` where there is no fork server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_preloaded_modules())
    return context


class GradingPool:
    """Run tasks on ``workers`` workers of the given kind; results come back as they finish."""

    def __init__(self, workers: int | None = None, kind: PoolKind = "process") -> None:
        self.workers = max(1, workers or default_workers())
        self.kind = kind

    def _executor(self) -> Executor:
        if self.kind == "thread":
            return ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="grader")
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=_process_context())

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        """Yield one outcome per task, in completion order. A dead worker fails only its tasks.

        Tasks are handed to the executor a few at a time (``IN_FLIGHT_PER_WORKER`` per worker) and
        a finished future is dropped once its outcome is yielded, so the pool's bookkeeping and
        memory stay the same for 1,000 submissions as for 10.
        """
        pending = iter(tasks)
        running: dict[Future, Task] = {}
        executor = None
        try:
            while True:
                fresh = list(islice(pending, self.workers * IN_FLIGHT_PER_WORKER - len(running)))
                if not fresh and not running:
                    return
                if executor is None:
                    executor = self._executor()
                for task in fresh:
                    try:
                        running[executor.submit(run_task, task)] = task
                    except BrokenProcessPool:
                        yield _worker_died(task)
                if not running:
                    continue
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        yield _worker_died(task)
        finally:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
            if self.kind == "thread":
                _close_thread_servers()


def _worker_died(task: Task) -> TaskOutcome:
    return TaskOutcome(learner=task.learner, crashed="a grading worker process died; "
                       "re-run the batch to grade this submission")
