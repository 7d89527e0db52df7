"""What the sandbox costs per run, measured on this machine in this one run (not a timed test).

    .venv/bin/python benchmarks/sandbox_overhead.py [--runs 30]      (make bench)

Two tables in milliseconds, from interleaved rounds (so load from other processes hits every row
alike, in a shuffled order): the median, and the best run, which load inflates least; a step's cost is computed from
the best runs.

1. Through the real fork-server: one ``ForkServer.run`` of one small call (copy the submission,
   fork a request worker and a child, confine it, import the learner's module, call, reply), with
   the full stack, and with each confinement step switched off in turn; a step's cost is the full
   stack's time minus the time without it.  Next to it, the alternative the fork-server replaces:
   a new interpreter that imports numpy (and one that also makes the call).
2. Each layer on its own, applied in a bare child forked from this warm numpy process and reaped:
   the per-layer cost without the run around it.

Run as root to measure the privileged layers (uid drop, namespaces); they are unavailable otherwise.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in the fork-server's environment

import numpy as np  # noqa: E402 - the warm state the fork-server has

from grader.sandbox import confine as confine_module  # noqa: E402
from grader.sandbox.client import Call, ForkServer  # noqa: E402
from grader.sandbox.confine import SWITCHABLE  # noqa: E402
from grader.sandbox.layers import fds, identity, landlock, namespaces, rlimits, seccomp_filter  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402

LEARNER_MODULE = "import numpy as np\n\n\ndef double(x):\n    return 2 * np.asarray(x)\n"
CALL = Call("bench", "double", (np.arange(16.0),))
FULL = "full stack"
# switching off a step that a later one needs switches that one off as well
DEPENDENTS = {"namespaces": ("hide", "tmpfs"), "no_new_privs": ("seccomp",)}
LIMITS = Limits()


def milliseconds(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def best(samples: list[float]) -> float:
    return min(samples) * 1000


def fresh_interpreter(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", code], check=True)
    return time.perf_counter() - start


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


def _after_no_new_privs(fn):
    def body(_work):
        identity.set_no_new_privs()
        fn()

    return body


SINGLE_LAYERS = {
    "fork + exit (baseline)": lambda work: None,
    "fds (close_range)": lambda work: fds.apply([]),
    "rlimits": lambda work: rlimits.apply(LIMITS),
    "identity (caps + uid drop)": lambda work: identity.apply(),
    "no_new_privs + seccomp": _after_no_new_privs(seccomp_filter.apply),
    "no_new_privs + landlock": _after_no_new_privs(
        lambda: landlock.apply(confine_module._DEFAULT_READONLY, [Path.cwd()])),
    "namespaces (net, mount, ipc)": lambda work: namespaces.unshare_namespaces(),
    "namespaces + tmpfs work dir": lambda work: (namespaces.unshare_namespaces(),
                                                 namespaces.mount_private_workdir(work, LIMITS)),
    "namespaces + hide repository": lambda work: (namespaces.unshare_namespaces(),
                                                  namespaces.hide_paths(confine_module._DEFAULT_SECRETS,
                                                                        confine_module._DEFAULT_READONLY)),
    "full confine()": lambda work: confine_module.confine(work, LIMITS, [], []),
}


def fork_server_table(runs: int, submission: Path) -> None:
    variants = {FULL: ()}
    for step in sorted(SWITCHABLE):
        variants[f"without {step}"] = (step, *DEPENDENTS.get(step, ()))
    servers = {label: ForkServer(without=without) for label, without in variants.items()}
    fresh = {'new interpreter: import numpy': "import numpy",
             'new interpreter: import numpy, make the call':
                 f"import numpy as np, sys; sys.path.insert(0, {str(submission)!r}); import bench; "
                 "bench.double(np.arange(16.0))"}
    samples: dict[str, list[float]] = {label: [] for label in [*servers, *fresh]}
    try:
        for server in servers.values():  # start-up and the first (probe) run are not per-run costs
            server.layers()
        order = list(servers)
        for _ in range(runs):
            random.shuffle(order)  # no row always runs first (or right after a fresh interpreter)
            for label in order:
                server = servers[label]
                start = time.perf_counter()
                report = server.run(submission, [CALL])
                samples[label].append(time.perf_counter() - start)
                if not report.outcomes[0].ok:
                    raise SystemExit(f"{label}: the call failed: {report.outcomes[0].message}")
            for label, code in fresh.items():
                samples[label].append(fresh_interpreter(code))
        full, full_best = milliseconds(samples[FULL]), best(samples[FULL])
        print(f"\n1. One run of one small call through the real fork-server ({runs} runs; median, best ms)")
        print(f"  {FULL:<44} {full:8.2f} {full_best:8.2f}   layers: {_active(servers[FULL].layers())}")
        for label in variants:
            if label != FULL:
                print(f"  {label:<44} {milliseconds(samples[label]):8.2f} {best(samples[label]):8.2f}"
                      f"   the step costs {full_best - best(samples[label]):+6.2f}")
        for label in fresh:
            median = milliseconds(samples[label])
            print(f"  {label:<44} {median:8.2f} {best(samples[label]):8.2f}"
                  f"   {median / full:5.1f} x the full-stack run (medians)")
    finally:
        for server in servers.values():
            server.close()


def _active(layers: dict[str, str]) -> str:
    on = [name for name, state in layers.items() if state == "active"]
    return f"{len(on)}/{len(layers)} active"


def single_layer_table(runs: int, work: Path) -> None:
    for body in SINGLE_LAYERS.values():  # warm-up: page in code paths, build caches
        timed_fork(body, work)
    samples: dict[str, list[float]] = {label: [] for label in SINGLE_LAYERS}
    for _ in range(runs):
        for label, body in SINGLE_LAYERS.items():
            samples[label].append(timed_fork(body, work))
    base = best(samples["fork + exit (baseline)"])
    print(f"\n2. Each layer alone in a bare child forked from a warm numpy process ({runs} runs; median, best ms)")
    for label, values in samples.items():
        ok = [s for s in values if s == s]
        if len(ok) < len(values):
            print(f"  {label:<44} unavailable ({len(values) - len(ok)}/{runs} runs failed)")
            continue
        extra = "" if label.startswith("fork + exit") else f"   {best(ok) - base:+6.2f} over the bare fork"
        print(f"  {label:<44} {milliseconds(ok):8.2f} {best(ok):8.2f}{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, kernel {os.uname().release}, "
          f"{os.cpu_count()} cpus, euid {os.geteuid()}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        (work / "bench.py").write_text(LEARNER_MODULE)
        fork_server_table(args.runs, work)
        single_layer_table(args.runs, work)


if __name__ == "__main__":
    main()
