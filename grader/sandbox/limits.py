"""Resource limits for one sandboxed run (shared by the client, the fork-server and the layers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-run budget.  Enforced in the child (rlimits, tmpfs) or by the parent (wall clock, output)."""

    cpu_seconds: int = 10  # RLIMIT_CPU soft; the hard limit is one second more (SIGXCPU, then SIGKILL)
    wall_seconds: float = 5.0  # parent sends SIGKILL after this
    memory_bytes: int = 1 << 30  # RLIMIT_AS, absolute address-space size of the child
    file_bytes: int = 8 << 20  # RLIMIT_FSIZE, largest file the child may write
    open_files: int = 64  # RLIMIT_NOFILE
    processes: int = 1  # RLIMIT_NPROC = 1 + this, counted for the sandbox uid
    output_bytes: int = 64 << 10  # parent stops reading after this much output
    tmpfs_bytes: int = 16 << 20  # size= of the private work-dir tmpfs
    tmpfs_inodes: int = 256  # nr_inodes= of the private work-dir tmpfs
