"""The throughput benchmark's memory sampler: it sees the whole process tree, grandchildren included."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from batch_throughput import PeakMemory, _tree  # noqa: E402


def test_tree_holds_children_and_grandchildren():
    script = "import subprocess, sys, time; p = subprocess.Popen(['sleep', '30']); print(p.pid, flush=True); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    grandchild = int(child.stdout.readline())
    try:
        tree = _tree(os.getpid())
        assert tree[0] == os.getpid() and child.pid in tree and grandchild in tree
    finally:
        os.kill(grandchild, signal.SIGKILL)
        child.kill()
        child.wait()


def test_peak_memory_counts_a_child_process():
    own = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    with PeakMemory(interval=0.02) as memory:
        child = subprocess.Popen([sys.executable, "-c", "b = bytearray(200 * 2**20); import time; time.sleep(1)"])
        time.sleep(0.8)
    child.wait()
    assert memory.peak > own + 150 * 2**20
