"""The worker plugin: on every Dask worker, check the grader's fingerprint and start its fork-servers.

Registered by the client for the batch (``Client.register_plugin``), it runs ``setup`` on each
worker that is there and on each that joins later, and ``teardown`` when the worker closes or the
plugin is removed. Per worker:

- the fingerprint (grader version and grading-code hash) must equal the client's; otherwise the
  worker refuses to grade (``refusal``) and its tasks raise ``VersionMismatch``;
- the grader is imported once (suites, references, misconception variants) and frozen out of the
  garbage collector, as the local pool's workers are;
- one answer-free fork-server per worker thread is started and probed: ``layers`` records this
  worker's own sandbox layers. Every result also records the layers of its own run, and hidden
  checks run only where file isolation is active (``grader.engine``): fail closed per worker.
"""
from __future__ import annotations

import gc
import importlib
import queue
from typing import Mapping

from distributed import WorkerPlugin

from grader.cluster.errors import VersionMismatch
from grader.cluster.fingerprint import Fingerprint, grader_fingerprint, mismatch_message

PLUGIN_NAME = "deep-rnn-grader-sandbox"
SERVER_WAIT_S = 600.0  # a thread waits at most this long for one of its worker's fork-servers


class SandboxUnavailable(RuntimeError):
    """This worker has no working fork-server (its tasks come back as grader errors, to be re-run)."""


class SandboxPlugin(WorkerPlugin):
    """``expected``: the client's fingerprint. ``without``: worker name (or ``"*"``) → confinement
    steps its fork-servers leave out (``ForkServer(without=…)``), only for tests and benchmarks that
    need a weaker sandbox on one worker on purpose."""

    name = PLUGIN_NAME

    def __init__(self, expected: Fingerprint, without: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.expected = expected
        self.without = dict(without or {})
        self.refusal: Exception | None = None  # why this worker must not grade
        self.layers: dict[str, str] = {}
        self.address = ""
        self._servers: list = []
        self._free: queue.Queue | None = None

    def setup(self, worker) -> None:
        self.address = str(worker.address)
        found = grader_fingerprint()
        if found != self.expected:
            self.refusal = VersionMismatch(mismatch_message(self.address, found, self.expected))
            raise self.refusal
        try:
            self._start(worker)
        except Exception as exc:
            self.refusal = SandboxUnavailable(f"worker {self.address} could not start its sandbox: "
                                              f"{type(exc).__name__}: {exc}")
            self.teardown(worker)
            raise self.refusal from exc

    def _start(self, worker) -> None:
        from grader.pool import _preloaded_modules
        from grader.sandbox.client import ForkServer

        without = self.without.get(str(worker.name), self.without.get("*", ()))
        free: queue.Queue = queue.Queue()
        for _ in range(max(1, int(worker.state.nthreads))):
            server = ForkServer(without=without)
            self._servers.append(server)
            server.start()  # it warms up (NumPy, SymPy) while this worker imports the grader
            free.put(server)
        for module in _preloaded_modules():
            if module != "__main__":
                importlib.import_module(module)
        for server in self._servers:
            self.layers = server.layers()
        self._free = free
        gc.collect()
        gc.freeze()

    def acquire(self):
        """A fork-server of this worker for one task (give it back with ``release``)."""
        if self.refusal is not None:
            raise self.refusal
        if self._free is None:
            raise SandboxUnavailable(f"worker {self.address} has not started its sandbox")
        return self._free.get(timeout=SERVER_WAIT_S)

    def release(self, server) -> None:
        if self._free is not None:
            self._free.put(server)

    def teardown(self, worker) -> None:
        """Close every fork-server; never raises."""
        servers, self._servers, self._free = self._servers, [], None
        for server in servers:
            try:
                server.close()
            except Exception:  # noqa: BLE001 - cleanup goes on for the others
                pass

