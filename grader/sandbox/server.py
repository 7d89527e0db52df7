"""The fork-server: a warm process that forks one sandboxed child per run.

Started by ``grader.sandbox.client`` as ``python -I -m grader.sandbox.server``. It imports numpy and
sympy once and exercises them on throwaway values (``warm_up``), so each child starts warm, and it
never imports ``solutions``, the suites or anything else that knows an answer, nor computes one, so
a child that inspects its own memory finds only its inputs.

Protocol on stdin/stdout: length-prefixed frames (see ``wire.write_frame``). A request is a wire
message ``{"work_dir", "calls": [{"module", "function", "args"}], "limits", "without"}`` (``without``:
confinement steps switched off, for tests and benchmarks only); the reply is
``{"outcomes": [...], "layers": {...}}`` with one outcome per call:
``{"status": "ok", "payload": bytes}`` or ``{"status": "error", "kind", "message"}``.

Each request is answered by a worker forked for it, and the sandboxed children are forked from that
worker.  The server itself therefore never holds what a child sent back: a later learner's child,
which inherits the server's memory, cannot find an earlier learner's results in it.  The worker
decodes the request's arrays as read-only views of the message (``decode_request``); each child
copies the arguments of every call before making it.
"""
from __future__ import annotations

import gc
import json
import os
import select
import signal
import struct
import sys
import time

import numpy  # noqa: F401 - imported so every child starts warm
import sympy

from grader.sandbox import child, wire

_LEN = struct.Struct(">Q")
_FRAME_HEAD = struct.Struct(">cI")


def make_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, positive=True, integer=True)


def read_exact(fd: int, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class ChildReader:
    """Reads the frames of one child under a per-call wall-clock deadline and a byte budget."""

    def __init__(self, fd: int, wall_seconds: float, max_bytes: int) -> None:
        self.fd, self.wall, self.budget = fd, wall_seconds, max_bytes
        self.buffer = b""
        self.deadline = time.monotonic() + wall_seconds

    def restart_clock(self) -> None:
        self.deadline = time.monotonic() + self.wall

    def next_frame(self) -> tuple[bytes, int, bytes] | str:
        """Return ``(kind, index, payload)``, or ``"eof"``, ``"timeout"``, ``"oversize"``, ``"garbled"``."""
        while True:
            frame = self._parse()
            if frame is not None:
                return frame
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                return "timeout"
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


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def run_request(request: dict) -> dict:
    """Run every call of one request, forking a fresh child after any call that kills its child."""
    calls, limits = request["calls"], request["limits"]
    outcomes: list[dict | None] = [None] * len(calls)
    imported: set[str] = set()
    layers: dict[str, str] = {}
    without = tuple(str(name) for name in request.get("without", ()))
    first = 0
    while True:
        first = _run_child_from(request["work_dir"], calls, first, limits, outcomes, imported, layers, without)
        if first >= len(calls):
            break
    return {"outcomes": outcomes, "layers": layers}


def merge_layers(layers: dict[str, str], child_report: dict) -> None:
    """Add one child's layer report to the run's: a layer is active for the run only if it was
    active in every child of the run (the weakest report wins)."""
    for name, state in child_report.items():
        if layers.get(name, "active") == "active":
            layers[str(name)] = str(state)


def _run_child_from(work_dir, calls, first, limits, outcomes, imported, layers, without=()) -> int:
    """Fork one child for the calls from ``first`` on that have no outcome yet; return the index of
    the first call still to run.

    Calls run in order and are not announced: once the child reports its layers (L), the call
    running is the first one of its list without an outcome, and its own wall-clock limit starts
    when the previous call's D or E frame (or the L frame) arrives. Only a D or E frame for exactly
    that call is taken; L and X after confinement are forgeries and end the child.
    """
    todo = [index for index in range(first, len(calls)) if outcomes[index] is None]
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        child.run_child(write_fd, work_dir, calls, todo, limits, without)
    os.close(write_fd)
    reader = ChildReader(read_fd, float(limits["wall_seconds"]), int(limits["output_bytes"]) * 16)
    pending = iter(todo)
    current, frame, confined = None, "eof", False
    try:
        while True:
            frame = reader.next_frame()
            if isinstance(frame, str):
                break
            kind, index, payload = frame
            # L and X come from the child before any learner code runs; later ones are forgeries
            if (kind in (b"L", b"X") and confined) or \
                    (kind not in (b"L", b"X") and (not confined or not 0 <= index < len(calls))):
                frame = "garbled"
                break
            if kind == b"L":
                confined = True
                merge_layers(layers, _layer_report(payload))
                current = next(pending, None)  # the first call begins now
                reader.restart_clock()
            elif kind == b"X":
                _refuse_all(calls, outcomes, first, payload.decode(errors="replace"))
                layers["confinement"] = "failed: " + payload.decode(errors="replace")
                frame = "refused"
                break
            elif kind == b"I":
                imported.add(calls[index]["module"])
            elif kind in (b"D", b"E") and index == current:
                outcomes[index] = _outcome(kind, payload, limits)
                current = next(pending, None)  # the next call begins now
                reader.restart_clock()
    finally:
        os.close(read_fd)
        status, cpu_used = _exit_status(pid, frame)
    if _out_of_cpu(status, cpu_used, limits):
        frame = "cpu"
    if frame == "refused":
        return len(calls)
    if not confined:  # died or stalled before any call could start
        _refuse_all(calls, outcomes, first, _death_reason(frame, status, limits))
        return len(calls)
    if current is None:
        return _first_missing(outcomes, first)
    _blame(current, calls, outcomes, imported, frame, status, limits)
    return _first_missing(outcomes, current + 1)


def _layer_report(payload: bytes) -> dict:
    try:
        report = json.loads(payload or b"{}")
    except ValueError:
        report = None
    return report if isinstance(report, dict) else {"layers": "unavailable: unreadable layer report"}


def _refuse_all(calls, outcomes, first: int, why: str) -> None:
    """The sandbox could not be set up: no call runs, and each says why (an instructor problem)."""
    for index in range(first, len(calls)):
        if outcomes[index] is None:
            outcomes[index] = {"status": "error", "kind": "sandbox",
                               "message": f"not run: the sandbox could not be set up ({why})"}


def _outcome(kind: bytes, payload: bytes, limits: dict) -> dict:
    if kind == b"D":
        if len(payload) > int(limits["output_bytes"]):
            return {"status": "error", "kind": "oversize",
                    "message": f"the returned value is larger than {limits['output_bytes']} bytes"}
        return {"status": "ok", "payload": payload}
    try:
        info = json.loads(payload)
        return {"status": "error", "kind": str(info["kind"]), "message": str(info["message"])}
    except (ValueError, KeyError, TypeError):
        return {"status": "error", "kind": "garbled", "message": "the sandbox sent an unreadable report"}


def _exit_status(pid: int, frame) -> tuple[int | None, float]:
    """Reap the child: its wait status (None when we killed it) and the CPU seconds it used."""
    if frame in ("timeout", "oversize", "garbled", "refused"):
        _kill(pid)
        return None, 0.0
    try:
        _, status, usage = os.wait4(pid, 0)
    except ChildProcessError:
        return None, 0.0
    try:
        os.killpg(pid, signal.SIGKILL)  # anything the child left behind in its session
    except (ProcessLookupError, PermissionError):
        pass
    return status, usage.ru_utime + usage.ru_stime


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
    while True:
        head = read_exact(stdin_fd, _LEN.size)
        if head is None:
            return
        body = read_exact(stdin_fd, _LEN.unpack(head)[0])
        if body is None:
            return
        answer_in_worker(body, stdout_fd)
        del body


def decode_request(body: bytes) -> dict:
    """Decode a request in the worker, cheaply: arrays stay read-only views of ``body`` (the child
    copies every argument before each call), and the decoded request, which lives as long as the
    worker, is frozen out of the garbage collector so that no collection in the worker or its
    children scans (and so copies the pages of) its thousands of objects again."""
    request = wire.decode(body, make_symbol=make_symbol, copy_arrays=False)
    gc.freeze()
    return request


def answer_in_worker(body: bytes, stdout_fd: int) -> None:
    """Fork a worker that decodes and runs one request and writes the reply; wait for it.  Should
    the worker die without replying, the grader gets an error reply instead of silence."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            try:
                reply = run_request(decode_request(body))
            except Exception as exc:  # noqa: BLE001 - report, keep serving
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            wire.write_frame(stdout_fd, wire.encode(reply))
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        why = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"status {os.WEXITSTATUS(status)}"
        wire.write_frame(stdout_fd, wire.encode({"error": f"the request worker ended with {why}"}))


if __name__ == "__main__":
    # Our own stdout is the reply channel: keep stray prints from reaching it.
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(0, reply_fd)
