"""Where the user's check service listens, and whether it may be used at all.

The socket sits in a folder that only the user can open (``$XDG_RUNTIME_DIR/deep-rnn-grader``, or
``/tmp/deep-rnn-grader-<uid>`` without one); a folder that is not the user's own, or that others may
open, is not used (the check then runs in-process). The socket's name holds a fingerprint of this
grader build (the Python, the ``DEEP_RNN_GRADER_*`` settings, and the path, size and modification
time of every file of the grader, the references and the templates), so an edited, reinstalled or
differently configured grader never talks to a service that loaded other code or other settings.

Nothing here imports more than the standard library: the client runs it before anything heavy.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys

SWITCH = "DEEP_RNN_GRADER_CHECK_SERVICE"  # "0": never use or start a service
IDLE_SWITCH = "DEEP_RNN_GRADER_CHECK_SERVICE_IDLE"  # seconds without a request before the service exits
# the environment variables the grader reads, by prefix (GRADER_SUBMISSION_WALL_SECONDS, for one)
SETTINGS = ("DEEP_RNN_GRADER_", "GRADER_")
DEFAULT_IDLE_SECONDS = 15 * 60.0
_PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # grader/
BUILD_ROOTS = (_PACKAGE, *(os.path.join(os.path.dirname(_PACKAGE), name) for name in ("solutions", "templates")))
MAX_SOCKET_PATH = 100  # AF_UNIX paths are at most 107 bytes on Linux


class Place:
    """The socket, and the lock file the service holds while it lives (paths; a plain class, as
    ``dataclasses`` and ``pathlib`` would cost the client more than all of this module)."""

    __slots__ = ("socket", "lock")

    def __init__(self, socket: str, lock: str) -> None:
        self.socket, self.lock = socket, lock


def enabled() -> bool:
    return os.environ.get(SWITCH, "1") != "0"


def idle_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get(IDLE_SWITCH, DEFAULT_IDLE_SECONDS)))
    except ValueError:
        return DEFAULT_IDLE_SECONDS


def private_folder() -> str | None:
    """The user's folder for services, made if missing; None when it cannot be trusted."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime):
        folder = os.path.join(runtime, "deep-rnn-grader")
    else:
        folder = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"deep-rnn-grader-{os.getuid()}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        return None
    return folder


def fingerprint(roots: tuple[str, ...] = BUILD_ROOTS) -> str:
    """24 hex digits that change when the Python, a ``DEEP_RNN_GRADER_*`` or ``GRADER_*`` setting (but
    the service's own two) or any file under ``roots`` (by path, size and modification time) changes."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{os.path.realpath(sys.executable)}\0{sys.prefix}\0{sys.version}\0".encode())
    for name in sorted(os.environ):
        if name.startswith(SETTINGS) and name not in (SWITCH, IDLE_SWITCH):
            digest.update(f"{name}={os.environ[name]}\0".encode(errors="replace"))
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode(errors="replace"))
    return digest.hexdigest()


def current_place() -> Place | None:
    """This grader build's socket and lock; None when services are off or no folder can be trusted."""
    if not enabled():
        return None
    folder = private_folder()
    if folder is None:
        return None
    name = os.path.join(folder, f"check-{fingerprint()}")
    place = Place(f"{name}.sock", f"{name}.lock")
    return place if len(os.fsencode(place.socket)) <= MAX_SOCKET_PATH else None
