"""The fork-server: a warm process that forks one sandboxed child per run.

Started by ``grader.sandbox.client`` as ``python -I -m grader.sandbox.server``. It imports numpy and
sympy once and exercises them on throwaway values (``warm_up``), so each child starts warm, and it
never imports ``solutions``, the suites or anything else that knows an answer, nor computes one, so
a child that inspects its own memory finds only its inputs.

Protocol on stdin/stdout: length-prefixed frames (see ``wire.write_frame``), each a wire message.

    request    {"work_dir", "calls_message": bytes, "repeat_calls": bool, "limits", "without",
                "session"?: true}, where ``calls_message`` is itself a wire message holding the list
                of calls [{"module", "function", "args"}] (``"calls": [...]`` in its place works too)
    reply      {"outcomes": [...], "layers": {...}}, one outcome per call:
               {"status": "ok", "payload": bytes} or {"status": "error", "kind", "message"};
               or {"error": text} when the request could not be run at all

``without``: confinement steps switched off, for tests and benchmarks only.  Without ``session``
that is all: the worker replies and exits, and its child exits once its calls are done.  With
``"session": true`` the reply opens a session, and the grader then sends, one at a time and each
answered before the next:

    follow-up  {"calls": [...]}  ->  reply as above, for these calls only; ``layers`` covers every
                                     child of the session so far
    end        {"end": true}     ->  {"ended": true}, once the child is killed and reaped

Follow-up calls continue the request's call indices and run as if they had been its next calls:
the same wall clock per call, byte budget (per batch), forgery rules and blame.  They go to the
child that ran the first batch, already confined and with the learner's modules imported (it
waits for them on a pipe of its own, see ``child``), or to a fresh child if that one died, as a
run forks a fresh child after a crash.  End of file on stdin (the grader died) or a malformed
follow-up ends the session: the child is killed and the worker exits (after an ``{"error"}``
reply for a malformed one).

Each request is answered by a worker forked for it, and the sandboxed children are forked from that
worker.  The server itself therefore never holds what a child sent back: a later learner's child,
which inherits the server's memory, cannot find an earlier learner's results in it.  During a
session the server is blocked waiting for the worker, so the worker reads the follow-ups from
stdin itself; should the worker die, the server writes ``{"error"}`` as the reply (the grader then
restarts the server, since it cannot know which of its frames the dead worker had read).  The
worker decodes the request's arrays as read-only views of the message (``decode_request``); each
child copies the arguments of every call before making it.  A request whose ``repeat_calls`` says
it sends the same calls as the one before (learners sharing their inputs) has them decoded once,
by the server, and every later worker inherits them (``KeptCalls``); the server then holds those
inputs, which every child is sent anyway, and still nothing a child sent back.
"""
from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import select
import signal
import struct
import sys
import time

import numpy  # noqa: F401 - imported so every child starts warm

from grader.sandbox import child, wire

_LEN = struct.Struct(">Q")
_FRAME_HEAD = struct.Struct(">cI")


make_symbol = child.make_symbol  # requests and a session's batches rebuild ``$symbol`` leaves alike


class ChildReader:
    """Reads the frames of one child under a per-call wall-clock deadline, a byte budget and, when
    given, the submission's ``Budget`` (checked at least every ``BUDGET_POLL_SECONDS``)."""

    def __init__(self, fd: int, wall_seconds: float, max_bytes: int, budget: "Budget | None" = None,
                 pid: int = 0) -> None:
        self.fd, self.wall, self.budget = fd, wall_seconds, max_bytes
        self.buffer = b""
        self.deadline = time.monotonic() + wall_seconds
        self.submission_budget, self.pid = budget, pid

    def restart_clock(self) -> None:
        self.deadline = time.monotonic() + self.wall

    def next_frame(self) -> tuple[bytes, int, bytes] | str:
        """Return ``(kind, index, payload)``, or ``"eof"``, ``"timeout"``, ``"oversize"``,
        ``"garbled"`` or ``"budget"`` (the submission's time budget is used up)."""
        while True:
            frame = self._parse()
            if frame is not None:
                return frame
            now = time.monotonic()
            remaining = self.deadline - now
            if remaining <= 0:
                return "timeout"
            if self.submission_budget is not None:
                left = self.submission_budget.left(self.pid)
                if left <= 0:
                    return "budget"
                remaining = min(remaining, left, BUDGET_POLL_SECONDS)
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue  # the deadline and the budget are checked again above
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return "eof"
            self.budget -= len(chunk)
            if self.budget < 0:
                return "oversize"
            self.buffer += chunk

    def _parse(self):
        if len(self.buffer) < _LEN.size:
            return None
        (length,) = _LEN.unpack_from(self.buffer)
        if length < _FRAME_HEAD.size or length > self.budget + len(self.buffer):
            return "garbled"
        if len(self.buffer) < _LEN.size + length:
            return None
        body = self.buffer[_LEN.size:_LEN.size + length]
        self.buffer = self.buffer[_LEN.size + length:]
        kind, index = _FRAME_HEAD.unpack_from(body)
        return kind, index, body[_FRAME_HEAD.size:]


def _kill(pid: int) -> float:
    """SIGKILL a child and its process group, reap it, and return the CPU seconds it used."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        return _cpu_of(os.wait4(pid, 0)[2])
    except ChildProcessError:
        return 0.0


def _cpu_of(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def _exited_within(pid: int, seconds: float) -> bool:
    """Whether the child ``pid`` ends (becomes reapable) within ``seconds``; it is not reaped here."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfds here: poll
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            time.sleep(0.005)
        return False
    try:
        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system, all threads) a live child has used so far, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BUDGET_POLL_SECONDS = 0.25  # how often a long call's CPU time is compared with the budget
EXIT_GRACE_SECONDS = 1.0  # a child that closed its result pipe has this long to exit, then SIGKILL


class Budget:
    """A submission's time budget over all its calls, batches and children: wall-clock seconds
    while its calls run (not while the grader judges between batches) and CPU seconds of its
    children (``limits["submission_wall_seconds"]``, ``limits["submission_cpu_seconds"]``)."""

    def __init__(self, limits: dict) -> None:
        self.wall = float(limits.get("submission_wall_seconds", math.inf))
        self.cpu = float(limits.get("submission_cpu_seconds", math.inf))
        self.wall_spent = self.cpu_spent = 0.0
        self.running_since: float | None = None
        self.used_up = False
        self._sampled_pid, self._next_sample, self._live_cpu = 0, 0.0, 0.0

    def start(self) -> None:
        self.running_since = time.monotonic()

    def stop(self) -> None:
        if self.running_since is not None:
            self.wall_spent += time.monotonic() - self.running_since
            self.running_since = None

    def reaped(self, cpu_seconds: float) -> None:
        self.cpu_spent += cpu_seconds
        self._sampled_pid = 0  # its CPU time is counted in cpu_spent now

    def left(self, live_pid: int = 0) -> float:
        """Seconds left of the tighter of the two budgets.  A live child's CPU time so far is read
        from /proc at most every ``BUDGET_POLL_SECONDS`` (in between, the last reading stands)."""
        now = time.monotonic()
        wall = self.wall - self.wall_spent
        if self.running_since is not None:
            wall -= now - self.running_since
        if live_pid and (live_pid != self._sampled_pid or now >= self._next_sample):
            self._sampled_pid, self._next_sample = live_pid, now + BUDGET_POLL_SECONDS
            self._live_cpu = _cpu_seconds(live_pid)
        cpu = self.cpu - self.cpu_spent - (self._live_cpu if live_pid == self._sampled_pid else 0.0)
        return min(wall, cpu)

    def describe(self) -> str:
        return (f"{self.wall:g} s of running time and {self.cpu:g} s of CPU time for all of the "
                "submission's calls together")


def run_request(request: dict) -> dict:
    """Run every call of one request, forking a fresh child after any call that kills its child."""
    return RequestRun(request).batch(request["calls"])


def merge_layers(layers: dict[str, str], child_report: dict) -> None:
    """Add one child's layer report to the run's: a layer is active for the run only if it was
    active in every child of the run (the weakest report wins)."""
    for name, state in child_report.items():
        if layers.get(name, "active") == "active":
            layers[str(name)] = str(state)


class _Child:
    """A forked child as its worker sees it: its pid, the reader of its frames and, in a session,
    the write end of the pipe it reads further calls from."""

    def __init__(self, pid: int, reader: ChildReader, commands: int | None) -> None:
        self.pid, self.reader, self.commands = pid, reader, commands
        self.confined = False

    def close_pipes(self) -> None:
        for fd in (self.reader.fd, self.commands):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


class RequestRun:
    """One request in its worker: every call so far, the first batch's and the follow-ups' in one
    sequence of indices, their outcomes, the modules imported and the layers (weakest report wins).

    With ``keep_child`` (a session) a child that finishes its calls is not left to exit: it says it
    waits (W) and stays, confined and with the learner's modules imported, for the next batch."""

    def __init__(self, request: dict, keep_child: bool = False) -> None:
        self.work_dir, self.limits = request["work_dir"], request["limits"]
        self.without = tuple(str(name) for name in request.get("without", ()))
        self.keep_child = keep_child
        self.calls: list[dict] = []
        self.outcomes: list[dict | None] = []
        self.imported: set[str] = set()
        self.layers: dict[str, str] = {}
        self.child: _Child | None = None  # a session's child, waiting for calls
        self.forked = False
        self.budget = Budget(self.limits)
        self.forged = ""  # why the submission's frames cannot be trusted, once they cannot

    def batch(self, calls: list[dict], message: bytes = b"") -> dict:
        """Run ``calls`` (``message``: their wire encoding, for a waiting child) and return the reply.

        The first batch always forks a child (a run of no calls still reports the layers); a later
        batch goes to the waiting child if there is one, else to a fresh child as after a crash.
        Once the submission's budget is used up (or its frames were forged) no call runs any more:
        each says why."""
        first = len(self.calls)
        self.calls.extend(calls)
        self.outcomes.extend([None] * len(calls))
        position = first
        self.budget.start()
        try:
            if self.child is not None and calls and self._may_run():
                position = self._continue_child(first, message)
            elif not self.forked and self._may_run():
                position = self._fork_child(first)
            while position < len(self.calls) and self._may_run():
                position = self._fork_child(position)
        finally:
            self.budget.stop()
        if not self._may_run():
            self.close()
            self._settle(first)
        reply = {"outcomes": self.outcomes[first:], "layers": dict(self.layers)}
        if self.budget.used_up:
            reply["budget_used_up"] = True
        if self.forged:
            reply["forged"] = self.forged
        return reply

    def _may_run(self) -> bool:
        if not self.forged and not self.budget.used_up and self.budget.left() <= 0:
            self.budget.used_up = True
        return not self.forged and not self.budget.used_up

    def _settle(self, first: int) -> None:
        """Every call from ``first`` on without an outcome: not run, and why."""
        if self.forged:
            outcome = {"status": "error", "kind": "forged",
                       "message": f"not graded: {self.forged}"}
        else:
            outcome = {"status": "error", "kind": "budget",
                       "message": f"not reached: the submission's time budget was used up ({self.budget.describe()})"}
        for index in range(first, len(self.outcomes)):
            if self.outcomes[index] is None:
                self.outcomes[index] = dict(outcome)

    def close(self) -> None:
        """End the session: kill and reap the waiting child, if any."""
        if self.child is not None:
            self.child.close_pipes()
            self.budget.reaped(_kill(self.child.pid))
            self.child = None

    def _fork_child(self, first: int) -> int:
        """Fork one child for the calls from ``first`` on that have no outcome yet; return the
        index of the first call still to run."""
        self.forked = True
        todo = [index for index in range(first, len(self.calls)) if self.outcomes[index] is None]
        read_fd, write_fd = os.pipe()
        command_read, command_write = os.pipe() if self.keep_child else (None, None)
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            if command_write is not None:
                os.close(command_write)
            child.run_child(write_fd, self.work_dir, self.calls, todo, self.limits, self.without, command_read)
        os.close(write_fd)
        if command_read is not None:
            os.close(command_read)
        limits = self.limits
        reader = ChildReader(read_fd, float(limits["wall_seconds"]), int(limits["output_bytes"]) * 16,
                             self.budget, pid)
        return self._drive(_Child(pid, reader, command_write), first, todo)

    def _continue_child(self, first: int, message: bytes) -> int:
        """Send the calls from ``first`` on to the waiting child; return the first call still to run.

        Nothing may have arrived from it while it waited: a frame then is a forgery (a learner
        thread) and an end of file a death, so either way the child is dropped, unblamed, and the
        batch goes to a fresh child."""
        waiting, self.child = self.child, None
        reader = waiting.reader
        if reader.buffer or select.select([reader.fd], [], [], 0)[0]:
            waiting.close_pipes()
            self.budget.reaped(_kill(waiting.pid))
            return first
        reader.budget = int(self.limits["output_bytes"]) * 16  # each batch has the first batch's budget
        reader.restart_clock()
        frame = _FRAME_HEAD.pack(b"C", first) + message
        sent = _write_before(waiting.commands, _LEN.pack(len(frame)) + frame, reader.deadline)
        return self._drive(waiting, first, list(range(first, len(self.calls))), sent)

    def _drive(self, running: _Child, first: int, todo: list[int], sent: bool = True) -> int:
        """Read one child's frames for the calls ``todo`` (in order); return the first call still to run.

        Calls run in order and are not announced: once the child reports its layers (L), or once
        it was sent a batch while waiting, the call running is the first of ``todo`` without an
        outcome, and its own wall-clock limit starts when the previous call's D or E frame (or the
        L frame, or the sending) arrives. Only a D or E frame for exactly that call is taken; one
        for a call already reported is ignored (the real report after a forged one); one for a
        call that has not started is a forgery, and so are L and X after confinement and W before
        the last call of ``todo`` is done: the child is killed and, for a D or E frame, the
        submission's reports are no longer trusted (``forged``).  In a session, W after the last
        call means the child waits: it is kept."""
        calls, outcomes, limits, reader = self.calls, self.outcomes, self.limits, running.reader
        pending = iter(todo)
        current = next(pending, None) if running.confined else None
        frame: tuple | str = "eof" if sent else "timeout"
        status, cpu_used = None, 0.0
        try:
            while sent:
                frame = reader.next_frame()
                if isinstance(frame, str):
                    break
                kind, index, payload = frame
                if kind == b"W":
                    if not running.confined or current is not None or not self.keep_child:
                        frame = "garbled"
                        break
                    self.child = running  # done, and waiting for the next batch
                    return _first_missing(outcomes, first)
                # L and X come from the child before any learner code runs; later ones are forgeries
                if (kind in (b"L", b"X") and running.confined) or \
                        (kind not in (b"L", b"X") and (not running.confined or not 0 <= index < len(calls))):
                    frame = "garbled"
                    break
                if kind == b"L":
                    running.confined = True
                    merge_layers(self.layers, _layer_report(payload))
                    current = next(pending, None)  # the first call begins now
                    reader.restart_clock()
                elif kind == b"X":
                    _refuse_all(calls, outcomes, first, payload.decode(errors="replace")[:2000])
                    self.layers["confinement"] = "failed: " + payload.decode(errors="replace")[:2000]
                    frame = "refused"
                    break
                elif kind == b"I":
                    self.imported.add(calls[index]["module"])
                elif kind in (b"D", b"E") and index != current and outcomes[index] is not None:
                    continue  # a call already reported: the real report after a forged one, or a repeat
                elif kind in (b"D", b"E") and index != current:
                    self.forged = (f"the submission wrote its own report for call {index}, which had not "
                                   f"started (a forged frame on the grader's result channel)")
                    frame = "forged"
                    break
                elif kind in (b"D", b"E"):
                    outcomes[index] = _outcome(kind, payload, limits)
                    current = next(pending, None)  # the next call begins now
                    reader.restart_clock()
        finally:
            if self.child is not running:
                running.close_pipes()
                status, cpu_used = _exit_status(running.pid, frame)
                self.budget.reaped(cpu_used)
        if frame == "budget":
            self.budget.used_up = True
        if _out_of_cpu(status, cpu_used, limits):
            frame = "cpu"
        if frame in ("refused", "forged"):
            return len(calls)
        if frame == "budget":  # the rest of the calls are settled as not reached (``batch``)
            if running.confined and current is not None:
                function = calls[current]["function"]
                outcomes[current] = {"status": "error", "kind": "budget",
                                     "message": f"{function} did not finish: the submission's time budget "
                                                f"was used up ({self.budget.describe()})"}
            return len(calls)
        if not running.confined:  # died or stalled before any call could start
            _refuse_all(calls, outcomes, first, _death_reason(frame, status, limits))
            return len(calls)
        if current is None:
            return _first_missing(outcomes, first)
        _blame(current, calls, outcomes, self.imported, frame, status, limits)
        return _first_missing(outcomes, current + 1)


def _write_before(fd: int, data: bytes, deadline: float) -> bool:
    """Write all of ``data`` to a child's command pipe unless the deadline passes first (a child
    that stops reading must not stall its worker)."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    try:
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                return False
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
    except OSError:  # the child is gone (EPIPE): what it sent says why
        return True
    return True


def _small_json(payload: bytes, max_bytes: int = 64 * 1024):
    """A child's small JSON report (L or E frame), or None: never deeper than a few levels, never
    larger than ``max_bytes``, never an exception (the bytes may be learner-made)."""
    if len(payload) > max_bytes or not wire.nesting_within(payload, 4):
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


def _layer_report(payload: bytes) -> dict:
    report = _small_json(payload or b"{}")
    if not isinstance(report, dict):
        return {"layers": "unavailable: unreadable layer report"}
    return {str(name)[:64]: str(state)[:500] for name, state in report.items()}


def _refuse_all(calls, outcomes, first: int, why: str) -> None:
    """The sandbox could not be set up: no call runs, and each says why (an instructor problem)."""
    for index in range(first, len(calls)):
        if outcomes[index] is None:
            outcomes[index] = {"status": "error", "kind": "sandbox",
                               "message": f"not run: the sandbox could not be set up ({why})"}


CHILD_ERROR_KINDS = frozenset({"import", "missing", "not_implemented", "exception", "type"})
MAX_MESSAGE_CHARS = 2000  # as the child caps them; a forged E frame gets no longer message


def _outcome(kind: bytes, payload: bytes, limits: dict) -> dict:
    if kind == b"D":
        if len(payload) > int(limits["output_bytes"]):
            return {"status": "error", "kind": "oversize",
                    "message": f"the returned value is larger than {limits['output_bytes']} bytes"}
        return {"status": "ok", "payload": payload}
    info = _small_json(payload)
    if not isinstance(info, dict) or info.get("kind") not in CHILD_ERROR_KINDS or type(info.get("message")) is not str:
        return {"status": "error", "kind": "garbled", "message": "the sandbox sent an unreadable report"}
    return {"status": "error", "kind": info["kind"], "message": info["message"][:MAX_MESSAGE_CHARS]}


def _exit_status(pid: int, frame) -> tuple[int | None, float]:
    """Reap the child: its wait status (None when we killed it) and the CPU seconds it used.

    A child that sent nothing wrong has ``EXIT_GRACE_SECONDS`` to exit once its pipe is closed
    (it exits as it closes it, unless learner code closed the pipe and kept running): then it is
    killed. Its process group goes too, before the child is reaped (so that the group id is still
    its own)."""
    if frame in ("timeout", "oversize", "garbled", "refused", "budget", "forged") or \
            not _exited_within(pid, EXIT_GRACE_SECONDS):
        return None, _kill(pid)
    try:
        os.killpg(pid, signal.SIGKILL)  # anything the child left behind in its session
    except (ProcessLookupError, PermissionError):
        pass
    try:
        _, status, usage = os.wait4(pid, 0)
    except ChildProcessError:
        return None, 0.0
    return status, _cpu_of(usage)


def _out_of_cpu(status: int | None, cpu_used: float, limits: dict) -> bool:
    """Killed by the kernel at its CPU rlimit (SIGXCPU at the soft limit, SIGKILL at the hard one)."""
    return (status is not None and os.WIFSIGNALED(status)
            and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)
            and cpu_used >= float(limits["cpu_seconds"]) - 0.05)


def _blame(index, calls, outcomes, imported, frame, status, limits) -> None:
    """The child died during call ``index``: say how, for it and (if at import) its module's calls."""
    module = calls[index]["module"]
    reason = _death_reason(frame, status, limits)
    if module not in imported:
        message = f"the process ended while importing {module}.py: {reason}"
        for other, call in enumerate(calls):
            if call["module"] == module and outcomes[other] is None and other >= index:
                outcomes[other] = {"status": "error", "kind": "import", "message": message}
        return
    kind = "timeout" if frame in ("timeout", "cpu") else "crash"
    function = calls[index]["function"]
    outcomes[index] = {"status": "error", "kind": kind, "message": f"{function} did not finish: {reason}"}
    if kind == "timeout":  # the same function would most likely hang again: don't spend the time
        for other in range(index + 1, len(calls)):
            if calls[other]["function"] == function and calls[other]["module"] == module and outcomes[other] is None:
                outcomes[other] = {"status": "error", "kind": "timeout",
                                   "message": f"not run: an earlier call of {function} ran out of time ({reason})"}


def _death_reason(frame, status, limits) -> str:
    if frame == "timeout":
        return f"it ran longer than the {limits['wall_seconds']} s time limit (an endless loop?)"
    if frame == "cpu":
        return f"it used up its CPU time limit of {limits['cpu_seconds']} s (an endless loop?)"
    if frame == "oversize":
        return "it sent more output than allowed"
    if frame == "garbled":
        return "it wrote to the grader's result channel"
    if status is None:
        return "it stopped unexpectedly"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU or sig == signal.SIGKILL:
            return f"it was stopped after using its CPU time or memory limit (signal {signal.Signals(sig).name})"
        return f"it was killed by signal {signal.Signals(sig).name}"
    return f"it exited with status {os.WEXITSTATUS(status)} (sys.exit/os._exit in your code?)"


def _first_missing(outcomes, start: int) -> int:
    for index in range(start, len(outcomes)):
        if outcomes[index] is None:
            return index
    return len(outcomes)


# The symbols of symbolic calls, created here exactly as a request's ``$symbol`` leaves are rebuilt
# (``make_symbol``), so that SymPy's cache hands every child the same objects with their assumptions
# already deduced.  Bare symbols are inputs, not answers.
SYMBOL_NAMES = ("d", "h")
SYMPY_SWITCH = "DEEP_RNN_GRADER_SANDBOX_SYMPY"  # "0": SymPy is not preloaded (``ForkServer(symbolic=False)``)


def warm_up() -> None:
    """Pay one-off costs here, once, instead of in every child (which inherits the warm state).

    Every child would otherwise pay again for the first use of SymPy's product and printers (which
    import much of SymPy, ~50 ms), for SymPy's assumption deduction on the symbols and small
    integers of a symbolic call, for NumPy's first use of each ufunc loop, and for the wire format.

    Nothing here computes or keeps an answer: the symbolic work uses symbols no check uses and
    SymPy's caches are cleared after it (``_warm_sympy``); what is then put back in them is only the
    bare input symbols and plain integers (``_prime_sympy_cache``).  The NumPy work is on arrays of
    arbitrary numbers, and none of its results is kept.
    """
    _warm_numpy()  # first: importing numpy.random registers ABCs, which empties the ABC caches ...
    if os.environ.get(SYMPY_SWITCH, "1") != "0":
        _warm_sympy()  # ... that SymPy's arithmetic fills
        _prime_sympy_cache()


def _warm_sympy() -> None:
    """Sums, products and powers of positive integer symbols, printed and wire-encoded (as a
    child's symbolic result is), then every SymPy cache cleared: only the code paths stay warm."""
    from sympy.core.cache import clear_cache

    a, b = make_symbol("warm_up_a_"), make_symbol("warm_up_b_")
    for expression in ((a + 1) * a * 2, (a + 2) * b * 3 + a ** 3 + 7 * b, (a - b) * a / 2):
        wire.encode({"value": expression, "fp_errors": []}, lenient=True)
    clear_cache()


def _prime_sympy_cache() -> None:
    """Put into SymPy's (otherwise empty) cache the input symbols and the small integers, with the
    facts that arithmetic and printing ask about them (zero? negative?) already deduced: a child's
    ``d * h`` then starts from these objects instead of deducing their assumptions again."""
    import sympy

    for name in SYMBOL_NAMES:
        symbol = make_symbol(name)
        symbol.is_zero, symbol.is_extended_negative  # noqa: B018 - deduces and stores the facts
    for value in range(-2, 65):  # the coefficients of a parameter count: 2, 3, 4, 8, 24, 56, ...
        number = sympy.Integer(value)
        number.is_zero, number.is_extended_negative  # noqa: B018


def _warm_numpy() -> None:
    """The NumPy a learner's cell uses, once, on throwaway numbers: random numbers, matrix products,
    element-wise arithmetic and ufuncs (with floating-point errors reported through ``seterrcall``,
    as in the child), joins, reductions and copies.  NumPy looks up and caches each ufunc loop on
    first use."""
    # numpy.random is imported on first use, which would cost ~28 ms in every child whose learner
    # code touches np.random; local generators leave the global RNG state alone
    rng = numpy.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    numpy.random.RandomState(0).randn(2)
    errors: list[str] = []
    with numpy.errstate(all="call"):
        previous = numpy.seterrcall(lambda kind, flag: errors.append(kind))
        try:
            for scale in (1.0, 1e3):  # 1e3 overflows exp: the error path is warmed too
                _numpy_cell(x * scale, w, b)
        finally:
            numpy.seterrcall(previous)
    wire.encode({"value": (x, [b, 1.5, 2], {"h": w.T}), "fp_errors": sorted(set(errors))}, lenient=True)
    wire.decode(wire.encode({"a": x, "b": (1.5, 2, None, "s", b"x")}), copy_arrays=False)


def _numpy_cell(x, w, b) -> None:
    """Element-wise, matrix and array-building operations of the kinds recurrent cells use."""
    a = x @ w.T + numpy.dot(x, w.T) + numpy.matmul(x, w.T) + b
    with numpy.errstate(under="ignore", over="ignore"):
        e = numpy.exp(-numpy.abs(a))
        numpy.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    s = 1 / (1 + numpy.exp(-a))
    t = numpy.tanh(a)
    c = (1 - s) * t + s * numpy.maximum(a, 0) - numpy.minimum(a, 0) / 2
    numpy.clip(c, -1, 1), numpy.sqrt(numpy.abs(c)), numpy.log1p(numpy.abs(c)), numpy.log(s), c ** 2
    both = numpy.concatenate([c, t], axis=-1)
    stacked = numpy.stack([c, t]), numpy.stack([c, t], axis=1), numpy.hstack([c, t]), numpy.vstack([c, t])
    numpy.zeros((3, 5)), numpy.zeros_like(c), numpy.ones_like(c), numpy.empty((2, 3, 5)), numpy.full((2, 2), 0.5)
    numpy.asarray(c, dtype=numpy.float64), numpy.array(c), c.copy(), c.astype(numpy.float64), numpy.copy(c)
    both[:, :5], both[..., 5:], stacked[0][1], c[::-1], c.reshape(-1), c.ravel(), c.T, numpy.flip(c, 0)
    c.sum(), c.sum(axis=0), c.mean(axis=-1), c.max(), numpy.abs(c).argmax(), numpy.allclose(c, t)
    numpy.isfinite(c).all(), numpy.isnan(c).any(), numpy.outer(b, b), numpy.einsum("ij,kj->ik", x, w)
    out = numpy.empty((2, 3, 5))
    out[0] = c
    out[1, :, :] = t
    float(c[0, 0]), int(numpy.argmax(c)), numpy.float64(1.5) * 2 + numpy.float64(0.5) / 3


def serve(stdin_fd: int = 0, stdout_fd: int = 1) -> None:
    """Answer requests until stdin closes, each in a worker of its own (see the module docstring)."""
    from grader.sandbox.confine import set_not_dumpable  # also pays confinement's one-off costs

    set_not_dumpable()
    warm_up()
    gc.collect()
    gc.freeze()
    wire.write_frame(stdout_fd, wire.encode({"ready": True}))  # the grader's start-up wait ends here
    kept = KeptCalls()
    while True:
        body = wire.read_frame(stdin_fd)
        if body is None:
            return
        answer_in_worker(body, stdin_fd, stdout_fd, kept.calls_of(body))
        del body


class KeptCalls:
    """The decoded calls of the last request that said it repeats its predecessor's (see the module
    docstring), keyed by the SHA-256 of their message, so a repeated request costs no decoding."""

    def __init__(self) -> None:
        self.digest = b""
        self.calls: list | None = None

    def calls_of(self, body: bytes) -> list | None:
        """The decoded calls of a repeating request; None for any other (its worker decodes them,
        and reports the error if they cannot be decoded)."""
        try:
            request = wire.decode(body, make_symbol=make_symbol, copy_arrays=False)
        except wire.WireError:
            return None
        message = request.get("calls_message") if isinstance(request, dict) else None
        if not isinstance(message, bytes) or request.get("repeat_calls") is not True:
            return None
        digest = hashlib.sha256(message).digest()
        if digest != self.digest:
            try:
                calls = wire.decode(message, make_symbol=make_symbol, copy_arrays=False)
            except wire.WireError:
                return None
            if not isinstance(calls, list) or not all(_is_call(call) for call in calls):
                return None
            self.digest, self.calls = digest, calls
        return self.calls


def decode_request(body: bytes) -> dict:
    """Decode a request in the worker, cheaply: arrays stay read-only views of ``body`` (the child
    copies every argument before each call), and the decoded request, which lives as long as the
    worker, is frozen out of the garbage collector so that no collection in the worker or its
    children scans (and so copies the pages of) its thousands of objects again."""
    request = wire.decode(body, make_symbol=make_symbol, copy_arrays=False)
    gc.freeze()
    return request


def answer_in_worker(body: bytes, stdin_fd: int, stdout_fd: int, calls: list | None = None) -> None:
    """Fork a worker that decodes and runs one request (and, for a session, its follow-ups) and
    writes the replies; wait for it.  ``calls``: the request's calls, already decoded (``KeptCalls``).
    Should the worker die without replying, the grader gets an error reply instead of silence.

    The worker dies with the server (PDEATHSIG), and is the subreaper of everything below it: at
    its end it kills whatever is still running there, so nothing of a run outlives its worker.
    (The server's wait for the worker has no deadline of its own: every wait of the worker has
    one, and a grader that gives up on the server kills its whole process group.)"""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _bind_to_server()
            work(body, stdin_fd, stdout_fd, calls)
            code = 0
        finally:
            _kill_descendants()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        why = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"status {os.WEXITSTATUS(status)}"
        wire.write_frame(stdout_fd, wire.encode({"error": f"the request worker ended with {why}"}))


def _bind_to_server() -> None:
    """In a fresh worker: die with the server, and adopt any orphan of the children below."""
    from grader.sandbox.layers._sys import PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, prctl

    server = os.getppid()
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        prctl(PR_SET_CHILD_SUBREAPER, 1)
    except OSError:
        pass
    if os.getppid() != server:  # the server died before the signal was armed
        os._exit(1)


def _kill_descendants() -> None:
    """SIGKILL and reap every process still below this one (its children and, as their subreaper,
    any orphan of theirs), until none is left."""
    for _ in range(64):
        pids = _children()
        if not pids:
            return
        for pid in pids:
            _kill(pid)


def _children() -> list[int]:
    try:
        with open(f"/proc/self/task/{os.getpid()}/children", "rb") as fh:
            return [int(pid) for pid in fh.read().split()]
    except (OSError, ValueError):
        return []


FOLLOW_UP_IDLE_SECONDS = 300.0  # a session whose grader sends nothing for this long is ended


def work(body: bytes, stdin_fd: int, stdout_fd: int, calls: list | None = None) -> None:
    """The worker: answer the request, then, if it opened a session, each follow-up until the end
    frame (acknowledged once the child is reaped), the end of stdin (the grader is gone) or
    ``FOLLOW_UP_IDLE_SECONDS`` without a frame.  The server waits for this process meanwhile, so
    stdin is the worker's to read.  ``calls``: as for ``answer_in_worker``."""
    run = None
    try:
        request = decode_request(body)
        request["calls"] = calls if calls is not None else _request_calls(request)
        run = RequestRun(request, keep_child=request.get("session") is True)
        reply = run.batch(request["calls"])
    except Exception as exc:  # noqa: BLE001 - report, keep serving
        reply = {"error": f"{type(exc).__name__}: {exc}"}
    wire.write_frame(stdout_fd, wire.encode(reply))
    if run is None or not run.keep_child or "error" in reply:
        if run is not None:
            run.close()
        return
    try:
        while True:
            if not select.select([stdin_fd], [], [], FOLLOW_UP_IDLE_SECONDS)[0]:
                return  # the grader went quiet: the session ends
            message = wire.read_frame(stdin_fd)
            if message is None:  # the grader is gone: so is the session
                return
            try:
                follow_up = decode_request(message)
                if follow_up.get("end") is True:
                    run.close()
                    wire.write_frame(stdout_fd, wire.encode({"ended": True}))
                    return
                calls = follow_up["calls"]
                if not isinstance(calls, list) or not all(_is_call(call) for call in calls):
                    raise ValueError("the calls are not a list of {module, function, args}")
            except (wire.WireError, ValueError, KeyError, TypeError, AttributeError) as exc:
                run.close()
                wire.write_frame(stdout_fd, wire.encode({"error": f"malformed follow-up: {exc}"}))
                return
            wire.write_frame(stdout_fd, wire.encode(run.batch(calls, message)))
    finally:
        run.close()


def _request_calls(request: dict) -> list:
    """A request's calls: decoded from its nested ``calls_message``, or given directly as ``calls``."""
    if "calls_message" in request:
        message = request["calls_message"]
        if not isinstance(message, bytes):
            raise ValueError("calls_message is not a wire message")
        calls = wire.decode(message, make_symbol=make_symbol, copy_arrays=False)
        gc.freeze()  # as decode_request does for the rest of the request
    else:
        calls = request["calls"]
    if not isinstance(calls, list) or not all(_is_call(call) for call in calls):
        raise ValueError("the calls are not a list of {module, function, args}")
    return calls


def _is_call(call) -> bool:
    return (isinstance(call, dict) and isinstance(call.get("module"), str)
            and isinstance(call.get("function"), str) and isinstance(call.get("args"), list))


if __name__ == "__main__":
    # Our own stdout is the reply channel: keep stray prints from reaching it.
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(0, reply_fd)
