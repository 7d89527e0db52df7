"""Length-prefixed frames on file descriptors: an 8-byte big-endian length, then that many bytes.

The one framing of every pipe and socket the grader speaks over (the fork-server's pipes, the
check service's socket). It imports nothing heavy, so a command can talk to a server before it has
imported NumPy.
"""
from __future__ import annotations

import os
import select
import struct
import time

LENGTH = struct.Struct(">Q")


def write_all(fd: int, data: bytes) -> None:
    """Write ``data`` to a file descriptor completely (``os.write`` may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_frame(fd: int, payload: bytes) -> None:
    """Write one length-prefixed frame to a file descriptor, completely."""
    write_all(fd, LENGTH.pack(len(payload)) + payload)


def read_exact(fd: int, size: int) -> bytes | None:
    """Exactly ``size`` bytes from a file descriptor, or None at end of file before that."""
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_before(fd: int, size: int, deadline: float, peer: str) -> bytes:
    """Exactly ``size`` bytes from ``fd`` before ``deadline`` (``time.monotonic``), else ``OSError``
    saying that ``peer`` did not answer in time or closed its end."""
    chunks, remaining = [], size
    while remaining:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise OSError(f"{peer} did not answer in time")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise OSError(f"{peer} closed its end")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
