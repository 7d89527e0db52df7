"""Isolation layers applied by a forked sandbox child before it imports learner code.

Each layer module offers ``probe() -> LayerStatus`` (tried for real in a throwaway forked process,
so the answer reflects this kernel, these privileges and this seccomp/LSM setup) and an ``apply``
function that raises :class:`LayerUnavailable` with a reason when the layer cannot be put in place.
``grader.sandbox.confine`` combines them in the right order.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass
from typing import Callable


class LayerUnavailable(Exception):
    """The layer cannot be applied here; ``str(exc)`` says why."""


@dataclass(frozen=True)
class LayerStatus:
    name: str
    available: bool
    reason: str = ""

    def __str__(self) -> str:
        return "active" if self.available else f"unavailable: {self.reason}"


REPORT_FD = -1  # in a run_in_fork child: the fd the result goes to (keep it open when closing fds)


def run_in_fork(fn: Callable[[], object], timeout: float = 10.0) -> tuple[bool, str]:
    """Run ``fn`` in a throwaway forked child; return (succeeded, reason-or-result).

    ``fn`` returning normally counts as success (its ``str`` is the detail); :class:`LayerUnavailable`
    or any other exception counts as failure with its message; death by a signal is a failure too.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        global REPORT_FD
        code = 0
        REPORT_FD = write_fd
        try:
            os.close(read_fd)
            try:
                detail = fn()
                msg = {"ok": True, "detail": "" if detail is None else str(detail)}
            except LayerUnavailable as exc:
                msg = {"ok": False, "detail": str(exc)}
            except BaseException as exc:  # noqa: BLE001 - report anything
                msg = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
            os.write(write_fd, json.dumps(msg).encode()[:60000])
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks = []
    try:
        import select

        deadline_left = timeout
        while True:
            ready, _, _ = select.select([read_fd], [], [], deadline_left)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return False, f"probe process killed by {signal.Signals(os.WTERMSIG(status)).name}"
    try:
        msg = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        return False, "probe process sent garbage"
    if "ok" not in msg:
        return False, f"probe process exited with status {os.waitstatus_to_exitcode(status)}"
    return bool(msg["ok"]), msg["detail"]


def probe_with(name: str, fn: Callable[[], object]) -> LayerStatus:
    ok, detail = run_in_fork(fn)
    return LayerStatus(name, ok, "" if ok else detail)
