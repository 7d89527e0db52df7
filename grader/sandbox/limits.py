"""Resource limits for one sandboxed run (shared by the client, the fork-server and the layers)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

WALL_BUDGET_VARIABLE = "GRADER_SUBMISSION_WALL_SECONDS"
CPU_BUDGET_VARIABLE = "GRADER_SUBMISSION_CPU_SECONDS"


def _seconds(variable: str, default: float) -> float:
    """A positive number of seconds from the environment (``inf`` allowed), else ``default``."""
    try:
        value = float(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Limits:
    """Per-run budget.  Enforced in the child (rlimits, tmpfs) or by the parent (wall clock, output,
    the submission's budget)."""

    cpu_seconds: int = 10  # RLIMIT_CPU soft; the hard limit is one second more (SIGXCPU, then SIGKILL)
    wall_seconds: float = 5.0  # parent sends SIGKILL after this
    memory_bytes: int = 1 << 30  # RLIMIT_AS, absolute address-space size of the child
    file_bytes: int = 8 << 20  # RLIMIT_FSIZE, largest file the child may write
    open_files: int = 64  # RLIMIT_NOFILE
    processes: int = 1  # RLIMIT_NPROC = 1 + this, counted for the sandbox uid
    output_bytes: int = 64 << 10  # parent stops reading after this much output
    tmpfs_bytes: int = 16 << 20  # size= of the private work-dir tmpfs
    tmpfs_inodes: int = 256  # nr_inodes= of the private work-dir tmpfs
    # One submission's budget over all its calls and follow-up batches, children included: the
    # whole hidden suite of the reference solutions needs about 1 s of either on a loaded 2-core
    # machine, so these leave room for slow but honest code while a submission that stalls every
    # call (each just under wall_seconds) is stopped after ~30 s, not after minutes.
    # (set for a whole batch by GRADER_SUBMISSION_WALL_SECONDS / GRADER_SUBMISSION_CPU_SECONDS)
    submission_wall_seconds: float = field(default_factory=lambda: _seconds(WALL_BUDGET_VARIABLE, 30.0))
    submission_cpu_seconds: float = field(default_factory=lambda: _seconds(CPU_BUDGET_VARIABLE, 20.0))
