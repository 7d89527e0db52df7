"""The ``grade check`` side of the check service: ask it, or say that it did not answer.

``served`` prints nothing unless the service answered in full, so a caller that gets None can
check in-process as if no service existed. ``start_service`` starts one in the background.
"""
from __future__ import annotations

import os
import socket
import sys

from grader.check_service import protocol
from grader.check_service.place import Place, current_place
from grader.sandbox import frames

CONNECT_SECONDS = 1.0
REPLY_SECONDS = 300.0  # a whole set of checks on slow code, queued behind another terminal's check
PEER = "the check service"
IN_PROCESS_ONLY = ("--fixtures",)  # a fixture folder of a test's own: not worth a service


def served(argv: list[str], place: Place | None = None) -> int | None:
    """Run ``grade check ARGV`` in the user's check service, print its output and return its exit
    code; None when there is no service to ask or it did not answer (nothing was printed then)."""
    if any(arg.split("=", 1)[0] in IN_PROCESS_ONLY for arg in argv):
        return None
    place = place or current_place()
    if place is None:
        return None
    try:
        request = protocol.encode({"argv": argv, "cwd": os.getcwd(), "colour": _is_terminal(sys.stdout)})
    except OSError:  # a working folder that was removed: the command says what it can
        return None
    if len(argv) > protocol.MAX_ARGUMENTS or len(request) > protocol.MAX_REQUEST_BYTES:
        return None  # more than a service takes (and than a check needs): the command says what is wrong
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(CONNECT_SECONDS)
        connection.connect(place.socket)
        connection.setblocking(True)
        frames.write_frame(connection.fileno(), request)
        body = protocol.read_message(connection.fileno(), REPLY_SECONDS, protocol.MAX_REPLY_BYTES, PEER)
        reply = protocol.decode_reply(body)
    except (OSError, protocol.ProtocolError) as exc:
        if not isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
            print(f"Note: {PEER} did not answer ({exc}); checking here instead.", file=sys.stderr)
        return None
    finally:
        connection.close()
    # stderr first: what ``check`` says there (a note, an error) comes before its report
    for stream, text in ((sys.stderr, reply.stderr), (sys.stdout, reply.stdout)):
        try:
            _write(stream, text)
        except BrokenPipeError:  # `grade check | head`: as click ends then, quietly and with code 1
            _discard_the_rest(stream)
            return 1
    return reply.code


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no stream (started with it closed), or a closed one
        return False


def _discard_the_rest(stream) -> None:
    """Point ``stream``'s descriptor at /dev/null: what is still buffered then goes nowhere at exit,
    instead of raising there too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _write(stream, text: str) -> None:
    """``text`` on ``stream``; nothing without a stream, and in UTF-8 where the stream's own encoding
    cannot hold it (as ``click.echo`` does), a name that is not UTF-8 as ``\\udcXX`` (as stderr does)."""
    if stream is None or not text:
        return
    try:
        stream.write(text)
    except UnicodeEncodeError:  # raised before anything was written
        stream.flush()
        stream.buffer.write(text.encode("utf-8", errors="backslashreplace"))
    stream.flush()


def start_service(place: Place | None = None) -> None:
    """Start this grader's check service in the background, detached from the terminal; never raises.
    A service that finds another one already serving ``place`` exits at once."""
    import subprocess  # here: a check that its service answers never needs it

    try:
        place = place or current_place()
        if place is None:
            return
        subprocess.Popen([sys.executable, "-m", "grader.check_service", place.socket, place.lock],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         cwd="/", close_fds=True, start_new_session=True)
    except (OSError, ValueError):
        pass
