"""The same batch on Dask distributed, for a class that outgrows one machine.

``grade batch SUBMISSIONS --out RESULTS --cluster local:N`` (a ``LocalCluster`` of N worker
processes) or ``--cluster tcp://HOST:PORT`` (a running scheduler) grades on Dask workers instead of
the local pool; everything else about the batch is unchanged (``grader.batch.run_batch``).

The parts, one job each:

- ``spec``        — what ``--cluster`` accepts (no Dask needed to parse it)
- ``fingerprint`` — the grader version and grading-code hash every worker must share with the client
- ``payload``     — a submission as the bytes of a ``grade submit`` archive (workers share no filesystem)
- ``plugin``      — the worker plugin: checks the fingerprint, starts the worker's own fork-servers
- ``remote``      — the task a worker runs: the shared fault boundary, with reports returned as bytes
- ``pool``        — the client side: submit, collect, retry lost work, write the reports; one writer

Dask and distributed are the optional ``[cluster]`` extra: they are imported only by ``plugin``,
``remote`` and ``pool``, so the rest of the grader runs without them.
"""
from __future__ import annotations

from grader.cluster.errors import ClusterError, VersionMismatch
from grader.cluster.spec import ClusterSpec, parse_cluster

__all__ = ["ClusterError", "ClusterSpec", "VersionMismatch", "cluster_pool", "parse_cluster"]

INSTALL_HINT = "install the cluster extra on the client and on every worker: pip install 'deep-rnn-grader[cluster]'"


def cluster_pool(spec: ClusterSpec | str):
    """A ``ClusterPool`` for ``spec``; a clear ``ClusterError`` when Dask is not installed."""
    try:
        from grader.cluster.pool import ClusterPool
    except ImportError as exc:
        raise ClusterError(f"--cluster needs Dask distributed ({exc}); {INSTALL_HINT}") from exc
    return ClusterPool(parse_cluster(spec) if isinstance(spec, str) else spec)
