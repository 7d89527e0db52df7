"""Grade submissions in parallel: a pool of workers, each owning one warm fork-server.

Two kinds of pool, same interface:

- ``process`` (the default): worker processes forked from a ``forkserver`` that has imported the
  grader once (``spawn`` where there is none). The trusted-side work of a
  submission (drawing inputs, computing expected values, judging, rendering reports) is pure Python
  and holds the GIL, so only separate processes use more than one core for it.
- ``thread``: worker threads in this process. Cheaper to start, but only the sandbox's own time
  overlaps; kept for small batches and for comparison in ``benchmarks/batch_throughput.py``.

Each worker grades a task with ``grader.boundary.grade_task`` (``Task`` and ``TaskOutcome`` live
there and are re-exported here): nothing raised while grading one submission leaves its worker; a
grader failure comes back as ``crashed`` so the batch can go on and retry it later.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from multiprocessing import util as mp_util
from typing import Iterable, Iterator, Literal

from grader.boundary import ReportMode, Task, TaskOutcome, describe_error, grade_task

__all__ = ["GradingPool", "InputScope", "PoolKind", "ReportMode", "Task", "TaskOutcome", "default_workers", "run_task"]

PoolKind = Literal["process", "thread"]
InputScope = Literal["learner", "shared"]
IN_FLIGHT_PER_WORKER = 4  # tasks queued per worker: enough to keep it busy, few enough to stay cheap


def default_workers() -> int:
    """One worker per available core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


# -- worker side ---------------------------------------------------------------------------------

_local = threading.local()
_servers: list = []
_servers_lock = threading.Lock()


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


def run_task(task: Task) -> TaskOutcome:
    """Grade (or render) one task with this worker's fork-server; never raises (``grade_task``)."""
    try:
        sandbox = _sandbox()
    except Exception as exc:  # noqa: BLE001 - no sandbox here: this task is re-run later
        return TaskOutcome(learner=task.learner, crashed=f"the worker could not start its sandbox ({describe_error(exc)})")
    outcome = grade_task(task, sandbox)
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

    return (["__main__", "grader.boundary", "grader.pool", "grader.batch", "grader.diagnose", "grader.report.render",
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
        finished_normally = False
        try:
            while True:
                fresh = list(islice(pending, self.workers * IN_FLIGHT_PER_WORKER - len(running)))
                if not fresh and not running:
                    finished_normally = True
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
                        done = future.result()
                    except BrokenProcessPool:
                        done = _worker_died(task)
                    except Exception as exc:  # noqa: BLE001 - e.g. an outcome that could not cross back
                        done = TaskOutcome(learner=task.learner, crashed=f"the grading worker failed ({describe_error(exc)})")
                    yield done
        finally:
            if executor is not None and not finished_normally:
                _abandon(executor)  # Ctrl-C, or the caller stopped early: do not wait for running tasks
            elif executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
            if self.kind == "thread":
                _close_thread_servers()


def _abandon(executor: Executor) -> None:
    """Stop at once: queued tasks cancelled, worker processes terminated (their fork-servers end when
    their stdin closes). Threads cannot be killed; their current task runs out its own deadline."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError, AttributeError):
            pass
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.join(timeout=0.5)
        except (OSError, ValueError, AssertionError, AttributeError):
            pass


def _worker_died(task: Task) -> TaskOutcome:
    return TaskOutcome(learner=task.learner, crashed="a grading worker process died; "
                       "re-run the batch to grade this submission")
