"""seccomp-bpf syscall filter (default allow, deny the dangerous syscalls with an errno).

The filter is built once with pyseccomp/libseccomp and exported as raw BPF the first time it is
needed (call :func:`prepare` in the fork-server, so children do not pay for libseccomp's compiler);
``apply`` then loads the program with one ``seccomp(2)`` call.  Only the native x86_64 ABI is allowed:
libseccomp's default bad-arch action kills a process that makes i386 (int 0x80) or x32 syscalls.
"""

from __future__ import annotations

import ctypes
import errno
import os
import tempfile

from . import LayerStatus, LayerUnavailable, probe_with
from ._sys import PR_GET_NO_NEW_PRIVS, libc, prctl

NAME = "seccomp"

try:
    import pyseccomp as seccomp
except Exception as exc:  # noqa: BLE001 - missing libseccomp raises RuntimeError at import
    seccomp = None
    _IMPORT_ERROR = f"pyseccomp unusable: {exc}"
else:
    _IMPORT_ERROR = ""

CLONE_THREAD = 0x00010000
CLONE_NEW_FLAGS = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
    "CLONE_NEWTIME": 0x00000080,
}
TIOCSTI = 0x5412
TIOCLINUX = 0x541C

DENIED_EPERM = (
    # network
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    # new programs and processes (clone without CLONE_THREAD is handled separately)
    "execve", "execveat", "fork", "vfork",
    # other processes' memory
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # file systems and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "name_to_handle_at", "open_by_handle_at", "swapon", "swapoff", "quotactl",
    # kernel attack surface
    "bpf", "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
    "perf_event_open", "keyctl", "add_key", "request_key", "personality",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "acct", "syslog", "iopl", "ioperm", "lookup_dcookie",
    # SysV and POSIX message-queue IPC: their memory is outside RLIMIT_AS (a private IPC namespace
    # alone would let a child hold gigabytes of shared memory)
    "shmget", "shmat", "shmctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semctl", "mq_open", "mq_timedsend", "mq_notify",
)
DENIED_ENOSYS = ("clone3",)  # its flags live in memory seccomp cannot read; glibc falls back to clone


def build_filter():
    """A fresh pyseccomp ``SyscallFilter`` with the deny rules."""
    if seccomp is None:
        raise LayerUnavailable(_IMPORT_ERROR)
    flt = seccomp.SyscallFilter(seccomp.ALLOW)
    eperm = seccomp.ERRNO(errno.EPERM)
    for name in DENIED_EPERM:
        try:
            flt.add_rule(eperm, name)
        except (OSError, ValueError, RuntimeError):
            pass  # a syscall this libseccomp/arch does not know cannot be called either
    for name in DENIED_ENOSYS:
        flt.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    # clone: only threads (CLONE_THREAD set), and never with a namespace flag
    flt.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    for flag in CLONE_NEW_FLAGS.values():
        flt.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # faking terminal input into the grader's tty
    for request in (TIOCSTI, TIOCLINUX):
        flt.add_rule(eperm, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    return flt


_PROGRAM: bytes | None = None


def prepare() -> bytes:
    """Compile the filter to raw BPF once (in the fork-server) and cache it."""
    global _PROGRAM
    if _PROGRAM is None:
        flt = build_filter()
        with tempfile.TemporaryFile() as fh:
            flt.export_bpf(fh)
            fh.seek(0)
            _PROGRAM = fh.read()
        if not _PROGRAM or len(_PROGRAM) % 8:
            _PROGRAM = None
            raise LayerUnavailable("libseccomp exported an empty or malformed BPF program")
    return _PROGRAM


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


SYS_seccomp = 317  # x86_64
SECCOMP_SET_MODE_FILTER = 1


def apply() -> None:
    """Install the filter on the calling process (no_new_privs must already be set)."""
    try:
        program = prepare()
    except LayerUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001
        raise LayerUnavailable(f"cannot build filter: {exc}") from None
    if prctl(PR_GET_NO_NEW_PRIVS) != 1 and os.geteuid() != 0:
        raise LayerUnavailable("no_new_privs is not set")
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, ctypes.byref(prog)) != 0:
        err = ctypes.get_errno()
        raise LayerUnavailable(f"seccomp(SET_MODE_FILTER) failed: {os.strerror(err)}")


def probe() -> LayerStatus:
    def trial() -> str:
        from .identity import set_no_new_privs

        set_no_new_privs()
        apply()
        try:
            os.execv("/bin/true", ["true"])
        except PermissionError:
            return "ok"
        raise LayerUnavailable("execve was not denied")

    return probe_with(NAME, trial)
