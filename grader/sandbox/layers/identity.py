"""Privilege drop: capabilities, uid/gid, no_new_privs, dumpable, parent-death signal."""

from __future__ import annotations

import ctypes
import os
import signal

from . import LayerStatus, LayerUnavailable, probe_with
from ._sys import (
    PR_CAP_AMBIENT,
    PR_CAP_AMBIENT_CLEAR_ALL,
    PR_CAPBSET_DROP,
    PR_GET_NO_NEW_PRIVS,
    PR_SET_DUMPABLE,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    libc,
    prctl,
)

NAME = "identity"
NOBODY = 65534
SANDBOX_ID_BASE = 1_000_000_000  # + pid: a uid/gid no other live process has (pid_max <= 2**22)


def sandbox_id() -> int:
    """A uid/gid unique to the calling process among live processes, owning no file on the host.
    Per-child ids keep RLIMIT_NPROC per child and stop children from signalling each other."""
    return SANDBOX_ID_BASE + os.getpid()


def _read_cap_last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as fh:
            return int(fh.read())
    except (OSError, ValueError):
        return 63


CAP_LAST_CAP = _read_cap_last_cap()  # read once, in the fork-server


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def effective_capabilities() -> int:
    """The calling thread's effective capability mask (capget, _LINUX_CAPABILITY_VERSION_3)."""
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    return data[0].effective | (data[1].effective << 32)


def set_not_dumpable() -> None:
    """PR_SET_DUMPABLE=0: no core dumps, no ptrace attach, /proc/<pid> owned by root (for the fork-server)."""
    prctl(PR_SET_DUMPABLE, 0)


def set_no_new_privs() -> None:
    """PR_SET_NO_NEW_PRIVS=1: execve can never grant privileges; required for seccomp and Landlock."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if prctl(PR_GET_NO_NEW_PRIVS) != 1:
        raise LayerUnavailable("no_new_privs did not stick")


def drop_capabilities() -> None:
    """Empty the bounding and ambient sets (needs CAP_SETPCAP, i.e. do it before leaving uid 0)."""
    try:
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    except OSError:
        pass  # kernels without ambient capabilities
    for cap in range(CAP_LAST_CAP + 1):
        try:
            prctl(PR_CAPBSET_DROP, cap)
        except OSError as exc:
            raise LayerUnavailable(f"PR_CAPBSET_DROP({cap}): {exc.strerror}") from None


def apply(uid: int | None = None, gid: int | None = None) -> None:
    """Drop to ``uid``/``gid`` with no supplementary groups and no capabilities; die with the parent.

    Must run as root (the fork-server runs as root); as any other user the child would keep the
    grader's uid and could signal or read what the grader can, so the layer reports unavailable.
    """
    uid = sandbox_id() if uid is None else uid
    gid = uid if gid is None else gid
    if os.geteuid() != 0:
        raise LayerUnavailable(f"not root (euid {os.geteuid()}), cannot switch to an unprivileged uid")
    if uid == 0 or gid == 0:
        raise LayerUnavailable("refusing to 'drop' to uid/gid 0")
    parent = os.getppid()
    drop_capabilities()
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)  # leaving uid 0 clears permitted and effective capabilities
    except OSError as exc:
        raise LayerUnavailable(f"setuid/setgid failed: {exc.strerror}") from None
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:
        raise LayerUnavailable("could regain uid 0 after the drop")
    if effective_capabilities() != 0:
        raise LayerUnavailable("capabilities still effective after the uid drop")
    # a credential change clears the parent-death signal, so set it afterwards
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before PDEATHSIG was armed
        os._exit(137)


def probe() -> LayerStatus:
    def trial() -> str:
        apply()
        set_no_new_privs()
        return f"uid {os.getuid()}"

    return probe_with(NAME, trial)
