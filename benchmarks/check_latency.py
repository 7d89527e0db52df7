"""How long a learner waits for feedback: ``grade check`` on the command line, and ``check`` in a kernel.

Prints p50/p95 of:
  - ``grade check EXERCISE`` as a fresh command with the check service off (imports, sandbox start,
    grading, rendering, all in the command),
  - the same with the check service on: the first command checks in-process and starts the service
    (timed apart), the later ones are answered by it (``grader.check_service``), and
  - ``check("EXERCISE")`` cells in one real Jupyter kernel (nbclient), the first apart from the rest:
    the first starts the kernel's sandbox, the later ones reuse it.

Both grade the references (correct code) with the full grader of this checkout.

    python benchmarks/check_latency.py --runs 20 --exercise gru
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cli_latencies(exercise: str, runs: int, folder: Path, env: dict[str, str]) -> list[float]:
    grade = Path(sys.executable).with_name("grade")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([str(grade), "check", exercise, "--dir", str(folder)], capture_output=True, text=True,
                              env=env)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"grade check failed:\n{done.stdout}{done.stderr}")
    return times


def service_latencies(exercise: str, runs: int, folder: Path, env: dict[str, str]) -> tuple[float, list[float]]:
    """The first command's time (it starts the service), and those of ``runs`` served ones."""
    first = cli_latencies(exercise, 1, folder, env)[0]
    place = Path(env["XDG_RUNTIME_DIR"]) / "deep-rnn-grader"
    deadline = time.monotonic() + 300
    while not list(place.glob("*.sock")):
        if time.monotonic() > deadline:
            raise SystemExit("the check service did not start")
        time.sleep(0.1)
    try:
        return first, cli_latencies(exercise, runs, folder, env)
    finally:
        for lock in place.glob("*.lock"):
            pid = lock.read_text().strip()
            if pid:
                subprocess.run(["kill", pid], check=False)


def solved_cell(module: str) -> str:
    code = re.sub(r"^from \.(\w+) import", r"from exercises.\1 import",
                  (REPO / "solutions" / f"{module}.py").read_text(), flags=re.MULTILINE)
    return f"%%exercise {module}\n{code}"


def kernel_latencies(exercise: str, runs: int, workdir: Path) -> list[float]:
    """Seconds from each check cell's start to its reply, in one kernel."""
    needed = ["gates", exercise] if exercise != "gates" else ["gates"]
    cells = [nbformat.v4.new_code_cell("%load_ext grader.notebook\nfrom grader.notebook import check")]
    cells += [nbformat.v4.new_code_cell(solved_cell(m)) for m in dict.fromkeys(needed)]
    cells += [nbformat.v4.new_code_cell(f'check("{exercise}")') for _ in range(runs)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(workdir)}}).execute()
    times = []
    for cell in notebook.cells[-runs:]:
        timing = cell.metadata["execution"]
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
        times.append((end - start).total_seconds())
        if "Total:" not in "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs):
            raise SystemExit(f"a check cell gave no feedback: {cell.outputs}")
    return times


def report(label: str, times: list[float]) -> None:
    print(f"{label:<34} n={len(times):<3} p50 {statistics.median(times):.3f} s   p95 {percentile(times, 0.95):.3f} s"
          f"   min {min(times):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exercise", default="gru")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:  # short: it holds a socket
        folder = Path(tmp) / "exercises"
        shutil.copytree(REPO / "solutions", folder)
        runtime = Path(tmp) / "run"
        runtime.mkdir(mode=0o700)
        off = {**os.environ, "DEEP_RNN_GRADER_CHECK_SERVICE": "0"}
        on = {**os.environ, "DEEP_RNN_GRADER_CHECK_SERVICE": "1", "XDG_RUNTIME_DIR": str(runtime)}
        report(f"grade check {args.exercise}, no service", cli_latencies(args.exercise, args.runs, folder, off))
        first, warm = service_latencies(args.exercise, args.runs, folder, on)
        report(f"grade check {args.exercise}, starts service", [first])
        report(f"grade check {args.exercise}, served", warm)
        kernel = kernel_latencies(args.exercise, args.runs + 1, Path(tmp))
        report(f"check('{args.exercise}') first in kernel", kernel[:1])
        report(f"check('{args.exercise}') later in kernel", kernel[1:])


if __name__ == "__main__":
    main()
