"""The check service's messages: one UTF-8 JSON object per frame (``grader.sandbox.frames``).

    request  {"argv": [str, ...], "cwd": str, "colour": bool}   the arguments after ``grade check``
    reply    {"stdout": str, "stderr": str, "code": int}        what to print, and the exit code
       or    {"error": str}                                      the service could not run it

Both ends are the same user's processes, but a reader still takes any bytes: a frame that is not
such an object raises ``ProtocolError`` and is answered (or dropped) without harm.
"""
from __future__ import annotations

import json
import time

from grader.sandbox import frames

MAX_REQUEST_BYTES = 64 * 1024
MAX_REPLY_BYTES = 32 * 1024 * 1024
MAX_ARGUMENTS = 64


class ProtocolError(ValueError):
    """A frame that is not a message of the protocol."""


class Request:
    """The arguments after ``grade check``, the client's working folder, and whether to colour."""

    __slots__ = ("argv", "cwd", "colour")

    def __init__(self, argv: list[str], cwd: str, colour: bool) -> None:
        self.argv, self.cwd, self.colour = argv, cwd, colour


class Reply:
    """What the check printed on each stream, and its exit code."""

    __slots__ = ("stdout", "stderr", "code")

    def __init__(self, stdout: str, stderr: str, code: int) -> None:
        self.stdout, self.stderr, self.code = stdout, stderr, code


def encode(message: dict) -> bytes:
    """ASCII JSON: a name that is not UTF-8 (decoded with ``surrogateescape``, as ``sys.argv`` and
    ``os.getcwd`` give it) crosses as ``\\udcXX`` escapes and decodes to the very same string."""
    return json.dumps(message).encode("ascii")


def _object(body: bytes) -> dict:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"not a JSON message: {exc}") from None
    if not isinstance(value, dict):
        raise ProtocolError("a message must be a JSON object")
    return value


def decode_request(body: bytes) -> Request:
    value = _object(body)
    argv, cwd, colour = value.get("argv"), value.get("cwd"), value.get("colour")
    if not (isinstance(argv, list) and len(argv) <= MAX_ARGUMENTS and all(isinstance(a, str) for a in argv)):
        raise ProtocolError(f"'argv' must be a list of at most {MAX_ARGUMENTS} strings")
    if not (isinstance(cwd, str) and cwd.startswith("/") and "\0" not in cwd):
        raise ProtocolError("'cwd' must be an absolute path")
    if not isinstance(colour, bool):
        raise ProtocolError("'colour' must be true or false")
    if any("\0" in a for a in argv):
        raise ProtocolError("an argument holds a NUL character")
    return Request(argv, cwd, colour)


def decode_reply(body: bytes) -> Reply:
    value = _object(body)
    if "error" in value:
        last_line = (str(value["error"]).strip().splitlines() or [""])[-1]  # of a traceback: the exception
        raise ProtocolError(f"the service could not run the check: {last_line[:500]}")
    stdout, stderr, code = value.get("stdout"), value.get("stderr"), value.get("code")
    if not (isinstance(stdout, str) and isinstance(stderr, str)):
        raise ProtocolError("'stdout' and 'stderr' must be strings")
    if not (isinstance(code, int) and not isinstance(code, bool) and 0 <= code <= 255):
        raise ProtocolError("'code' must be an exit code (0 to 255)")
    return Reply(stdout, stderr, code)


def read_message(fd: int, seconds: float, max_bytes: int, peer: str) -> bytes:
    """One frame's body from ``fd`` within ``seconds``; ``OSError`` when ``peer`` is late or gone,
    ``ProtocolError`` for a length over ``max_bytes`` (refused before it is read)."""
    deadline = time.monotonic() + seconds
    (length,) = frames.LENGTH.unpack(frames.read_before(fd, frames.LENGTH.size, deadline, peer))
    if length > max_bytes:
        raise ProtocolError(f"a message of {length} bytes exceeds the {max_bytes}-byte limit")
    return frames.read_before(fd, length, deadline, peer)
