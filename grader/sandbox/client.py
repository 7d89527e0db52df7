"""The trusted side of the sandbox: start fork-servers and send them runs.

``ForkServer`` owns one server process; ``run`` copies a submission into a private work dir, sends the
calls and decodes the outcomes strictly (no pickle, sizes checked). If the server itself dies or
stalls, it is restarted and the run is reported as an error, never silently dropped.

``session`` does the same and then keeps the request's worker and its confined child: ``Session.run``
sends more calls to that child (learner modules already imported), and leaving the ``with`` block
ends it::

    with sandbox.session(folder, calls) as session:
        report = session.first           # the RunReport of ``calls``
        more = session.run(more_calls)   # another RunReport, from the same child if it is alive

A run is a session without follow-ups.  The server's lock is held for the whole session.
"""
from __future__ import annotations

import dataclasses
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grader.files import FileRefused, read_regular_file
from grader.sandbox import wire
from grader.sandbox.limits import Limits

_LEN = struct.Struct(">Q")
STARTUP_GRACE_S = 60.0  # a new server's first answer also waits for its NumPy/SymPy warm-up (slow on a busy machine)
MAX_SUBMISSION_FILES = 32
MAX_SUBMISSION_FILE_BYTES = 1024 * 1024


@dataclass
class Call:
    """One function call to make in the sandbox: ``exercises.<module>.<function>(*args)``.

    ``return_arguments``: the child sends back the arguments as the function left them (a list),
    instead of the value it returned."""

    module: str
    function: str
    args: tuple
    return_arguments: bool = False


@dataclass
class Outcome:
    """What came back for one call: a decoded ``value`` (and numpy FP warnings), or an error."""

    ok: bool
    value: Any = None
    fp_errors: tuple[str, ...] = ()
    kind: str = ""  # for errors: import, missing, not_implemented, exception, timeout, crash, type, ...
    message: str = ""


@dataclass
class RunReport:
    outcomes: list[Outcome]
    layers: dict[str, str]


RunCalls = Callable[[list[Call]], RunReport]  # runs more calls on the learner's code: ``Session.run``


class SandboxFailure(RuntimeError):
    """The fork-server itself failed (not the learner's code); an instructor-facing error."""


def copy_submission(source: Path, work_root: Path) -> Path:
    """Copy the top-level ``.py`` files of a submission into a fresh private directory.

    Only regular files are copied (symlinks are skipped), with count and size caps, so a
    submission cannot smuggle in links to the grader's files or fill the disk.  Each file is
    checked on the descriptor it is read from (no symlink followed, no FIFO waited on), with a few
    system calls: this runs once per sandboxed run.
    """
    work_dir = Path(tempfile.mkdtemp(prefix="run-", dir=work_root))
    copied = 0
    for name in sorted(_python_file_names(source)):
        data = _read_regular_file(os.path.join(source, name))
        if data is None:
            continue
        fd = os.open(work_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            wire.write_all(fd, data)
        finally:
            os.close(fd)
        copied += 1
        if copied >= MAX_SUBMISSION_FILES:
            break
    os.chmod(work_dir, 0o777)  # the child may run as an unprivileged uid
    return work_dir


def _python_file_names(source: Path) -> list[str]:
    """Names in ``source`` matching ``*.py`` that are not symlinks (what ``glob`` would list, less
    the links, without a ``stat`` per name)."""
    with os.scandir(source) as entries:
        return [e.name for e in entries if e.name.endswith(".py") and not e.is_symlink()]


def _read_regular_file(path: str) -> bytes | None:
    """The content of ``path`` if it is a regular file of at most ``MAX_SUBMISSION_FILE_BYTES``,
    else None (symlinks are not followed, and a FIFO is not waited on)."""
    try:
        return read_regular_file(path, MAX_SUBMISSION_FILE_BYTES)
    except FileRefused:
        return None


class ForkServer:
    """One fork-server process; thread-safe (one run at a time).

    ``without`` names confinement steps (``grader.sandbox.confine.SWITCHABLE``) that its children must
    not apply: only for tests and benchmarks that need a weaker sandbox on purpose.
    ``symbolic=False`` starts faster by not preloading SymPy: for runs with no symbolic call (a child
    that gets one anyway imports SymPy itself, slowly but correctly).
    """

    def __init__(self, limits: Limits | None = None, *, without: tuple[str, ...] = (),
                 symbolic: bool = True) -> None:
        self.limits = limits or Limits()
        self.without = tuple(without)
        self.symbolic = symbolic
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._layers: dict[str, str] | None = None
        self._cold = True  # no answer yet from the current server process
        self._calls = CallsEncoding()
        self._work_root = Path(tempfile.mkdtemp(prefix="deep-rnn-grader-"))
        os.chmod(self._work_root, 0o711)

    def __enter__(self) -> "ForkServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if self._process and self._process.poll() is None:
            return
        env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8",
               "DEEP_RNN_GRADER_SANDBOX_SYMPY": "1" if self.symbolic else "0"}  # server.SYMPY_SWITCH
        self._cold = True
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-m", "grader.sandbox.server"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self._work_root, env=env, close_fds=True,
        )

    def close(self) -> None:
        if self._process:
            if self._process.stdin:
                self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
            if self._process.stdout:
                self._process.stdout.close()
            self._process = None
        shutil.rmtree(self._work_root, ignore_errors=True)

    def layers(self) -> dict[str, str]:
        """Which isolation layers a child gets here (probed once with an empty run, then cached)."""
        if self._layers is None:
            with tempfile.TemporaryDirectory(dir=self._work_root) as empty:
                self._layers = self.run(Path(empty), []).layers
        return dict(self._layers)

    def run(self, submission_dir: Path, calls: list[Call]) -> RunReport:
        """Run ``calls`` against a copy of ``submission_dir``; one outcome per call, in order.

        A session without follow-ups: the worker replies and ends, and its child exits by itself."""
        with self.session(submission_dir, calls, follow_ups=False) as session:
            return session.first

    def session(self, submission_dir: Path, calls: list[Call], *, follow_ups: bool = True) -> "Session":
        """Run ``calls`` like ``run`` and keep the child: ``Session.run`` sends more calls to it.

        Use as ``with sandbox.session(folder, calls) as session:``; ``session.first`` is the report
        of ``calls``.  The fork-server is this session's until it ends (the lock is held), so end it
        soon: leaving the ``with`` block ends it.  Raises ``SandboxFailure`` as ``run`` does."""
        self._lock.acquire()
        work_dir = None
        try:
            self.start()
            work_dir = copy_submission(Path(submission_dir), self._work_root)
            reply = self._exchange(self._request(work_dir, calls, follow_ups), len(calls), in_session=follow_ups)
        except BaseException:
            if work_dir is not None:
                shutil.rmtree(work_dir, ignore_errors=True)
            self._lock.release()
            raise
        return Session(self, work_dir, _report(reply), open_=follow_ups)

    def _request(self, work_dir: Path, calls: list[Call], session: bool) -> bytes:
        message, repeated = self._calls.encode(calls)
        request = {
            "work_dir": str(work_dir),
            "calls_message": message,
            "repeat_calls": repeated,
            "limits": dataclasses.asdict(self.limits),
            "without": list(self.without),
        }
        if session:
            request["session"] = True
        return wire.encode(request)

    def _exchange(self, payload: bytes, count: int, *, in_session: bool = False) -> dict:
        """Send one frame (a request or a session's follow-up) and read its reply.

        A failure inside a session restarts the server: a worker that died while the session was
        idle has left an error reply that no frame asked for, and the server may have read the
        next follow-up as a request."""
        budget = 10.0 + count * (self.limits.wall_seconds + 0.5) + (STARTUP_GRACE_S if self._cold else 0.0)
        try:
            assert self._process and self._process.stdin and self._process.stdout
            self._process.stdin.write(_LEN.pack(len(payload)) + payload)
            self._process.stdin.flush()
            body = _read_frame(self._process.stdout.fileno(), time.monotonic() + budget)
            self._cold = False
            reply = wire.decode(body)
        except (OSError, ValueError, wire.WireError, AssertionError) as exc:
            self._restart()
            raise SandboxFailure(f"the fork-server failed during a run: {exc}") from exc
        if not isinstance(reply, dict) or "error" in reply:
            if in_session:
                self._restart()
            raise SandboxFailure(f"the fork-server rejected a run: {reply.get('error') if isinstance(reply, dict) else reply!r}")
        if len(reply.get("outcomes", [])) != count:
            if in_session:
                self._restart()
            raise SandboxFailure("the fork-server returned the wrong number of outcomes")
        return reply

    def _end_session(self) -> None:
        """Send the end frame and wait for its acknowledgement (the child is reaped by then)."""
        payload = wire.encode({"end": True})
        try:
            assert self._process and self._process.stdin and self._process.stdout
            self._process.stdin.write(_LEN.pack(len(payload)) + payload)
            self._process.stdin.flush()
            reply = wire.decode(_read_frame(self._process.stdout.fileno(), time.monotonic() + 10.0))
            if not (isinstance(reply, dict) and reply.get("ended") is True):
                raise OSError(f"unexpected reply {str(reply)[:200]}")
        except (OSError, ValueError, wire.WireError, AssertionError):
            self._restart()  # what the session returned stands; the next run starts clean

    def _restart(self) -> None:
        if self._process:
            self._process.kill()
            self._process.wait()
            self._process = None
        self.start()


class Session:
    """Calls sent to one sandboxed child, batch after batch (see ``ForkServer.session``).

    The child stays confined with the learner's modules imported between batches; a child that
    died in an earlier batch is replaced by a fresh one, as within a run.  Call indices, blame and
    limits are the same as if every batch had been one run's next calls."""

    def __init__(self, server: ForkServer, work_dir: Path, first: RunReport, *, open_: bool) -> None:
        self.server, self.work_dir, self.first = server, work_dir, first
        self._open = open_
        self._held = True

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, calls: list[Call]) -> RunReport:
        """Run more ``calls`` in the session's child; the report's layers are the session's so far."""
        if not self._open:
            raise SandboxFailure("the sandbox session has ended")
        try:
            reply = self.server._exchange(wire.encode({"calls": _encodable(calls)}), len(calls), in_session=True)
        except SandboxFailure:
            self._open = False  # the server was restarted: there is no session any more
            raise
        return _report(reply)

    def close(self) -> None:
        """End the session (the worker kills and reaps the child) and free the fork-server."""
        if not self._held:
            return
        try:
            if self._open:
                self._open = False
                self.server._end_session()
        finally:
            self._held = False
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.server._lock.release()


class CallsEncoding:
    """The wire encoding of the last call list a request sent, reused when a request sends the very
    same calls again.

    In a batch whose learners share their inputs (``grade batch --inputs shared``) every run sends
    the same argument objects: they are encoded once instead of per learner (~7 ms each), and the
    request says so (``repeat_calls``), so that the fork-server decodes them once for all its workers
    too (``server.KeptCalls``). "The same" means the same argument tuples, by identity; they are
    kept alive here so that their ids cannot be reused, and drawn inputs are never modified once
    drawn (references and judges only read them). A call list with any other argument object is
    encoded afresh.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._arguments: list[tuple] = []
        self._message = b""

    def encode(self, calls: list[Call]) -> tuple[bytes, bool]:
        """``(message, repeated)``: the calls as one wire message, and whether it is the last one again."""
        key = tuple((c.module, c.function, id(c.args), c.return_arguments) for c in calls)
        if key == self._key:
            return self._message, True
        self._message = wire.encode(_encodable(calls))
        self._key, self._arguments = key, [c.args for c in calls]
        return self._message, False


def _encodable(calls: list[Call]) -> list[dict]:
    return [{"module": c.module, "function": c.function, "args": list(c.args),
             **({"return_arguments": True} if c.return_arguments else {})} for c in calls]


def _report(reply: dict) -> RunReport:
    return RunReport(outcomes=[_decode_outcome(o) for o in reply["outcomes"]],
                     layers=dict(reply.get("layers", {})))


def _read_frame(fd: int, deadline: float, max_bytes: int = wire.MAX_FRAME_BYTES) -> bytes:
    """One length-prefixed frame from the fork-server, read exactly, before ``deadline``.

    Raises ``OSError`` when the server does not answer in time or closes its pipe, and
    ``WireError`` for a length over ``max_bytes`` (refused before anything is read)."""
    (length,) = _LEN.unpack(_read_before(fd, _LEN.size, deadline))
    if length > max_bytes:
        raise wire.WireError(f"a reply of {length} bytes exceeds the {max_bytes}-byte limit")
    return _read_before(fd, length, deadline)


def _read_before(fd: int, size: int, deadline: float) -> bytes:
    """Exactly ``size`` bytes from ``fd`` before ``deadline``, else ``OSError``."""
    chunks, remaining = [], size
    while remaining:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise OSError("the fork-server did not answer in time")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise OSError("the fork-server closed its pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _decode_outcome(raw: dict) -> Outcome:
    if raw.get("status") != "ok":
        return Outcome(ok=False, kind=str(raw.get("kind", "error")), message=str(raw.get("message", "")))
    try:
        body = wire.decode(raw["payload"])
        return Outcome(ok=True, value=body["value"], fp_errors=tuple(map(str, body.get("fp_errors", []))))
    except (wire.WireError, KeyError, TypeError) as exc:
        return Outcome(ok=False, kind="type", message=f"the returned value could not be read: {exc}")
