"""Landlock (unprivileged LSM) file-system whitelist, plus TCP and scope restrictions when the ABI has them.

Read-only: the Python runtime (prefix, stdlib, site-packages) and the paths given by the caller.
Read-write: the private work dir.  Everything else, including the repository's solutions/ and
grader/suites/, /proc and /home, is denied (EACCES).  From ABI 4 TCP bind/connect are denied; from
ABI 6 the child cannot signal processes outside its domain nor reach abstract unix sockets.
"""

from __future__ import annotations

import ctypes
import os
import stat
from pathlib import Path
from typing import Iterable, Sequence

from . import LayerStatus, LayerUnavailable, probe_with
from ._sys import libc

NAME = "landlock"

SYS_create_ruleset, SYS_add_rule, SYS_restrict_self = 444, 445, 446  # x86_64
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
MAKE_SYM, REFER, TRUNCATE, IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # rights valid on a non-directory
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
READ_WRITE = (
    READ_FILE | READ_DIR | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_FIFO
    | MAKE_SYM | MAKE_SOCK | REFER | TRUNCATE
)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """Landlock ABI version (0 if the syscalls are missing or Landlock is disabled at boot)."""
    ret = libc.syscall(SYS_create_ruleset, None, 0, CREATE_RULESET_VERSION)
    return max(0, int(ret))


def unavailable_reason() -> str:
    err = ctypes.get_errno() if libc.syscall(SYS_create_ruleset, None, 0, CREATE_RULESET_VERSION) < 0 else 0
    lsm = Path("/sys/kernel/security/lsm")
    try:
        listed = lsm.read_text().strip()
    except OSError:
        listed = None
    if listed is not None and "landlock" not in listed.split(","):
        return f"landlock not in active LSMs ({listed}); boot with lsm=...,landlock"
    if err == 38:  # ENOSYS
        return "kernel has no landlock syscalls (CONFIG_SECURITY_LANDLOCK off or pre-5.13)"
    if err == 95:  # EOPNOTSUPP
        return "landlock built in but disabled at boot (add landlock to lsm=)"
    return f"landlock_create_ruleset failed: {os.strerror(err) if err else 'unknown'}"


def handled_fs(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


ABI = abi_version()  # probed once in the fork-server


def apply(read_only: Iterable[Path | str], read_write: Iterable[Path | str]) -> dict:
    """Restrict the calling process; paths that do not exist are skipped.  no_new_privs must be set
    (or the caller must hold CAP_SYS_ADMIN).  Returns a small summary for logs/tests."""
    abi = ABI or abi_version()
    if abi < 1:
        raise LayerUnavailable(unavailable_reason())
    fs = handled_fs(abi)
    attr = _RulesetAttr(fs, 0, 0)
    size = 8
    if abi >= 4:
        attr.net, size = NET_BIND_TCP | NET_CONNECT_TCP, 16
    if abi >= 6:
        attr.scoped, size = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL, 24
    ruleset = libc.syscall(SYS_create_ruleset, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        raise LayerUnavailable(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    added = 0
    try:
        for paths, rights in ((read_only, READ_ONLY), (read_write, READ_WRITE)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights & fs
                    if not stat.S_ISDIR(os.fstat(fd).st_mode):
                        allowed &= FILE_ONLY
                    rule = _PathBeneath(allowed, fd)
                    if libc.syscall(SYS_add_rule, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
                        raise LayerUnavailable(f"landlock_add_rule({path}): {os.strerror(ctypes.get_errno())}")
                    added += 1
                finally:
                    os.close(fd)
        if libc.syscall(SYS_restrict_self, ruleset, 0) != 0:
            raise LayerUnavailable(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return {"abi": abi, "rules": added}


def probe(read_only: Sequence[Path | str] = ()) -> LayerStatus:
    import shutil
    import tempfile

    outside = tempfile.mkdtemp(prefix="landlock-probe-")

    def trial() -> str:
        from .identity import set_no_new_privs

        set_no_new_privs()
        info = apply(read_only, [])
        try:
            os.listdir(outside)
        except PermissionError:
            return f"abi {info['abi']}"
        raise LayerUnavailable("restriction had no effect")

    try:
        return probe_with(NAME, trial)
    finally:
        shutil.rmtree(outside, ignore_errors=True)
