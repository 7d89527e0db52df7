"""A small class with one stalling learner: ``grade batch`` without and with the per-submission budget.

Usage: ``python benchmarks/stalling_learner.py [--honest 6] [--sleep 4.9] [--workers 2] [--only-budget]``

The class: ``--honest`` copies of the reference solutions (each with a comment line of its own) and
one stalling learner, the references too, but every call it is given sleeps ``--sleep`` seconds
first (just under the 5 s per-call limit) and its parameter counts refuse SymPy symbols, so that the
integer grids of the formula checks run as well (one call, and one sleep, per grid point).

``grade batch`` runs twice on copies of the class, each a fresh gradebook: once with the budget
switched off (``--time-budget inf``: the grader as it was before the budget existed) and once with
the default budget. Printed per run: the wall time of the whole ``grade batch`` command, the
stalling learner's score, and whether every honest learner got full marks.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADE = Path(sys.executable).with_name("grade")

STALL = '''

# ---- stalling learner: every call the grader makes sleeps first ----
import functools as _functools
import time as _time

_DEPTH = [0]


def _stalling(function):
    @_functools.wraps(function)
    def call(*args, **kwargs):
        if _DEPTH[0] == 0:  # only the grader's call sleeps, not the calls it makes itself
            _time.sleep(@SLEEP@)
            if any(type(a).__module__.startswith("sympy") for a in args):
                raise TypeError("plain integers only")  # so the integer grids run too
        _DEPTH[0] += 1
        try:
            return function(*args, **kwargs)
        finally:
            _DEPTH[0] -= 1
    return call


for _name, _value in list(globals().items()):
    if callable(_value) and not _name.startswith("_") and getattr(_value, "__module__", None) == __name__:
        globals()[_name] = _stalling(_value)
'''


def make_class(root: Path, honest: int, sleep: float) -> Path:
    submissions = root / "submissions"
    sources = sorted((ROOT / "solutions").glob("*.py"))
    sources = [p for p in sources if p.name != "__init__.py"]
    for n in range(honest):
        folder = submissions / f"honest_{n}"
        folder.mkdir(parents=True)
        for source in sources:
            (folder / source.name).write_text(f"# learner {n}\n" + source.read_text())
    folder = submissions / "stalling_learner"
    folder.mkdir()
    for source in sources:
        (folder / source.name).write_text(source.read_text() + STALL.replace("@SLEEP@", repr(sleep)))
    return submissions


def grade_batch(submissions: Path, out: Path, workers: int, budget: str | None) -> float:
    command = [str(GRADE), "batch", str(submissions), "--out", str(out), "--workers", str(workers),
               "--seed", "7", "--quiet"]
    if budget is not None:
        command += ["--time-budget", budget]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def scores(out: Path) -> dict[str, tuple[float, float]]:
    found = {}
    for path in sorted(out.glob("*/result.json")):
        data = json.loads(path.read_text())
        found[path.parent.name] = (data["score"], data["max_score"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--honest", type=int, default=6)
    parser.add_argument("--sleep", type=float, default=4.9)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only-budget", action="store_true", help="skip the (~10 minute) run without a budget")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="stalling-bench-"))
    try:
        submissions = make_class(root, args.honest, args.sleep)
        runs = [("with the default budget", None)]
        if not args.only_budget:
            runs.insert(0, ("without a budget (--time-budget inf)", "inf"))
        print(f"{args.honest} honest learners + 1 learner whose every call sleeps {args.sleep} s, "
              f"{args.workers} workers")
        for label, budget in runs:
            out = root / f"results-{budget or 'default'}"
            wall = grade_batch(submissions, out, args.workers, budget)
            got = scores(out)
            stall_score, stall_max = got.get("stalling_learner", (float("nan"), float("nan")))
            honest_full = all(score == full > 0 for name, (score, full) in got.items() if name.startswith("honest_"))
            graded = sum(name.startswith("honest_") for name in got)
            print(f"{label:40s} wall {wall:7.1f} s   stalling learner {stall_score:g}/{stall_max:g}   "
                  f"honest learners full marks: {honest_full} ({graded}/{args.honest} graded)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
