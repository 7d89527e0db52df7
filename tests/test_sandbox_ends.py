"""Sessions that always end, through the real fork-server: hostile or unlucky learner code (forged
reports on the result pipe, a closed result pipe, a 1,500-deep folder chain, calls that stall just
under the time limit, SysV shared memory, a submission too large for the work dir) costs only its
own submission, in bounded time.  After each, the same fork-server grades the next learner
correctly, and nothing is left behind: no process below the fork-server, no file in its work
root, no new SysV IPC object or /dev/shm entry on the host."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import warm_fork_server
from test_sandbox_session import descendants
from grader.engine import grade_submission
from grader.sandbox import wire
from grader.sandbox.cleanup import remove_tree
from grader.sandbox.client import Call, ForkServer
from grader.sandbox.limits import Limits
from grader.suites import select_checks

LIMITS = Limits(cpu_seconds=3, wall_seconds=1.5, submission_wall_seconds=4.0, submission_cpu_seconds=3.0)

PRELUDE = """
import ctypes
import json
import os
import struct
import time

def _frame(kind, index, payload):
    body = struct.pack(">cI", kind, index) + payload
    return struct.pack(">Q", len(body)) + body

def _to_every_pipe(data):
    for fd in range(3, 64):
        try:
            os.write(fd, data)
        except OSError:
            pass

def double(x):
    return 2 * x
"""


def learner(folder: Path, text: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gates.py").write_text(PRELUDE + textwrap.dedent(text))
    return folder


SANDBOX_IDS = 10**9  # children run as uid 1e9 + pid (``identity.sandbox_id``)


def sandbox_ipc() -> list[str]:
    """SysV IPC objects (``ipcs``) and /dev/shm entries on the host owned by a sandbox uid."""
    found = []
    for entry in os.scandir("/dev/shm") if os.path.isdir("/dev/shm") else []:
        if entry.stat(follow_symlinks=False).st_uid >= SANDBOX_IDS:
            found.append(entry.path)
    if shutil.which("ipcs"):
        for line in subprocess.run(["ipcs"], capture_output=True, text=True).stdout.splitlines():
            fields = line.split()
            if len(fields) > 2 and fields[2].isdigit() and int(fields[2]) >= SANDBOX_IDS:
                found.append(line)
    return found


@pytest.fixture(scope="module")
def server():
    with warm_fork_server(LIMITS) as started:
        yield started


@pytest.fixture
def clean_after(server, tmp_path):
    """Asserts, after the test, that the same server serves the next learner correctly and that
    nothing of the test's runs is left: processes, work-root files, IPC objects."""
    server_pid = server._process.pid
    yield
    assert_serves_and_left_nothing(server, tmp_path)
    assert server._process.pid == server_pid


def assert_serves_and_left_nothing(server: ForkServer, tmp_path: Path) -> None:
    honest = learner(tmp_path / "next_learner")
    report = server.run(honest, [Call("gates", "double", (n,)) for n in range(3)])
    assert [o.value for o in report.outcomes] == [0, 2, 4]
    server_pid = server._process.pid
    deadline = time.monotonic() + 5
    while descendants(server_pid) and time.monotonic() < deadline:  # a worker exits after its reply
        time.sleep(0.02)
    assert descendants(server_pid) == []
    assert list(server._work_root.iterdir()) == []
    assert sandbox_ipc() == []


FORGED_D = {
    "a float that is not a number": {"tree": {"$float": "x"}, "buffers": []},
    "an int that is not a number": {"tree": {"$int": "x"}, "buffers": []},
    "a dict entry of three items": {"tree": {"$dict": [["value", 1, 2]]}, "buffers": []},
    "an infinite buffer length": {"tree": {"$array": 0, "dtype": "<f8", "shape": [1]}, "buffers": [1e999]},
}


def _message(header: str) -> bytes:
    data = header.encode()
    return struct.pack(">Q", len(data)) + data


@pytest.mark.parametrize("name", sorted(FORGED_D) + ["a header nested 20,000 deep"])
def test_a_forged_value_for_the_running_call_fails_only_that_call(name, server, tmp_path, clean_after):
    if name in FORGED_D:
        header = json.dumps(FORGED_D[name]).replace("1e+999", "Infinity")
    else:
        header = '{"tree": ' + "[" * 20000 + "]" * 20000 + ', "buffers": []}'
    # the call writes a D frame of its own for itself (index 0), then exits before the real one
    folder = learner(tmp_path / "forger", f"""
        def forge(x):
            _to_every_pipe(_frame(b"D", 0, {_message(header)!r}))
            os._exit(0)
    """)
    calls = [Call("gates", "forge", (1,)), Call("gates", "double", (2,)), Call("gates", "double", (3,))]
    first, second, third = server.run(folder, calls).outcomes
    assert not first.ok and first.kind == "type" and "could not be read" in first.message
    assert second.kind == "crash"  # the child exited while, as far as anyone can tell, it ran this
    assert third.ok and third.value == 6  # in a fresh child


@pytest.mark.parametrize("payload, kind", [
    (b"[" * 20000 + b"]" * 20000, "garbled"),
    (json.dumps({"kind": "sandbox", "message": "the grader failed"}).encode(), "garbled"),
    (json.dumps({"kind": "exception", "message": "x" * 30_000}).encode(), "exception"),
])
def test_a_forged_error_report_is_bounded_and_cannot_pose_as_the_grader(payload, kind, server, tmp_path,
                                                                         clean_after):
    folder = learner(tmp_path / "forger", f"""
        def forge(x):
            _to_every_pipe(_frame(b"E", 0, {payload!r}))
            os._exit(0)
    """)
    calls = [Call("gates", "forge", (1,)), Call("gates", "double", (2,)), Call("gates", "double", (3,))]
    first, _, third = server.run(folder, calls).outcomes
    assert not first.ok and first.kind == kind and len(first.message) <= 2000
    assert third.ok and third.value == 6


def test_a_closed_result_pipe_costs_one_grace_period_not_the_whole_budget(server, tmp_path, clean_after):
    folder = learner(tmp_path / "closer", """
        def close_and_stay(x):
            for fd in range(3, 64):
                try:
                    os.close(fd)
                except OSError:
                    pass
            time.sleep(60)
    """)
    started = time.monotonic()
    first, second = server.run(folder, [Call("gates", "close_and_stay", (1,)), Call("gates", "double", (2,))]).outcomes
    assert time.monotonic() - started < 4.0  # the grace period (1 s) and a fresh child, not minutes
    assert not first.ok and first.kind == "crash"
    assert second.ok and second.value == 4


DEEP_CHAIN = """
    def dig(x):
        depth = 0
        try:
            while depth < 1500:
                os.mkdir("d")
                os.chdir("d")
                depth += 1
            with open("f", "w") as fh:
                fh.write("x")
        except OSError:  # the tmpfs holds 256 inodes
            pass
        return depth
"""


@pytest.mark.parametrize("without", [(), ("tmpfs",)])
def test_a_1500_deep_folder_chain_is_removed_without_raising(without, tmp_path):
    # with the tmpfs the chain vanishes with the child's mount namespace; without it, it is on the
    # host's disk and removed by the non-recursive cleanup
    roomy = Limits(wall_seconds=30.0, submission_wall_seconds=60.0)  # this disk takes ms per folder
    with ForkServer(roomy, without=without) as server:
        folder = learner(tmp_path / "digger", DEEP_CHAIN)
        with server.session(folder, [Call("gates", "dig", (1,))]) as session:
            depth = session.first.outcomes[0].value
            assert depth == 1500 if without else 0 < depth < 256, session.first.outcomes[0]
            work_dir = session.work_dir
        assert not work_dir.exists()
        assert list(server._work_root.iterdir()) == []
        assert [o.value for o in server.run(folder, [Call("gates", "double", (3,))]).outcomes] == [6]


def test_remove_tree_goes_deeper_than_recursion_and_never_follows_a_link(tmp_path):
    keep = tmp_path / "outside"
    keep.mkdir()
    (keep / "precious").write_text("x")
    root = tmp_path / "tree"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(1500):  # os.makedirs itself would recurse too deep
        os.mkdir("d", dir_fd=fd)
        deeper = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.symlink(keep, "link", dir_fd=fd)
    os.mkfifo("fifo", dir_fd=fd)
    os.close(fd)
    assert remove_tree(root) and not root.exists()
    assert (keep / "precious").read_text() == "x"
    assert remove_tree(tmp_path / "never-existed")


STALL = """
    def stall(x):
        time.sleep(0.9)
        return 2 * x

    def spin(x):
        end = time.process_time() + 0.4
        while time.process_time() < end:
            pass
        return 2 * x
"""
# each call just under its own limit: 0.9 s asleep of 1.5 s, or 0.4 s of CPU with 5 s to take it
BUDGETS = {"stall": LIMITS, "spin": Limits(wall_seconds=5.0, submission_wall_seconds=60.0,
                                           submission_cpu_seconds=1.5)}


@pytest.mark.parametrize("function", ["stall", "spin"])
def test_calls_just_under_the_time_limit_are_stopped_at_the_submission_budget(function, tmp_path):
    folder = learner(tmp_path / "staller", STALL)
    calls = [Call("gates", function, (n,)) for n in range(12)]
    with ForkServer(BUDGETS[function]) as server:
        started = time.monotonic()
        with server.session(folder, calls) as session:
            outcomes = session.first.outcomes
            more = session.run(calls[:3])
        elapsed = time.monotonic() - started
        assert_serves_and_left_nothing(server, tmp_path)
    done = [o for o in outcomes if o.ok]
    assert 1 <= len(done) <= 5 and all(o.value == 2 * n for n, o in enumerate(done))
    stopped = outcomes[len(done):]
    assert all(o.kind == "budget" for o in stopped)
    assert "time budget" in stopped[0].message
    assert all(o.message.startswith("not reached: the submission's time budget was used up") for o in stopped[1:])
    assert all(o.kind == "budget" and o.message.startswith("not reached") for o in more.outcomes)
    if function == "stall":  # (a CPU budget says nothing of the wall clock on a loaded machine)
        assert elapsed < 12 * 0.9 - 3  # stopped well before all its calls had run


def test_a_stalling_learner_loses_the_unreached_checks_in_the_engine(server, tmp_path, clean_after):
    solution = (Path(__file__).resolve().parents[1] / "solutions" / "gates.py").read_text()
    folder = tmp_path / "stalling_learner"
    folder.mkdir()
    (folder / "gates.py").write_text(solution.replace("import numpy as np", "import time\nimport numpy as np", 1) + """
_sigmoid = sigmoid
def sigmoid(a):
    time.sleep(0.9)
    return _sigmoid(a)
""")
    checks = select_checks(["gates"])  # six checks, one call each, each now 0.9 s or more
    result = grade_submission(folder, "stalling_learner", checks, sandbox=server, seed=3)
    statuses = [c.status for c in result.checks]
    assert "passed" in statuses and result.score < result.max_score
    assert any("not reached: the submission's time budget was used up" in c.message for c in result.checks)


SHM = """
    libc = ctypes.CDLL(None, use_errno=True)
    IPC_PRIVATE, IPC_CREAT = 0, 0o1000

    def shm(x):
        ids = [libc.shmget(IPC_PRIVATE, 256 << 20, IPC_CREAT | 0o600) for _ in range(8)]
        messages = libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
        semaphores = libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600)
        return [ids, messages, semaphores, ctypes.get_errno()]
"""


def test_sysv_ipc_is_denied(server, tmp_path, clean_after):
    folder = learner(tmp_path / "hoarder", SHM)
    (outcome,) = server.run(folder, [Call("gates", "shm", (0,))]).outcomes
    ids, messages, semaphores, error = outcome.value
    assert ids == [-1] * 8 and messages == -1 and semaphores == -1 and error != 0


POSIX_SHM = """
    def posix_shm(x):
        try:
            fd = os.open("/dev/shm/hoard", os.O_CREAT | os.O_WRONLY, 0o600)
        except OSError as exc:
            return exc.errno
        os.ftruncate(fd, 64 << 20)
        return 0
"""


def test_the_hosts_dev_shm_is_out_of_reach_even_without_landlock(tmp_path):
    # without Landlock the sandbox uid could write the world-writable /dev/shm; it is hidden instead
    with ForkServer(LIMITS, without=("landlock",)) as server:
        folder = learner(tmp_path / "hoarder", POSIX_SHM)
        (outcome,) = server.run(folder, [Call("gates", "posix_shm", (0,))]).outcomes
        assert outcome.ok and outcome.value != 0
        assert_serves_and_left_nothing(server, tmp_path)


def test_a_submission_too_large_for_the_work_dir_is_refused_not_run_on_disk(server, tmp_path, clean_after):
    folder = learner(tmp_path / "padded", """
        def write_out(x):
            with open("out.bin", "wb") as fh:
                fh.write(b"x" * (1 << 20))
            return 2 * x
    """)
    for n in range(10):  # 10 x 1 MB of padding: more than the work dir's tmpfs takes (16 MB / 2)
        (folder / f"pad{n}.py").write_bytes(b"#" * ((1 << 20) - 2) + b"\n")
    (outcome,) = server.run(folder, [Call("gates", "write_out", (1,))]).outcomes
    assert not outcome.ok and outcome.kind == "too_large"
    assert "too large" in outcome.message and "exercise files" in outcome.message


def test_a_fifo_named_like_an_archive_never_blocks_the_batch(tmp_path):
    submissions = tmp_path / "submissions"
    honest = learner(submissions / "ada")
    shutil.copy(Path(__file__).resolve().parents[1] / "solutions" / "gates.py", honest / "gates.py")
    os.mkfifo(submissions / "bob.zip")
    os.mkfifo(honest / "vanilla.py")  # a FIFO among a folder's files too
    out = tmp_path / "results"
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(submissions), "--out", str(out),
                           "--workers", "1", "--pool", "thread", "-e", "gates", "--quiet"],
                          capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 1, done.stderr  # finished, with one entry (bob) that could not be graded
    ada = json.loads((out / "ada" / "result.json").read_text())
    assert ada["score"] == ada["max_score"] > 0
    assert "bob" in done.stdout + done.stderr
