"""Resource limits (setrlimit) for CPU, address space, processes, file size, open files, core dumps."""

from __future__ import annotations

import resource

from ..limits import Limits
from . import LayerStatus, LayerUnavailable, probe_with

NAME = "rlimits"


def plan(limits: Limits) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) triples; CPU hard = soft + 1 so an ignored SIGXCPU ends in SIGKILL."""
    cpu = max(1, int(limits.cpu_seconds))
    return [
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_AS, int(limits.memory_bytes), int(limits.memory_bytes)),
        (resource.RLIMIT_FSIZE, int(limits.file_bytes), int(limits.file_bytes)),
        (resource.RLIMIT_NOFILE, int(limits.open_files), int(limits.open_files)),
        # counted per real uid: only meaningful once the child runs as a uid of its own (identity layer)
        (resource.RLIMIT_NPROC, 1 + int(limits.processes), 1 + int(limits.processes)),
    ]


def apply(limits: Limits, nproc: bool = True) -> None:
    """Lower every limit; never raises a limit above the hard value the process already has.

    ``nproc=False`` leaves RLIMIT_NPROC alone: it counts every task of the real uid system-wide, so it
    only makes sense when the child is about to switch to a uid no other process uses."""
    for res, soft, hard in plan(limits):
        if res == resource.RLIMIT_NPROC and not nproc:
            continue
        _, cur_hard = resource.getrlimit(res)
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        try:
            resource.setrlimit(res, (soft, hard))
        except (ValueError, OSError) as exc:
            raise LayerUnavailable(f"setrlimit({res}) failed: {exc}") from None


def probe() -> LayerStatus:
    def trial() -> str:
        limits = Limits()
        apply(limits)
        for res, soft, _ in plan(limits):
            if resource.getrlimit(res)[0] > soft:
                raise LayerUnavailable(f"limit {res} not lowered")
        return "ok"

    return probe_with(NAME, trial)
