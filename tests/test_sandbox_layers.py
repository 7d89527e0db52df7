"""Each isolation layer, applied in a forked child, must defeat the attacks it is meant to stop.

A test is skipped only when the layer's own probe says it cannot work on this machine.
"""

from __future__ import annotations

import errno
import functools
import json
import mmap
import os
import resource
import signal
import socket
import threading
from pathlib import Path

import pytest

from grader.sandbox.confine import confine, file_isolation_active, probe_layers
from grader.sandbox.layers import fds, identity, landlock, namespaces, rlimits, seccomp_filter
from grader.sandbox.limits import Limits


@functools.lru_cache(maxsize=None)
def _probe(module) -> str:
    return str(module.probe())


def need(module) -> None:
    status = _probe(module)
    if status != "active":
        pytest.skip(f"{module.NAME} {status}")


def in_child(setup, attack, timeout: float = 20.0) -> dict:
    """Fork; run ``setup()`` then ``attack()`` in the child; report what happened.

    Returns {"ok": True, "value": ...} when the attack ran to completion, {"ok": False, "error": errno
    name or exception} when it raised, {"signal": NAME} when the child was killed, {"setup": error}
    when the layer itself failed to apply.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            try:
                setup(write_fd)
            except BaseException as exc:  # noqa: BLE001
                msg = {"setup": f"{type(exc).__name__}: {exc}"}
            else:
                try:
                    msg = {"ok": True, "value": attack()}
                except OSError as exc:
                    msg = {"ok": False, "error": errno.errorcode.get(exc.errno, str(exc))}
                except BaseException as exc:  # noqa: BLE001
                    msg = {"ok": False, "error": type(exc).__name__}
            os.write(write_fd, json.dumps(msg, default=str).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks = []
    with os.fdopen(read_fd, "rb") as fh:
        timer = threading.Timer(timeout, lambda: os.kill(pid, signal.SIGKILL))
        timer.start()
        try:
            chunks.append(fh.read())
        finally:
            timer.cancel()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and not b"".join(chunks):
        return {"signal": signal.Signals(os.WTERMSIG(status)).name}
    msg = json.loads(b"".join(chunks) or b"{}")
    assert "setup" not in msg, msg["setup"]
    return msg


def blocked(result: dict) -> bool:
    return not result.get("ok")


# ---------------------------------------------------------------- attacks


def listening_port() -> tuple[socket.socket, int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    return server, server.getsockname()[1]


def connect_to(port: int):
    def attack():
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return "connected"

    return attack


def do_fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return "forked"


def do_exec():
    os.execv("/bin/true", ["true"])


def read_file(path: Path):
    return lambda: Path(path).read_text()


def write_file(path: Path, size: int = 10):
    def attack():
        with open(path, "wb") as fh:
            fh.write(b"x" * size)
        return "written"

    return attack


def allocate(n_bytes: int):
    def attack():
        buf = bytearray(n_bytes)
        return len(buf)

    return attack


@pytest.fixture
def layout(tmp_path):
    """A work dir with a learner file and, outside it, a secret 'solutions' tree."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "submission.py").write_text("def f():\n    return 1\n")
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "gru.py").write_text("ANSWER = 42\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    for p in (tmp_path, work, solutions, outside):
        p.chmod(0o755)
    (solutions / "gru.py").chmod(0o644)
    tmp_path.parent.chmod(0o755)  # pytest's tmp tree is 0700: let an unprivileged uid traverse it
    tmp_path.parent.parent.chmod(0o755)
    return work, solutions, outside


# ---------------------------------------------------------------- seccomp


def with_seccomp(_fd):
    identity.set_no_new_privs()
    seccomp_filter.apply()


def test_seccomp_denies_sockets():
    need(seccomp_filter)
    server, port = listening_port()
    with server:
        assert in_child(with_seccomp, connect_to(port)) == {"ok": False, "error": "EPERM"}
    assert in_child(with_seccomp, lambda: socket.socketpair() and "pair") == {"ok": False, "error": "EPERM"}


def test_seccomp_denies_fork_exec_and_subprocess():
    need(seccomp_filter)
    assert in_child(with_seccomp, do_fork) == {"ok": False, "error": "EPERM"}
    assert in_child(with_seccomp, do_exec) == {"ok": False, "error": "EPERM"}

    def spawn():
        import subprocess

        return subprocess.run(["/bin/true"]).returncode

    assert blocked(in_child(with_seccomp, spawn))


def test_seccomp_clone3_enosys_and_threads_still_work():
    need(seccomp_filter)
    import ctypes

    def clone3():
        libc = ctypes.CDLL(None, use_errno=True)
        return [libc.syscall(435, None, 0), ctypes.get_errno()]

    assert in_child(with_seccomp, clone3)["value"] == [-1, errno.ENOSYS]

    def thread():
        box = []
        t = threading.Thread(target=lambda: box.append(1))
        t.start()
        t.join()
        import numpy as np

        return [box, float(np.linalg.norm(np.ones((200, 200)) @ np.ones((200, 200))))]

    assert in_child(with_seccomp, thread)["value"][0] == [1]


def test_seccomp_denies_ptrace_unshare_mount_and_io_uring():
    need(seccomp_filter)
    import ctypes

    def calls():
        libc = ctypes.CDLL(None, use_errno=True)
        out = {}
        for name, nr, args in (("ptrace", 101, (16, os.getppid(), 0, 0)), ("unshare", 272, (0x20000,)),
                               ("mount", 165, (None, b"/tmp", b"tmpfs", 0, None)),
                               ("io_uring_setup", 425, (4, None)), ("bpf", 321, (0, None, 0)),
                               ("process_vm_readv", 310, (os.getppid(), None, 0, None, 0, 0))):
            ret = libc.syscall(nr, *args)
            out[name] = (ret, errno.errorcode.get(ctypes.get_errno()))
        return out

    result = in_child(with_seccomp, calls)["value"]
    assert all(v == [-1, "EPERM"] for v in result.values()), result


def test_seccomp_kills_i386_syscalls():
    """int 0x80 enters the 32-bit ABI, which the filter does not allow (bad arch -> killed)."""
    need(seccomp_filter)
    import ctypes

    # mov eax, 359 (i386 socket); mov ebx, 2; mov ecx, 1; xor edx, edx; int 0x80; ret
    code = bytes.fromhex("b867010000" "bb02000000" "b901000000" "31d2" "cd80" "c3")

    def int80():
        buf = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        buf.write(code)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
        return ctypes.CFUNCTYPE(ctypes.c_int)(addr)()

    result = in_child(with_seccomp, int80)
    assert result.get("signal") == "SIGSYS" or result.get("value", 0) < 0, result


# ---------------------------------------------------------------- landlock


def test_landlock_blocks_reading_and_writing_outside_work_dir(layout):
    need(landlock)
    work, solutions, outside = layout

    def setup(_fd):
        identity.set_no_new_privs()
        landlock.apply([], [work])

    assert in_child(setup, read_file(solutions / "gru.py")) == {"ok": False, "error": "EACCES"}
    assert in_child(setup, lambda: os.listdir(solutions)) == {"ok": False, "error": "EACCES"}
    assert in_child(setup, write_file(outside / "fake_results.json")) == {"ok": False, "error": "EACCES"}
    assert not (outside / "fake_results.json").exists()
    assert in_child(setup, write_file(work / "scratch.txt")) == {"ok": True, "value": "written"}
    assert in_child(setup, read_file(work / "submission.py"))["ok"]


def test_landlock_denies_tcp_and_signals_when_abi_allows():
    need(landlock)
    if landlock.ABI < 4:
        pytest.skip(f"landlock ABI {landlock.ABI} has no network rules")

    def setup(_fd):
        identity.set_no_new_privs()
        landlock.apply([], [])

    server, port = listening_port()
    with server:
        assert in_child(setup, connect_to(port)) == {"ok": False, "error": "EACCES"}
    if landlock.ABI >= 6:
        assert in_child(setup, lambda: os.kill(os.getppid(), 0)) == {"ok": False, "error": "EPERM"}


# ---------------------------------------------------------------- namespaces + tmpfs


def test_network_namespace_has_no_route_to_host_services():
    need(namespaces)
    server, port = listening_port()
    with server:
        result = in_child(lambda _fd: namespaces.unshare_namespaces(), connect_to(port))
    assert blocked(result) and result["error"] in {"ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH"}


def test_tmpfs_work_dir_is_private_and_capped(layout):
    need(namespaces)
    work, _, _ = layout
    limits = Limits(tmpfs_bytes=1 << 20, tmpfs_inodes=32, file_bytes=64 << 20)

    def setup(_fd):
        namespaces.unshare_namespaces()
        namespaces.mount_private_workdir(work, limits)

    assert in_child(setup, read_file(Path("submission.py")))["value"].startswith("def f")
    assert in_child(setup, write_file(Path("fake_results.json")))["ok"]
    assert not (work / "fake_results.json").exists()  # the write stayed in the child's tmpfs
    assert in_child(setup, write_file(Path("big.bin"), 4 << 20)) == {"ok": False, "error": "ENOSPC"}

    def many_files():
        for i in range(100):
            Path(f"f{i}").touch()

    assert in_child(setup, many_files) == {"ok": False, "error": "ENOSPC"}


def test_hide_paths_hides_secrets_but_keeps_listed_paths(layout, tmp_path):
    need(namespaces)
    work, solutions, _ = layout
    keep = solutions / "venv"
    keep.mkdir()
    (keep / "lib.py").write_text("ok\n")

    def setup(_fd):
        namespaces.unshare_namespaces()
        namespaces.hide_paths([solutions], keep_visible=[keep])
        identity.apply()

    assert in_child(setup, read_file(solutions / "gru.py")) == {"ok": False, "error": "ENOENT"}
    assert in_child(setup, read_file(keep / "lib.py")) == {"ok": True, "value": "ok\n"}
    assert in_child(setup, write_file(keep / "x.py")) == {"ok": False, "error": "EROFS"}


# ---------------------------------------------------------------- rlimits


def with_limits(limits: Limits):
    def setup(_fd):
        rlimits.apply(limits)

    return setup


def test_rlimit_file_size(layout):
    need(rlimits)
    work, _, _ = layout
    result = in_child(with_limits(Limits(file_bytes=1 << 20)), write_file(work / "big.bin", 2 << 20))
    assert result in ({"signal": "SIGXFSZ"}, {"ok": False, "error": "EFBIG"})


def test_rlimit_memory():
    need(rlimits)
    assert in_child(with_limits(Limits()), allocate(2 << 30)) == {"ok": False, "error": "MemoryError"}


def test_rlimit_open_files():
    need(rlimits)

    def many():
        return [os.open(os.devnull, os.O_RDONLY) for _ in range(100)]

    assert in_child(with_limits(Limits(open_files=16)), many) == {"ok": False, "error": "EMFILE"}


def test_rlimit_cpu_kills_even_when_sigxcpu_ignored():
    need(rlimits)

    def spin():
        signal.signal(signal.SIGXCPU, signal.SIG_IGN)
        while True:
            pass

    result = in_child(with_limits(Limits(cpu_seconds=1)), spin, timeout=10)
    assert result == {"signal": "SIGKILL"}
    assert resource.getrlimit(resource.RLIMIT_CORE)  # the parent's own limits are untouched


# ---------------------------------------------------------------- identity


def test_identity_drops_root(tmp_path):
    need(identity)
    secret = tmp_path / "root_only.txt"
    secret.write_text("secret")
    secret.chmod(0o600)
    tmp_path.chmod(0o755)

    def setup(_fd):
        identity.apply()

    assert in_child(setup, lambda: os.getuid())["value"] >= identity.SANDBOX_ID_BASE
    assert in_child(setup, lambda: os.setuid(0)) == {"ok": False, "error": "EPERM"}
    assert in_child(setup, read_file(secret)) == {"ok": False, "error": "EACCES"}
    assert in_child(setup, lambda: os.kill(1, 0)) == {"ok": False, "error": "EPERM"}
    assert in_child(setup, identity.effective_capabilities)["value"] == 0


def test_identity_with_nproc_blocks_fork():
    need(identity)
    need(rlimits)

    def setup(_fd):
        rlimits.apply(Limits(processes=0))
        identity.apply()

    assert in_child(setup, do_fork) == {"ok": False, "error": "EAGAIN"}


# ---------------------------------------------------------------- fds


def test_fds_closes_inherited_descriptors():
    need(fds)
    inherited = os.open(os.devnull, os.O_RDONLY)
    kept = os.open(os.devnull, os.O_RDONLY)
    try:
        result = in_child(lambda fd: fds.apply([fd, kept]), lambda: [_is_open(inherited), _is_open(kept)])
        assert result["value"] == [False, True]
    finally:
        os.close(inherited)
        os.close(kept)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- the whole stack


def full_stack(work: Path, solutions: Path):
    def setup(fd):
        os.chdir(work)
        status = confine(work, Limits(), keep_fds=[fd], readonly_paths=[], secret_paths=[solutions])
        if not file_isolation_active(status):
            raise AssertionError(f"no file isolation: {status}")

    return setup


def test_full_stack_defeats_every_attack(layout):
    work, solutions, outside = layout
    setup = full_stack(work, solutions)
    server, port = listening_port()
    with server:
        assert blocked(in_child(setup, connect_to(port)))
    assert blocked(in_child(setup, do_fork))
    assert blocked(in_child(setup, do_exec))
    assert blocked(in_child(setup, read_file(solutions / "gru.py")))
    assert blocked(in_child(setup, write_file(outside / "fake.json")))
    assert not (outside / "fake.json").exists()
    assert blocked(in_child(setup, write_file(Path("big.bin"), 9 << 20)))
    assert blocked(in_child(setup, allocate(2 << 30)))
    assert in_child(setup, read_file(Path("submission.py")))["ok"]

    def compute():
        import fractions  # a stdlib module first imported after confinement

        import numpy as np

        return [str(fractions.Fraction(1, 3)), float(np.tanh(np.ones((30, 30)) @ np.ones((30, 30))).sum())]

    assert in_child(setup, compute)["value"] == ["1/3", 900.0]


def test_full_stack_reports_every_layer(layout):
    work, solutions, _ = layout

    def setup(fd):
        os.chdir(work)
        status = confine(work, Limits(), keep_fds=[fd], readonly_paths=[], secret_paths=[solutions])
        os.write(fd, json.dumps({"ok": True, "value": status}).encode())
        os._exit(0)

    status = in_child(setup, lambda: None)["value"]
    for name in ("fds", "namespaces", "hide", "tmpfs", "rlimits", "no_new_privs", "landlock", "identity",
                 "seccomp", "secrets"):
        assert status[name] == "active" or status[name].startswith("unavailable: "), (name, status)
        if status[name] != "active":
            continue
    probed = {m.NAME: _probe(m) for m in (fds, rlimits, identity, seccomp_filter, landlock, namespaces)}
    for name, state in probed.items():
        if state == "active" and name in status:
            assert status[name] == "active", (name, status)


def test_file_isolation_decision():
    assert file_isolation_active({"landlock": "active", "secrets": "active"})
    assert file_isolation_active({"hide": "active", "identity": "active", "landlock": "unavailable: x",
                                  "secrets": "active"})
    # hidden by a child that is still root: it could undo the mounts or read through /proc/<pid>/root
    assert not file_isolation_active({"hide": "active", "identity": "unavailable: x",
                                      "landlock": "unavailable: x", "secrets": "active"})
    assert not file_isolation_active({"landlock": "active", "secrets": "unavailable: READABLE /x"})
    assert not file_isolation_active({"identity": "active", "secrets": "unavailable: READABLE /x"})
    assert not file_isolation_active({"landlock": "unavailable: x", "hide": "unavailable: y",
                                      "identity": "unavailable: z", "secrets": "active"})
    assert not file_isolation_active({})


def test_probe_layers_reports_every_layer():
    report = probe_layers()
    for name in ("fds", "rlimits", "identity", "seccomp", "landlock", "namespaces", "full_stack", "file_isolation"):
        assert report[name] == "active" or report[name].startswith("unavailable: ") or name == "full_stack"


def _degraded(work: Path, solutions: Path, *broken: str):
    """Confine with the named layer functions made to fail, as on a kernel without them."""
    from grader.sandbox import confine as confine_module

    def unavailable(*_a, **_k):
        from grader.sandbox.layers import LayerUnavailable

        raise LayerUnavailable("disabled for this test")

    def setup(fd):
        for name in broken:
            module, attr = name.split(".")
            setattr(getattr(confine_module, module), attr, unavailable)
        os.chdir(work)
        status = confine(work, Limits(), keep_fds=[fd], readonly_paths=[], secret_paths=[solutions])
        os.write(fd, json.dumps({"ok": True, "value": [status, file_isolation_active(status)]}).encode())
        os._exit(0)

    return in_child(setup, lambda: None)["value"]


def test_mount_hiding_alone_still_isolates_files(layout):
    need(namespaces)
    work, solutions, _ = layout
    status, isolated = _degraded(work, solutions, "landlock.apply")
    assert status["landlock"].startswith("unavailable") and status["hide"] == "active"
    assert isolated, status


def test_uid_drop_alone_over_world_readable_secrets_fails_closed(layout):
    need(identity)
    work, solutions, _ = layout
    status, isolated = _degraded(work, solutions, "landlock.apply", "namespaces.unshare_namespaces")
    # identity is skipped when the runtime sits under a 0700 dir (Python under /root) and cannot be
    # overmounted; either way the world-readable secret stays readable and isolation must be off
    assert status["identity"] == "active" or "could not reach" in status["identity"], status
    assert status["secrets"].startswith("unavailable: READABLE")
    assert not isolated


def test_work_dir_under_private_parent(tmp_path):
    """mkdtemp-style 0700 parents are overmounted so the sandbox uid can still reach its work dir."""
    need(namespaces)
    need(identity)
    parent = tmp_path / "private"
    work = parent / "run"
    work.mkdir(parents=True)
    (work / "submission.py").write_text("x = 1\n")
    parent.chmod(0o700)
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "a.py").write_text("A = 1\n")

    def setup(fd):
        os.chdir(work)
        status = confine(work, Limits(), keep_fds=[fd], readonly_paths=[], secret_paths=[solutions])
        assert status["identity"] == "active", status

    assert in_child(setup, lambda: [Path(work / "submission.py").read_text(), os.getuid() != 0])["value"] == [
        "x = 1\n", True]
