"""Namespaces (net, mount, ipc, pid) and the private tmpfs work dir.

``unshare_namespaces`` leaves the child with no network interfaces but a down loopback, a private
mount table and private SysV IPC (a pid namespace only on request, see DEFAULT_FLAGS).  ``mount_private_workdir`` then mounts a size- and inode-capped tmpfs over the work
dir and copies the learner's files into it: writes there are invisible to the fork-server and the
grader, and vanish with the child.  ``hide_paths`` overmounts given paths (solutions, hidden suites,
.git) with an empty read-only tmpfs, re-exposing read-only any listed path lying beneath them.
All of this needs CAP_SYS_ADMIN, i.e. must run before the identity layer drops privileges.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable, Sequence

from ..limits import Limits
from ..wire import write_all
from . import LayerStatus, LayerUnavailable, probe_with
from ._sys import mount, unshare

NAME = "namespaces"

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
# No CLONE_NEWPID by default: after unshare(CLONE_NEWPID) the kernel refuses CLONE_THREAD (EINVAL), so
# numpy/OpenBLAS or learner threads would break; fork is denied by seccomp and RLIMIT_NPROC anyway.
DEFAULT_FLAGS = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18


def unshare_namespaces(flags: int = DEFAULT_FLAGS) -> None:
    try:
        unshare(flags)
    except OSError as exc:
        raise LayerUnavailable(f"unshare: {exc.strerror}") from None
    if flags & CLONE_NEWNS:
        try:  # keep our mounts from propagating back to the host (systemd makes / shared)
            mount(None, "/", None, MS_REC | MS_PRIVATE)
        except OSError as exc:
            raise LayerUnavailable(f"making mounts private: {exc.strerror}") from None


class WorkdirTooLarge(Exception):
    """The learner's files do not fit the work dir's tmpfs: the child must not run them on disk
    instead (not a ``LayerUnavailable``, so confinement fails closed)."""


def _snapshot(work_dir: Path, limits: Limits) -> list[tuple[str, int, bytes | None]]:
    """(relative path, mode, content or None for a directory) for the learner's files; symlinks and
    special files are dropped.  Refuses trees that would not fit the tmpfs."""
    entries: list[tuple[str, int, bytes | None]] = []
    total, inodes = 0, 1
    for root, dirs, files in os.walk(work_dir):
        rel_root = os.path.relpath(root, work_dir)
        for name in list(dirs):
            path = os.path.join(root, name)
            st = os.lstat(path)
            if not stat.S_ISDIR(st.st_mode):
                dirs.remove(name)
                continue
            entries.append((os.path.normpath(os.path.join(rel_root, name)), stat.S_IMODE(st.st_mode), None))
            inodes += 1
        for name in files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                continue
            total += st.st_size
            inodes += 1
            if total > limits.tmpfs_bytes // 2 or inodes > limits.tmpfs_inodes // 2:
                raise WorkdirTooLarge(
                    f"learner files ({total} bytes, {inodes} inodes so far) exceed half the tmpfs caps"
                )
            with open(path, "rb") as fh:
                data = fh.read()
            entries.append((os.path.normpath(os.path.join(rel_root, name)), stat.S_IMODE(st.st_mode), data))
    return entries


def mount_private_workdir(work_dir: Path, limits: Limits, uid: int = 0, gid: int = 0) -> None:
    """Mount a capped tmpfs over ``work_dir`` holding a copy of its files, owned by ``uid``:``gid``,
    and chdir into it.  Needs a private mount namespace (``unshare_namespaces``)."""
    work_dir = Path(os.path.abspath(work_dir))
    entries = _snapshot(work_dir, limits)
    options = f"size={int(limits.tmpfs_bytes)},nr_inodes={int(limits.tmpfs_inodes)},mode=0700,uid={uid},gid={gid}"
    try:
        mount("tmpfs", str(work_dir), "tmpfs", MS_NOSUID | MS_NODEV, options)
    except OSError as exc:
        raise LayerUnavailable(f"tmpfs mount: {exc.strerror}") from None
    # from here on a failure leaves a half-built work dir: let it propagate as a hard error
    for rel, mode, data in entries:
        target = work_dir / rel
        if data is None:
            os.mkdir(target, mode | 0o700)
        else:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode | 0o600)
            try:
                write_all(fd, data)
            finally:
                os.close(fd)
        os.chown(target, uid, gid)
    os.chdir(work_dir)


def _is_under(path: Path, parent: Path) -> bool:
    """``path == parent or parent in path.parents``, by comparing parts: the same answer without
    building every parent (this runs in each child, during confinement)."""
    parts = parent.parts
    if not parts:  # "." is a parent of every relative path, and of no absolute one
        return not path.anchor
    return path.parts[:len(parts)] == parts


def hide_paths(hidden: Sequence[Path], keep_visible: Iterable[Path] = ()) -> list[str]:
    """Overmount each existing path in ``hidden`` with an empty, read-only, mode-000 tmpfs; any path in
    ``keep_visible`` beneath it is bind-mounted back read-only.  Returns the paths hidden."""
    done = []
    keep = [Path(os.path.abspath(p)) for p in keep_visible]
    for path in (Path(os.path.abspath(p)) for p in hidden):
        if not path.exists():
            continue
        if not path.is_dir():
            try:
                mount("/dev/null", str(path), None, MS_BIND)
                mount(None, str(path), None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
            except OSError as exc:
                raise LayerUnavailable(f"hiding {path}: {exc.strerror}") from None
            done.append(str(path))
            continue
        inner = [p for p in keep if _is_under(p, path) and p != path and p.exists()]
        fds = [(p, os.open(p, os.O_PATH | os.O_CLOEXEC)) for p in inner]
        try:
            mount("tmpfs", str(path), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0711")
            for p, fd in fds:
                target = path / p.relative_to(path)
                if stat.S_ISDIR(os.fstat(fd).st_mode):
                    os.makedirs(target, 0o711, exist_ok=True)
                else:
                    os.makedirs(target.parent, 0o711, exist_ok=True)
                    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o444))
                mount(f"/proc/self/fd/{fd}", str(target), None, MS_BIND | MS_REC)
                mount(None, str(target), None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
            mount(None, str(path), None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except OSError as exc:
            raise LayerUnavailable(f"hiding {path}: {exc.strerror}") from None
        finally:
            for _, fd in fds:
                os.close(fd)
        done.append(str(path))
    return done


def probe() -> LayerStatus:
    import shutil
    import tempfile

    work = tempfile.mkdtemp(prefix="ns-probe-")
    with open(os.path.join(work, "f.py"), "w") as fh:
        fh.write("x = 1\n")

    def trial() -> str:
        unshare_namespaces()
        mount_private_workdir(Path(work), Limits())
        with open("f.py") as fh:
            if fh.read() != "x = 1\n":
                raise LayerUnavailable("work-dir copy differs")
        return "ok"

    try:
        return probe_with(NAME, trial)
    finally:
        shutil.rmtree(work, ignore_errors=True)
