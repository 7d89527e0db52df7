"""Per-run cost of forking a warm numpy process and applying each sandbox layer, against starting a
fresh interpreter that imports numpy.  All figures come from this one run on this machine.

    .venv/bin/python benchmarks/layer_overhead.py [--runs 50]

Each figure is the median wall time from ``fork`` in the parent until the child (which applies the
layer(s) and exits) has been reaped -- what the fork-server pays per child.  Run as root to measure
the privileged layers (uid drop, namespaces); those report "unavailable" otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in the fork-server's environment
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy  # noqa: E402,F401 - the warm state the fork-server has

from grader.sandbox import confine as confine_module  # noqa: E402
from grader.sandbox.layers import fds, identity, landlock, namespaces, rlimits, seccomp_filter  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402


def timed_fork(body, work: Path) -> float:
    """Seconds from fork to reaping a child that runs ``body`` and exits; NaN if the body failed."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.chdir(work)
            body(work)
        except BaseException:  # noqa: BLE001
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed if os.waitstatus_to_exitcode(status) == 0 else float("nan")


def fresh_interpreter(_work: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy"], check=True)
    return time.perf_counter() - start


def _nnp_then(fn):
    def body(_work):
        identity.set_no_new_privs()
        fn()

    return body


LIMITS = Limits()
CASES = {
    "fork + exit (baseline)": lambda work: None,
    "fds (close_range)": lambda work: fds.apply([]),
    "rlimits": lambda work: rlimits.apply(LIMITS),
    "identity (caps + uid drop)": lambda work: identity.apply(),
    "no_new_privs + seccomp": _nnp_then(seccomp_filter.apply),
    "no_new_privs + landlock": _nnp_then(lambda: landlock.apply(confine_module._DEFAULT_READONLY, [Path.cwd()])),
    "unshare net only": lambda work: namespaces.unshare_namespaces(namespaces.CLONE_NEWNET),
    "unshare mount+ipc": lambda work: namespaces.unshare_namespaces(namespaces.CLONE_NEWNS | namespaces.CLONE_NEWIPC),
    "unshare net+mount+ipc": lambda work: namespaces.unshare_namespaces(),
    "namespaces + tmpfs work dir": lambda work: (namespaces.unshare_namespaces(),
                                                 namespaces.mount_private_workdir(work, LIMITS)),
    "namespaces + hide repo": lambda work: (namespaces.unshare_namespaces(),
                                            namespaces.hide_paths(confine_module._DEFAULT_SECRETS,
                                                                  confine_module._DEFAULT_READONLY)),
    "full confine()": lambda work: confine_module.confine(work, LIMITS, [], []),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="layer-bench-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        for name in ("gru.py", "lstm.py", "stacked.py"):
            (work / name).write_text("import numpy as np\n\ndef f(x):\n    return np.tanh(x)\n" * 20)
        print(f"python {sys.version.split()[0]}, numpy {numpy.__version__}, kernel {os.uname().release}, "
              f"{os.cpu_count()} cpus, euid {os.geteuid()}, {args.runs} runs each (median, ms)")
        for body in CASES.values():  # warm-up: page in code paths, build caches
            timed_fork(body, work)
        # interleaved rounds, so that load from other processes hits every case alike
        samples: dict[str, list[float]] = {label: [] for label in [*CASES, "fresh"]}
        for _ in range(args.runs):
            for label, body in CASES.items():
                samples[label].append(timed_fork(body, work))
            samples["fresh"].append(fresh_interpreter())
        base = statistics.median(samples["fork + exit (baseline)"]) * 1000
        for label in CASES:
            ok = [s for s in samples[label] if s == s]
            if len(ok) < len(samples[label]):
                print(f"  {label:<30} unavailable ({len(samples[label]) - len(ok)}/{args.runs} runs failed)")
                continue
            med = statistics.median(ok) * 1000
            extra = "" if label.startswith("fork + exit") else f"  (+{med - base:5.2f} over fork)"
            print(f"  {label:<30} {med:8.2f}{extra}")
        label = 'fresh python -c "import numpy"'
        print(f"  {label:<30} {statistics.median(samples['fresh']) * 1000:8.2f}")


if __name__ == "__main__":
    main()
