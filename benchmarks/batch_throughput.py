"""Class-scale throughput: ``grade batch`` on N synthetic submissions, next to a naive baseline.

Usage: ``python benchmarks/batch_throughput.py [--sizes 100 1000] [--workers 2] [--baseline 12]
[--exercises gates vanilla …]`` (``--exercises``: grade only those exercises' checks, e.g. to see
what some exercises add to the cost of a submission)

The synthetic class mixes, by learner index:
  - correct (50%): the references, or ``samples/class/ada_lovelace`` (same results, different code);
  - buggy (35%): ``chen_wei`` (classic mistakes) or ``ben_okafor`` (half done, half stubs);
  - broken (15%): exercise stubs, or ``dana_smith`` with its endless loop replaced by a crash
    (``gru.py`` does not parse, ``bidirectional.py`` calls ``sys.exit`` at import, ``lstm`` returns lists).
Every submission gets a comment line of its own, so no two have the same content. Endless loops are
left out of the mix on purpose: each costs the sandbox's wall-clock limit (5 s) by design, which
would measure the limit rather than the grader.

Figures printed per N: wall time, submissions per second, p50 / p95 of the per-submission latency
(time in the worker: extraction, inputs and expected values, sandbox run, judging, result.json),
and the peak resident memory of the whole process tree (grader, workers, fork-servers, children),
sampled every 100 ms. The naive baseline runs ``grade gradescope`` on each of a sample of the same
submissions, one fresh ``python`` process per submission, measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.batch import BatchOptions, run_batch  # noqa: E402
from grader.catalog import EXERCISE_FILES  # noqa: E402
from grader.suites import select_checks  # noqa: E402

SAMPLES = ROOT / "samples" / "class"
KINDS = [("correct", ROOT / "solutions"), ("correct", SAMPLES / "ada_lovelace"),
         ("buggy", SAMPLES / "chen_wei"), ("buggy", SAMPLES / "ben_okafor"),
         ("broken", ROOT / "exercises"), ("broken", SAMPLES / "dana_smith")]
PLAN = [0] * 5 + [1] * 5 + [2] * 4 + [3] * 3 + [4] * 1 + [5] * 2  # 50% correct, 35% buggy, 15% broken
ENDLESS = "        while t < T:"
CRASH = "        raise RuntimeError('stopped early')\n        while t < T:"


def make_class(folder: Path, count: int) -> dict[str, int]:
    """Write ``count`` learner folders; returns how many of each kind."""
    tally: dict[str, int] = {}
    for i in range(count):
        kind, source = KINDS[PLAN[i % len(PLAN)]]
        tally[kind] = tally.get(kind, 0) + 1
        target = folder / f"learner{i:05d}"
        target.mkdir(parents=True)
        for name in EXERCISE_FILES:
            text = (source / name).read_text(encoding="utf-8").replace(ENDLESS, CRASH)
            (target / name).write_text(text + f"\n# submission {i}\n", encoding="utf-8")
    return tally


class PeakMemory:
    """Peak summed RSS of this process and all its descendants, sampled in a thread.

    Each sample follows ``/proc/<pid>/task/<tid>/children`` down from this process and reads one
    ``statm`` per process of the tree (a few dozen files), instead of scanning every process of
    the machine, so the sampler costs the run it measures next to nothing.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.is_set():
            total = 0
            for pid in _tree(os.getpid()):
                try:
                    with open(f"/proc/{pid}/statm", "rb") as statm:
                        total += int(statm.read().split()[1]) * page
                except (OSError, IndexError, ValueError):
                    pass  # the process ended between listing and reading
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from the kernel's per-thread lists of children."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in threads:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as children:
                    stack.extend(int(child) for child in children.read().split())
            except OSError:
                pass
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_batch(count: int, workers: int, pool: str, reports: str, inputs: str, scratch: Path,
                  exercises: list[str] | None = None) -> dict:
    submissions = scratch / f"class-{count}"
    tally = make_class(submissions, count) if not submissions.exists() else {}
    out = scratch / f"out-{count}-{pool}-{reports}-{inputs}"
    with PeakMemory() as memory:
        started = time.perf_counter()
        outcome = run_batch(submissions, out, select_checks(exercises), seed=2024,
                            options=BatchOptions(workers=workers, pool=pool, reports=reports, inputs=inputs))
        wall = time.perf_counter() - started
    latencies = list(outcome.latencies.values())
    assert len(outcome.results) + len(outcome.failures) == count, "every submission must be accounted for"
    return {"n": count, "mix": tally, "wall": wall, "rate": count / wall, "p50": percentile(latencies, 0.5),
                    "p95": percentile(latencies, 0.95), "peak_mb": memory.peak / 2**20, "graded": len(outcome.graded)}


def measure_naive(count: int, scratch: Path) -> dict:
    """``grade gradescope`` on each submission: a fresh interpreter, sandbox and checks every time."""
    submissions = scratch / "naive"
    make_class(submissions, count)
    grade = Path(sys.executable).with_name("grade")
    latencies = []
    with PeakMemory() as memory:
        started = time.perf_counter()
        for folder in sorted(submissions.iterdir()):
            begun = time.perf_counter()
            # exit status 1 means the grader failed on it (e.g. a sandbox timeout on a loaded machine);
            # results.json is written either way
            done = subprocess.run([str(grade), "gradescope", "--submission", str(folder), "--results",
                                   str(folder / "results.json"), "--seed", "2024"], capture_output=True)
            if done.returncode not in (0, 1) or not (folder / "results.json").is_file():
                raise RuntimeError(f"grade gradescope failed on {folder.name}: {done.stderr.decode()[-500:]}")
            latencies.append(time.perf_counter() - begun)
        wall = time.perf_counter() - started
    return {"n": count, "wall": wall, "rate": count / wall, "p50": percentile(latencies, 0.5),
            "p95": percentile(latencies, 0.95), "peak_mb": memory.peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    parser.add_argument("--pool", choices=["process", "thread"], default="process")
    parser.add_argument("--reports", choices=["all", "json", "none"], default="json",
                        help="per-learner files written during the batch (default: result.json only)")
    parser.add_argument("--inputs", choices=["learner", "shared"], nargs="+", default=["learner", "shared"],
                        help="input scopes to measure (per learner, or one seed shared by the batch)")
    parser.add_argument("--baseline", type=int, default=12, help="submissions in the naive baseline sample")
    parser.add_argument("--exercises", nargs="+", default=None, help="grade only these exercises (default: all)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    try:
        print(f"{os.cpu_count()} cores; {len(select_checks(args.exercises))} checks per submission (public and hidden"
              f"{'; exercises ' + ', '.join(args.exercises) if args.exercises else ''}); "
              f"pool={args.pool}, workers={args.workers or 'one per core'}, reports={args.reports}")
        naive = measure_naive(args.baseline, scratch)
        rows = [("naive (python per submission)", naive)]
        for count in args.sizes:
            for inputs in args.inputs:
                rows.append((f"grade batch --inputs {inputs}", measure_batch(count, args.workers, args.pool,
                                                                            args.reports, inputs, scratch,
                                                                            args.exercises)))
        print(f"{'run':<32}{'N':>6}{'wall s':>9}{'subs/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'peak MB':>9}{'speed-up':>10}")
        for name, row in rows:
            print(f"{name:<32}{row['n']:>6}{row['wall']:>9.1f}{row['rate']:>9.1f}{1000 * row['p50']:>9.0f}"
                  f"{1000 * row['p95']:>9.0f}{row['peak_mb']:>9.0f}{row['rate'] / naive['rate']:>9.1f}×")
        for name, row in rows[1:]:
            if row["mix"]:
                print(f"  N = {row['n']}: mix {row['mix']}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
