"""What Dask costs: the same batch on the local pool and on a ``LocalCluster``, and 1 → 2 Dask workers.

Usage: ``python benchmarks/cluster_overhead.py [--n 1000] [--reports json] [--inputs learner]
[--exercises gates vanilla …]`` (``--exercises``: grade only those exercises' checks, so that a
class of 1,000 fits in minutes on a small machine)

The class is ``batch_throughput.make_class``'s synthetic mix (50% correct, 35% buggy, 15% broken),
graded three times from an empty results folder, with the same batch seed:

  1. ``grade batch`` on the local pool (2 worker processes);
  2. ``grade batch --cluster local:2`` (a ``LocalCluster`` of 2 single-threaded worker processes);
  3. ``grade batch --cluster local:1``.

Printed per run: wall time (everything, from the call to the class outputs, including starting the
pool or the cluster, its workers and their fork-servers), the time to the first graded submission
(start-up), the steady rate after it, and p50 / p95 of the per-submission latency inside the worker.
Then the cluster's overhead against the local pool (wall and steady rate), and the speed-up from one
Dask worker to two. The three runs must agree on every score (checked), or the figures mean nothing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch_throughput import make_class, percentile  # noqa: E402
from grader.batch import BatchOptions, run_batch  # noqa: E402
from grader.suites import select_checks  # noqa: E402

SEED = 2024


def measure(name: str, submissions: Path, out: Path, options: BatchOptions, exercises: list[str] | None) -> dict:
    """One batch from an empty results folder; times of each graded submission's arrival."""
    arrivals: list[float] = []
    started = time.perf_counter()
    outcome = run_batch(submissions, out, select_checks(exercises), seed=SEED, options=options,
                        on_done=lambda learner, result, reused: arrivals.append(time.perf_counter()))
    wall = time.perf_counter() - started
    count = len(outcome.results) + len(outcome.failures)
    first = arrivals[0] - started if arrivals else wall
    steady = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    latencies = list(outcome.latencies.values()) or [0.0]
    return {"name": name, "n": count, "wall": wall, "first": first, "steady": steady,
            "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
            "scores": sorted((r.learner, r.score) for r in outcome.results), "failures": sorted(outcome.failures)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="submissions in the class")
    parser.add_argument("--reports", choices=["all", "json", "none"], default="json")
    parser.add_argument("--inputs", choices=["learner", "shared"], default="learner")
    parser.add_argument("--exercises", nargs="+", default=None, help="grade only these exercises (default: all)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    try:
        submissions = scratch / "class"
        tally = make_class(submissions, args.n)
        common = dict(reports=args.reports, inputs=args.inputs)
        load = os.getloadavg()
        print(f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start; "
              f"N = {args.n} {tally}; {len(select_checks(args.exercises))} checks each"
              f"{' (exercises ' + ', '.join(args.exercises) + ')' if args.exercises else ''}; "
              f"reports={args.reports}, inputs={args.inputs}")
        plan = [("local pool, 2 processes", "local", BatchOptions(workers=2, pool="process", **common)),
                ("--cluster local:2", "cluster2", BatchOptions(cluster="local:2", **common)),
                ("--cluster local:1", "cluster1", BatchOptions(cluster="local:1", **common))]
        runs = []
        for name, folder, options in plan:
            runs.append(measure(name, submissions, scratch / folder, options, args.exercises))
            print(f"  {name}: {runs[-1]['wall']:.1f} s", flush=True)
        for run in runs[1:]:
            if (run["scores"], run["failures"]) != (runs[0]["scores"], runs[0]["failures"]):
                raise SystemExit(f"{run['name']} graded differently from the local pool: the figures are void")
        print(f"{'run':<28}{'N':>6}{'wall s':>9}{'start-up s':>12}{'steady subs/s':>15}{'p50 ms':>9}{'p95 ms':>9}")
        for run in runs:
            print(f"{run['name']:<28}{run['n']:>6}{run['wall']:>9.1f}{run['first']:>12.1f}{run['steady']:>15.1f}"
                  f"{1000 * run['p50']:>9.0f}{1000 * run['p95']:>9.0f}")
        local, two, one = runs
        print(f"cluster overhead vs the local pool (2 workers): wall {100 * (two['wall'] / local['wall'] - 1):+.1f}%, "
              f"steady rate {100 * (local['steady'] / two['steady'] - 1):+.1f}% (target ≤ 15%)")
        print(f"scaling 1 → 2 Dask workers: wall ×{one['wall'] / two['wall']:.2f}, "
              f"steady rate ×{two['steady'] / one['steady']:.2f} (2 cores, shared with the client and scheduler)")
        load = os.getloadavg()
        print(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
