"""Close every inherited file descriptor except stdio and an explicit keep list."""

from __future__ import annotations

import os
from typing import Sequence

from . import LayerStatus, LayerUnavailable, probe_with

NAME = "fds"


def apply(keep_fds: Sequence[int] = ()) -> None:
    """Close all fds except 0, 1, 2 and ``keep_fds`` (os.closerange uses close_range(2))."""
    keep = sorted({0, 1, 2, *(int(fd) for fd in keep_fds)})
    for fd in keep:
        if fd > 2:
            try:
                os.fstat(fd)
            except OSError as exc:
                raise LayerUnavailable(f"keep fd {fd} is not open: {exc.strerror}") from None
    low = 0
    for fd in keep:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)  # bounded by the hard RLIMIT_NOFILE in practice


def probe() -> LayerStatus:
    def trial() -> str:
        from . import REPORT_FD

        extra = os.open(os.devnull, os.O_RDONLY)
        apply([REPORT_FD])
        try:
            os.fstat(extra)
        except OSError:
            return "ok"
        raise LayerUnavailable("fd survived closerange")

    return probe_with(NAME, trial)
