"""The check service process: the grader imported once, one fork-server kept warm, requests in turn.

Started by ``grade check`` (``client.start_service``) as ``python -m grader.check_service SOCKET
LOCK``. It holds an exclusive lock on LOCK for its whole life (a second service for the same socket
exits at once), answers one connection at a time, only from its own user (checked on the socket
with ``SO_PEERCRED``, in a folder only that user can open) and never from a sandbox child, and
exits when idle for ``place.idle_seconds()``, when the grader's files no longer match the
fingerprint in its socket's name, or on SIGTERM (always through its clean-up). Each request runs the very ``check`` command of ``grade check`` with its output captured;
learner code runs only in the warm fork-server's sandboxed children, as everywhere.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import struct
import time
import traceback

from grader.check_service import protocol
from grader.check_service.hangup import HungUp, given_up_on_hang_up, install as stop_checks_on_hang_up
from grader.check_service.place import fingerprint, idle_seconds
from grader.sandbox import frames

REQUEST_SECONDS = 5.0  # a connected client sends its request at once
WAKE_SECONDS = 30.0  # how often an idle service looks at the clock and the grader's files
_PEER_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


class Stopped(BaseException):
    """SIGTERM: leave through every ``finally`` (the socket, the fork-server and its work root go);
    not an ``Exception`` nor a ``SystemExit``, which a check's own handlers would take for its end."""


def _stop(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the clean-up short
    raise Stopped


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop)
    stop_checks_on_hang_up()
    try:
        return _main(argv)
    except Stopped:
        return 0


def _main(argv: list[str]) -> int:
    socket_path, lock_path = argv[0], argv[1]
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # another service serves this socket, or is starting to
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")  # who holds it: for whoever needs to stop this service
        lock.flush()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(socket_path)  # a dead service's socket: nobody holds its lock
        from grader.check_service.warm import WarmGrader  # the heavy part: imports, a fork-server

        warm = WarmGrader()  # before the socket exists: meanwhile checks run in-process, not queued here
        try:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old_mask = os.umask(0o177)
            try:
                listener.bind(socket_path)
            finally:
                os.umask(old_mask)
            listener.listen(16)
            try:
                serve(listener, warm, expected_fingerprint=fingerprint_in(socket_path))
            finally:
                listener.close()
                with contextlib.suppress(OSError):
                    os.unlink(socket_path)
        finally:
            warm.close()
    return 0


def serve(listener: socket.socket, warm, expected_fingerprint: str) -> None:
    """Answer connections until idle for too long or the grader's files change."""
    idle, last_request = idle_seconds(), time.monotonic()
    listener.settimeout(min(WAKE_SECONDS, idle))
    while True:
        try:
            connection, _ = listener.accept()
        except socket.timeout:
            if time.monotonic() - last_request > idle or fingerprint() != expected_fingerprint:
                return
            continue
        with connection:
            connection.setblocking(True)
            if _may_ask(connection):
                answer(connection, warm)
        last_request = time.monotonic()


def fingerprint_in(socket_path: str) -> str:
    """The fingerprint a socket's name holds (``place.current_place`` names it ``check-<hex>.sock``)."""
    return os.path.basename(socket_path).removeprefix("check-").removesuffix(".sock")


def _may_ask(connection: socket.socket) -> bool:
    """The peer is this user's, and no sandbox child: every child sets no_new_privs, so a peer that
    has it while this service has not is learner code (where the uid drop and seccomp, which keep
    it from the socket, are missing). A peer that cannot be looked at is refused."""
    try:
        raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER_CREDENTIALS.size)
    except OSError:
        return False
    pid, uid, _ = _PEER_CREDENTIALS.unpack(raw)
    confined = _no_new_privs(str(pid))
    return uid == os.getuid() and confined is not None and (not confined or _no_new_privs("self") is True)


def _no_new_privs(pid: str) -> bool | None:
    """Whether process ``pid`` ("self" for this one) has no_new_privs set; None if unknown."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"NoNewPrivs:"):
                    return line.split()[1:2] == [b"1"]
    except OSError:
        pass
    return None


def answer(connection: socket.socket, warm) -> None:
    """Read one request, run it, write the reply; a bad request or a gone client costs nothing (a
    client that hangs up while its check runs ends that check)."""
    try:
        body = protocol.read_message(connection.fileno(), REQUEST_SECONDS, protocol.MAX_REQUEST_BYTES, "the client")
        request = protocol.decode_request(body)
    except (OSError, protocol.ProtocolError) as exc:
        reply = {"error": f"bad request: {exc}"}
    else:
        try:
            with given_up_on_hang_up(connection):
                result = warm.check(request)
            reply = {"stdout": result.stdout, "stderr": result.stderr, "code": result.code}
        except HungUp:
            return  # nobody is left to read a reply
        except Exception:  # noqa: BLE001 - the client then checks in-process and shows the error itself
            reply = {"error": traceback.format_exc(limit=3)[-2000:]}
    message = protocol.encode(reply)
    if len(message) > protocol.MAX_REPLY_BYTES:
        message = protocol.encode({"error": "the output is too large to send"})
    with contextlib.suppress(OSError):
        frames.write_frame(connection.fileno(), message)


