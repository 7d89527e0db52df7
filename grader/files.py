"""Reading files that learners control: regular files only, size-capped, never blocking.

A submissions folder may hold anything a learner or a careless copy put there: a FIFO named
``bob.zip`` (opening it for reading waits for a writer forever), a device, a symlink to the
grader's own files, a file that grows while it is read.  ``read_regular_file`` opens without
blocking (``O_NONBLOCK``) and, by default, without following a symlink, checks the descriptor it
will read from (no gap between the check and the read), and reads at most ``max_bytes + 1`` bytes.
"""
from __future__ import annotations

import errno
import os
import stat


class FileRefused(Exception):
    """``path`` is not a regular file of at most the allowed size; ``code`` says which:
    ``"symlink"``, ``"missing"``, ``"not_regular"`` or ``"too_large"``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def read_regular_file(path: str | os.PathLike[str], max_bytes: int, *, follow_symlinks: bool = False) -> bytes:
    """The content of ``path`` if it is a regular file of at most ``max_bytes`` bytes.

    Raises ``FileRefused`` when it is not (a symlink unless ``follow_symlinks``, gone, a FIFO, a
    device or a directory, or too large, even if it grew after it was opened); other ``OSError``
    (e.g. permission denied) propagates."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused("symlink", f"{os.fspath(path)!r} is a symbolic link") from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise FileRefused("missing", f"{os.fspath(path)!r} does not exist") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("not_regular", f"{os.fspath(path)!r} is not a regular file")
        if info.st_size > max_bytes:
            raise FileRefused("too_large", f"{os.fspath(path)!r} has {info.st_size} bytes, over {max_bytes}")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise FileRefused("too_large", f"{os.fspath(path)!r} grew past {max_bytes} bytes while read")
        return b"".join(chunks)
    finally:
        os.close(fd)
