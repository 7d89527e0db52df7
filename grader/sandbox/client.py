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
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grader.files import FileRefused, read_regular_file
from grader.sandbox import frames, wire
from grader.sandbox.cleanup import remove_tree
from grader.sandbox.limits import Limits

_LEN = frames.LENGTH
PEER = "the fork-server"
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


class SubmissionTooLarge(Exception):
    """The submission's files are more than the sandbox's work dir may hold."""


def copy_submission(source: Path, work_root: Path, max_total_bytes: int | None = None) -> Path:
    """Copy the top-level ``.py`` files of a submission into a fresh private directory.

    Only regular files are copied (symlinks are skipped), with count and size caps, so a
    submission cannot smuggle in links to the grader's files or fill the disk.  Each file is
    checked on the descriptor it is read from (no symlink followed, no FIFO waited on), with a few
    system calls: this runs once per sandboxed run.  More than ``max_total_bytes`` in all raises
    ``SubmissionTooLarge`` (and nothing is left behind).
    """
    files = []
    for name in sorted(_python_file_names(source)):
        data = _read_regular_file(os.path.join(source, name))
        if data is None:
            continue
        files.append((name, data))
        if len(files) >= MAX_SUBMISSION_FILES:
            break
    total = sum(len(data) for _, data in files)
    if max_total_bytes is not None and total > max_total_bytes:
        raise SubmissionTooLarge(f"the submission's files are too large for the sandbox: {total} bytes of "
                                 f".py files, more than the {max_total_bytes} bytes allowed; submit only "
                                 "the exercise files")
    work_dir = Path(tempfile.mkdtemp(prefix="run-", dir=work_root))
    for name, data in files:
        fd = os.open(work_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            wire.write_all(fd, data)
        finally:
            os.close(fd)
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


STARTUP_SECONDS = 120.0  # a fork-server imports and warms NumPy and SymPy: seconds on a loaded machine
END_SECONDS = 10.0  # for the acknowledgement of a session's end (the worker reaps its child first)
REPLY_GRACE_SECONDS = 10.0  # beyond the time the calls of a frame may take


class ForgedReport(SandboxFailure):
    """The submission's code wrote reports of its own on the sandbox's result channel: none of its
    outcomes can be trusted (an instructor-facing reason; the submission must not be graded)."""


class ForkServer:
    """One fork-server process; thread-safe (one run at a time).

    ``without`` names confinement steps (``grader.sandbox.confine.SWITCHABLE``) that its children must
    not apply: only for tests and benchmarks that need a weaker sandbox on purpose.
    ``symbolic=False`` starts faster by not preloading SymPy: for runs with no symbolic call (a child
    that gets one anyway imports SymPy itself, slowly but correctly).

    Every wait here has a deadline (start-up, each reply, a session's end), and whatever fails,
    the lock is released and the work dir removed: a failed exchange stops the server (its whole
    process group: the server and its workers, whose children die with them), and the next run
    starts a fresh one.
    """

    def __init__(self, limits: Limits | None = None, *, without: tuple[str, ...] = (),
                 symbolic: bool = True) -> None:
        self.limits = limits or Limits()
        self.without = tuple(without)
        self.symbolic = symbolic
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._layers: dict[str, str] | None = None
        self._calls = CallsEncoding()
        self._work_root = Path(tempfile.mkdtemp(prefix="deep-rnn-grader-"))
        os.chmod(self._work_root, 0o711)

    def __enter__(self) -> "ForkServer":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the server process unless it runs, and wait (``STARTUP_SECONDS`` at most) until it
        says it is ready; raises ``SandboxFailure`` if it does not."""
        if self._process and self._process.poll() is None:
            return
        self._stop()
        env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8",
               "DEEP_RNN_GRADER_SANDBOX_SYMPY": "1" if self.symbolic else "0"}  # server.SYMPY_SWITCH
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-m", "grader.sandbox.server"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self._work_root, env=env, close_fds=True, start_new_session=True,
        )
        try:
            ready = wire.decode(_read_frame(self._process.stdout.fileno(), time.monotonic() + STARTUP_SECONDS))
        except (OSError, wire.WireError) as exc:
            ready = exc
        if not (isinstance(ready, dict) and ready.get("ready") is True):
            self._stop()
            raise SandboxFailure(f"the fork-server did not start: {str(ready)[:200]}")

    def close(self) -> None:
        """Stop the server (its workers and their children with it) and remove the work root."""
        self._stop(graceful=True)
        remove_tree(self._work_root)

    def _stop(self, graceful: bool = False) -> None:
        """Stop the server process, if any; never raises.  ``graceful``: close its stdin and give it
        a few seconds to exit first.  Otherwise (or then) its process group is killed."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.close()  # end of file: a server between requests exits
        except OSError:
            pass
        try:
            if graceful:
                process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the server and its workers
            except OSError:
                process.kill()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            if process.stdout:
                process.stdout.close()
        except OSError:
            pass

    def layers(self) -> dict[str, str]:
        """Which isolation layers a child gets here (probed once with an empty run, then cached)."""
        if self._layers is None:
            empty = tempfile.mkdtemp(dir=self._work_root)
            try:
                self._layers = self.run(Path(empty), []).layers
            finally:
                remove_tree(empty)
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
        soon: leaving the ``with`` block ends it.  Raises ``SandboxFailure`` as ``run`` does (and
        ``ForgedReport`` when the submission wrote reports of its own), with the lock released."""
        self._lock.acquire()
        work_dir = None
        try:
            self.start()
            try:
                work_dir = copy_submission(Path(submission_dir), self._work_root, self.limits.tmpfs_bytes // 2)
            except SubmissionTooLarge as exc:  # refused here: a child would have to run it on disk
                refused = Outcome(ok=False, kind="too_large", message=f"not run: {exc}")
                report = RunReport(outcomes=[dataclasses.replace(refused) for _ in calls],
                                   layers=dict(self._layers or {}))
                work_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self._work_root))
                return Session(self, work_dir, report, open_=False)
            request = self._request(work_dir, calls, follow_ups)
            first, state = self._exchange(request, len(calls))
            if state["forged"]:
                if follow_ups:
                    self._end_session()
                raise ForgedReport(f"the submission's reports cannot be trusted: {state['forged']}")
            return Session(self, work_dir, first, open_=follow_ups, budget_used_up=state["budget_used_up"])
        except BaseException:
            if work_dir is not None:
                remove_tree(work_dir)
            self._lock.release()
            raise

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

    def _exchange(self, payload: bytes, count: int) -> tuple[RunReport, dict]:
        """Send one frame (a request or a session's follow-up) and read its reply: the report of its
        ``count`` calls and the session's state (``budget_used_up``, ``forged``).

        Any failure stops the server (a worker that failed mid-session may have left replies no
        frame asked for, or may read the next request as a follow-up) and raises ``SandboxFailure``;
        a reply saying the submission forged its reports raises ``ForgedReport``, server kept."""
        limits = self.limits
        seconds = REPLY_GRACE_SECONDS + min(count * (limits.wall_seconds + 0.5),
                                            limits.submission_wall_seconds + limits.submission_cpu_seconds)
        try:
            assert self._process and self._process.stdin and self._process.stdout
            self._process.stdin.write(_LEN.pack(len(payload)) + payload)
            self._process.stdin.flush()
            reply = wire.decode(_read_frame(self._process.stdout.fileno(), time.monotonic() + seconds))
            if not isinstance(reply, dict) or "error" in reply:
                detail = reply.get("error") if isinstance(reply, dict) else reply
                raise SandboxFailure(f"the fork-server rejected a run: {str(detail)[:500]}")
            report = _report(reply, count)
        except BaseException as exc:
            self._stop()
            if isinstance(exc, SandboxFailure) or not isinstance(exc, Exception):
                raise
            raise SandboxFailure(f"the fork-server failed during a run: {exc}") from exc
        state = {"budget_used_up": reply.get("budget_used_up") is True,
                 "forged": str(reply["forged"])[:500] if reply.get("forged") else ""}
        return report, state

    def _end_session(self) -> None:
        """Send the end frame and wait for its acknowledgement (the child is reaped by then); on any
        failure stop the server instead.  Never raises."""
        try:
            payload = wire.encode({"end": True})
            assert self._process and self._process.stdin and self._process.stdout
            self._process.stdin.write(_LEN.pack(len(payload)) + payload)
            self._process.stdin.flush()
            reply = wire.decode(_read_frame(self._process.stdout.fileno(), time.monotonic() + END_SECONDS))
            if not (isinstance(reply, dict) and reply.get("ended") is True):
                raise OSError(f"unexpected reply {str(reply)[:200]}")
        except BaseException:  # noqa: BLE001 - what the session returned stands; the next run starts clean
            self._stop()


class Session:
    """Calls sent to one sandboxed child, batch after batch (see ``ForkServer.session``).

    The child stays confined with the learner's modules imported between batches; a child that
    died in an earlier batch is replaced by a fresh one, as within a run.  Call indices, blame and
    limits are the same as if every batch had been one run's next calls, and so is the
    submission's time budget (``Limits.submission_wall_seconds`` / ``submission_cpu_seconds``):
    once it is used up, every later call is answered "not reached" without running."""

    def __init__(self, server: ForkServer, work_dir: Path, first: RunReport, *, open_: bool,
                 budget_used_up: bool = False) -> None:
        self.server, self.work_dir, self.first = server, work_dir, first
        self._open = open_
        self._held = True
        self._layers = dict(first.layers)
        self.budget_used_up = budget_used_up
        self.forged = ""  # set when a batch found the submission's reports forged (``ForgedReport``)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, calls: list[Call]) -> RunReport:
        """Run more ``calls`` in the session's child; the report's layers are the session's so far.

        Raises ``SandboxFailure`` (``ForgedReport`` when the submission wrote reports of its own:
        the session ends then)."""
        if not self._open:
            raise SandboxFailure("the sandbox session has ended")
        if self.budget_used_up:
            return RunReport(outcomes=[not_reached() for _ in calls], layers=dict(self._layers))
        try:
            report, state = self.server._exchange(wire.encode({"calls": _encodable(calls)}), len(calls))
        except SandboxFailure:
            self._open = False  # the server was stopped: there is no session any more
            raise
        self._layers = dict(report.layers)
        self.budget_used_up = state["budget_used_up"]
        if state["forged"]:
            self._open, self.forged = False, state["forged"]
            self.server._end_session()
            raise ForgedReport(f"the submission's reports cannot be trusted: {state['forged']}")
        return report

    def close(self) -> None:
        """End the session (the worker kills and reaps the child) and free the fork-server; never
        raises, whatever the learner left in the work dir."""
        if not self._held:
            return
        self._held = False
        try:
            if self._open:
                self._open = False
                self.server._end_session()
        finally:
            remove_tree(self.work_dir)
            self.server._lock.release()


def not_reached() -> Outcome:
    """The outcome of a call the session did not run because the submission's budget was used up."""
    return Outcome(ok=False, kind="budget", message="not reached: the submission's time budget was used up")


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


def _report(reply: dict, count: int) -> RunReport:
    """A worker's reply as a ``RunReport`` of ``count`` outcomes; ``SandboxFailure`` if it is not one."""
    outcomes, layers = reply.get("outcomes"), reply.get("layers", {})
    if type(outcomes) is not list or len(outcomes) != count or not all(type(o) is dict for o in outcomes):
        raise SandboxFailure("the fork-server returned the wrong number of outcomes")
    if type(layers) is not dict:
        raise SandboxFailure("the fork-server returned an unreadable layer report")
    return RunReport(outcomes=[_decode_outcome(o) for o in outcomes],
                     layers={str(k): str(v) for k, v in layers.items()})


def _read_frame(fd: int, deadline: float, max_bytes: int = wire.MAX_FRAME_BYTES) -> bytes:
    """One length-prefixed frame from the fork-server, read exactly, before ``deadline``.

    Raises ``OSError`` when the server does not answer in time or closes its pipe, and
    ``WireError`` for a length over ``max_bytes`` (refused before anything is read)."""
    (length,) = _LEN.unpack(frames.read_before(fd, _LEN.size, deadline, PEER))
    if length > max_bytes:
        raise wire.WireError(f"a reply of {length} bytes exceeds the {max_bytes}-byte limit")
    return frames.read_before(fd, length, deadline, PEER)


def _decode_outcome(raw: dict) -> Outcome:
    """One outcome of a reply; the value a child sent is decoded strictly (a ``WireError`` makes it
    a ``type`` error of that call, nothing else can come out of the decoder)."""
    if raw.get("status") != "ok":
        return Outcome(ok=False, kind=str(raw.get("kind", "error"))[:40], message=str(raw.get("message", "")))
    try:
        body = wire.decode(raw["payload"]) if type(raw.get("payload")) is bytes else None
    except wire.WireError as exc:
        return Outcome(ok=False, kind="type", message=f"the returned value could not be read: {exc}")
    fp_errors = body.get("fp_errors", []) if type(body) is dict else None
    if type(body) is not dict or "value" not in body or type(fp_errors) is not list:
        return Outcome(ok=False, kind="type", message="the returned value could not be read: not a result")
    return Outcome(ok=True, value=body["value"], fp_errors=tuple(str(kind)[:40] for kind in fp_errors[:16]))
