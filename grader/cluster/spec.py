"""``--cluster``: ``local:N`` (start a ``LocalCluster`` of N worker processes) or a scheduler address."""
from __future__ import annotations

import re
from dataclasses import dataclass

from grader.cluster.errors import ClusterError

_LOCAL = re.compile(r"^local:(\d{1,4})$")
_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/]+:\d{1,5}$")
MAX_LOCAL_WORKERS = 256


@dataclass(frozen=True)
class ClusterSpec:
    """Exactly one of: ``local_workers`` (N > 0) or ``address`` (``tcp://HOST:PORT`` / ``tls://HOST:PORT``)."""

    local_workers: int = 0
    address: str = ""

    def __str__(self) -> str:
        return f"local:{self.local_workers}" if self.local_workers else self.address


def parse_cluster(text: str) -> ClusterSpec:
    """``"local:4"`` → ``ClusterSpec(local_workers=4)``; ``"tcp://10.0.0.5:8786"`` → ``ClusterSpec(address=…)``."""
    value = text.strip()
    local = _LOCAL.match(value)
    if local:
        workers = int(local.group(1))
        if not 1 <= workers <= MAX_LOCAL_WORKERS:
            raise ClusterError(f"local:N needs 1 ≤ N ≤ {MAX_LOCAL_WORKERS}, got {workers}")
        return ClusterSpec(local_workers=workers)
    if _ADDRESS.match(value):
        return ClusterSpec(address=value)
    raise ClusterError(f"{text!r} is not a cluster: use local:N (N worker processes on this machine) "
                       "or the scheduler's address, tcp://HOST:PORT (or tls://HOST:PORT)")
