"""What a forked child does: confine itself, import the learner's modules, run calls, report.

The child inherits from the fork-server only the decoded inputs of this run. It reports through one
pipe, in frames of ``kind (1 byte) | call index (4 bytes) | payload``:

    L  layer status (JSON)          X  confinement failed (text): no learner code runs
    I  module imported (name)       D  call i done: wire-encoded {"value", "fp_errors"}
    E  call i failed: JSON {"kind", "message"}
    W  (sessions only) every call given so far is done; waiting for the next batch

The child runs the calls it is given (``todo``, in order) and announces none of them: the fork-server
knows the order, so the call running is the first of ``todo`` without a D or E frame yet (the first
begins after L). Anything the child fails to report (a crash, a hang, ``os._exit`` at import) is
blamed on that call.

In a session the child also holds the read end of a command pipe (kept open through confinement
like the result pipe; reading it needs no system call the filter denies).  After its calls it
sends W and blocks reading the next batch: a frame ``C | index of its first call | wire-encoded
{"calls": [...]}``, decoded here (``make_symbol`` rebuilds symbols, each call still copies its
arguments); its calls run and report as above, with those indices, then W again.  End of file (or
anything else) on the command pipe ends the child; usually the worker kills it first.  A frame
that reaches the worker while the child waits is a forgery (the child itself says nothing then):
the worker drops the child, and the next batch goes to a fresh one.
"""
from __future__ import annotations

import importlib
import json
import os
import struct
import sys
import traceback
import types
from pathlib import Path
from typing import Any

import numpy as np

from grader.sandbox import fpmode, wire

fpmode.install()  # in the fork-server, once: every child inherits the watch
_FRAME = struct.Struct(">cI")
PACKAGE = "exercises"  # learner files are importable as exercises.<module>, as in the handout


def send(fd: int, kind: bytes, index: int, payload: bytes = b"") -> None:
    wire.write_frame(fd, _FRAME.pack(kind, index) + payload)


def run_child(result_fd: int, work_dir: str, calls: list[dict], todo: list[int], limits: dict,
              without: tuple[str, ...] = (), command_fd: int | None = None) -> None:
    """Entry point after ``fork``; never returns.  Runs ``calls[i]`` for each ``i`` of ``todo``, in order.

    ``without``: confinement steps the grader switched off.  ``command_fd`` (a session): after
    ``todo``, say so (W) and run the batches read from it (``_next_batch``) until it ends."""
    try:
        os.setsid()
        _reseed_numpy()
        _silence_std_streams()
        os.chdir(work_dir)
        keep = [result_fd] if command_fd is None else [result_fd, command_fd]
        try:
            layers = _confine(Path(work_dir), limits, keep, without)
        except Exception as exc:  # noqa: BLE001 - the run must not go on unconfined
            send(result_fd, b"X", 0, f"{type(exc).__name__}: {exc}".encode()[:2000])
            os._exit(0)
        send(result_fd, b"L", 0, json.dumps(layers).encode())
        _expose_package(work_dir)
        for index in todo:
            _run_call(result_fd, index, calls[index])
        while command_fd is not None:
            send(result_fd, b"W", 0)
            batch = _next_batch(command_fd)
            if batch is None:
                break
            first, more = batch
            for offset, call in enumerate(more):
                _run_call(result_fd, first + offset, call)
    except BaseException:  # noqa: BLE001 - the child must end with os._exit whatever happens
        pass
    os._exit(0)


def make_symbol(name: str):
    """A ``$symbol`` leaf of a request, rebuilt as the positive integer SymPy symbol it stands for."""
    import sympy

    return sympy.Symbol(name, positive=True, integer=True)


def _next_batch(fd: int) -> tuple[int, list[dict]] | None:
    """The next batch from the worker, ``(index of its first call, calls)``, or None when the
    session ends (end of file, or anything but a C frame holding a wire-encoded ``{"calls"}``)."""
    body = wire.read_frame(fd)
    if body is None or len(body) < _FRAME.size:
        return None
    kind, first = _FRAME.unpack_from(body)
    if kind != b"C":
        return None
    message = wire.decode(body[_FRAME.size:], make_symbol=make_symbol, copy_arrays=False)
    return first, message["calls"]


def _reseed_numpy() -> None:
    """Fresh entropy for NumPy's global random generator, as a child that imported ``numpy.random``
    itself would have: the fork-server imports it, and every child would otherwise repeat the same
    stream.  (Python's ``random`` reseeds itself after a fork.)"""
    random_module = sys.modules.get("numpy.random")
    if random_module is not None:
        random_module.seed()


def _silence_std_streams() -> None:
    """Learner output goes nowhere: it can neither flood the grader nor fake its messages."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _confine(work_dir: Path, limits: dict, keep_fds: list[int], without: tuple[str, ...]) -> dict[str, str]:
    from grader.sandbox.confine import confine
    from grader.sandbox.limits import Limits

    return confine(work_dir, Limits(**limits), keep_fds=keep_fds, readonly_paths=[], without=without)


def _expose_package(work_dir: str) -> None:
    """Make the learner's files importable as ``exercises.NAME`` (and plain ``NAME`` as a fallback).

    Stale ``exercises.*`` modules are dropped first.  Importing one always imports the package
    first, so without the package there is none to drop, and sys.modules is not scanned: iterating
    its ~750 keys touches as many objects inherited from the fork-server, and copying their pages
    costs a child ~2 ms (the fork-server and its workers never import learner code, so a child
    never finds the package)."""
    if PACKAGE in sys.modules:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
    package = types.ModuleType(PACKAGE)
    package.__path__ = [work_dir]
    sys.modules[PACKAGE] = package
    sys.path[:] = [p for p in sys.path if p not in ("", ".", work_dir)] + [work_dir]
    sys.dont_write_bytecode = True


def _run_call(fd: int, index: int, call: dict) -> None:
    module_name, function_name = call["module"], call["function"]
    try:
        module = _import(fd, index, module_name)
    except BaseException as exc:  # noqa: BLE001 - includes SystemExit and KeyboardInterrupt at import
        return _fail(fd, index, "import", _describe_import_error(module_name, exc))
    function = getattr(module, function_name, None)
    if not callable(function):
        return _fail(fd, index, "missing", f"{module_name}.py does not define a function {function_name}")
    fp_errors: list[str] = []
    try:
        args = _fresh_copies(call["args"])
        # one context sets both the error mode and the callback, and restores both, however the
        # learner's code changed them; a change during the call is itself reported (fpmode)
        with np.errstate(all="call", call=lambda kind, flag: fp_errors.append(kind)), fpmode.watch() as mode:
            value = function(*args)
        if mode.changed:
            fp_errors.append(fpmode.MODE_CHANGED)
        if call.get("return_arguments") is True:
            value = args  # as the function left them: the judge checks they are unchanged
    except NotImplementedError:
        return _fail(fd, index, "not_implemented", f"{function_name} is not implemented yet (it raises NotImplementedError)")
    except BaseException as exc:  # noqa: BLE001
        return _fail(fd, index, "exception", _describe_exception(exc))
    try:
        payload = wire.encode({"value": value, "fp_errors": sorted(set(fp_errors))}, lenient=True)
    except BaseException as exc:  # noqa: BLE001 - a hostile object may break encoding
        return _fail(fd, index, "type", f"the returned value could not be read: {type(exc).__name__}")
    send(fd, b"D", index, payload)


def _import(fd: int, index: int, module_name: str) -> types.ModuleType:
    qualified = f"{PACKAGE}.{module_name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    module = importlib.import_module(qualified)
    send(fd, b"I", index, module_name.encode())
    return module


def _fresh_copies(value: Any) -> Any:
    """Each call gets its own copies, so an in-place edit by one call cannot change the next.

    The arguments as decoded by the fork-server are read-only views of its request; the copies
    are the learner's own, writable arrays."""
    kind = type(value)
    if kind is np.ndarray:
        return value.copy()
    if kind is list:
        return [_fresh_copies(v) for v in value]
    if kind is float or kind is int or kind is str:
        return value
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_fresh_copies(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_fresh_copies(v) for v in value)
    if isinstance(value, dict):
        return {k: _fresh_copies(v) for k, v in value.items()}
    return value


def _fail(fd: int, index: int, kind: str, message: str) -> None:
    send(fd, b"E", index, json.dumps({"kind": kind, "message": message[:2000]}).encode())


def _describe_import_error(module_name: str, exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        text = (exc.text or "").rstrip()
        return f"{module_name}.py has a syntax error at {where}: {exc.msg}" + (f"\n    {text}" if text else "")
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith(PACKAGE + "."):
        missing = exc.name.removeprefix(PACKAGE + ".")
        if missing == module_name:
            return f"{module_name}.py is missing: the submission has no file {module_name}.py"
        return (f"{module_name}.py imports {missing}, which is not in the submission; pack {missing}.py with "
                "`grade submit`, which includes the modules your files import")
    if isinstance(exc, SystemExit):
        return (f"{module_name}.py called sys.exit({exc.code!r}) while being imported; "
                "remove module-level exit calls so the grader can run your functions")
    return f"importing {module_name}.py failed: {_describe_exception(exc)}"


def _describe_exception(exc: BaseException) -> str:
    """The exception and the learner-code frames of its traceback (paths shortened to file names)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(os.getcwd())]
    lines = [f"  {Path(f.filename).name}, line {f.lineno}, in {f.name}: {f.line}" for f in frames[-3:]]
    head = f"{type(exc).__name__}: {exc}"[:500]
    return "\n".join([head, *lines])


