"""Sandbox sessions: follow-up batches go to the child that ran the first one (confined once, the
learner's modules imported once), through the real fork-server, with the same limits, blame and
forgery rules as a run; and a session leaves no process behind however it ends."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO, SOLUTIONS, warm_fork_server
from grader.engine import grade_submission
from grader.sandbox.client import Call, ForkServer, SandboxFailure
from grader.sandbox.limits import Limits
from grader.suites import all_checks

LIMITS = Limits(cpu_seconds=3, wall_seconds=1.0)

GATES = """
    import os
    import threading

    IMPORTS = [0]
    IMPORTS[0] += 1  # once per import of this module

    def pid(x):
        return os.getpid()

    def imports(x):
        return IMPORTS[0]

    def double(x):
        return 2 * x

    def die(x):
        os._exit(3)

    def hang(x):
        while True:
            pass
"""


@pytest.fixture(scope="module")
def server():
    with warm_fork_server(LIMITS) as started:
        yield started


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "gates.py").write_text(textwrap.dedent(GATES))
    return tmp_path


def calls(*names, arg=1):
    return [Call("gates", name, (arg,)) for name in names]


def values(report):
    assert all(o.ok for o in report.outcomes), report.outcomes
    return [o.value for o in report.outcomes]


def gone(pid: int, within: float = 5.0) -> bool:
    """The process has ended and been reaped (no zombie left either)."""
    deadline = time.monotonic() + within
    while True:
        try:
            Path(f"/proc/{pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
            found += children
            todo += children
    return found


def test_a_follow_up_runs_in_the_same_child_with_the_modules_imported_once(folder, server):
    with server.session(folder, calls("pid", "imports")) as session:
        child, count = values(session.first)
        assert count == 1
        assert values(session.run(calls("pid", "imports", "double"))) == [child, 1, 2]
        assert values(session.run(calls("pid", "imports"))) == [child, 1]
    assert gone(child)


def test_a_follow_up_after_a_crash_in_the_first_batch_gets_a_fresh_child(folder, server):
    with server.session(folder, calls("pid", "die")) as session:
        first = session.first.outcomes
        assert first[0].ok and first[1].kind == "crash" and "status 3" in first[1].message
        again = session.run(calls("pid", "imports", "die", "double"))
        fresh, count = again.outcomes[0].value, again.outcomes[1].value
        assert fresh != first[0].value and count == 1  # a new child, which imported gates.py anew
        assert again.outcomes[2].kind == "crash" and "die did not finish" in again.outcomes[2].message
        assert again.outcomes[3].ok and again.outcomes[3].value == 2  # after a crash, as within a run
        assert again.layers == session.first.layers
        survivor = values(session.run(calls("pid")))[0]
        assert survivor not in (first[0].value, fresh)
    assert gone(survivor)


def test_a_follow_up_that_hangs_is_stopped_by_the_wall_clock(folder, server):
    with server.session(folder, calls("pid")) as session:
        started = time.perf_counter()
        report = session.run(calls("hang", "double", "hang"))
        elapsed = time.perf_counter() - started
        assert report.outcomes[0].kind == "timeout" and "time limit" in report.outcomes[0].message
        assert report.outcomes[1].ok and report.outcomes[1].value == 2
        assert report.outcomes[2].message.startswith("not run: an earlier call of hang")
        assert elapsed < 2 * LIMITS.wall_seconds
        assert values(session.run(calls("double"))) == [2]


def test_closing_a_session_leaves_no_process_behind(folder, server):
    server_pid = server._process.pid
    with server.session(folder, calls("pid")) as session:
        child = values(session.first)[0]
        assert child in descendants(server_pid)
    assert gone(child)
    deadline = time.monotonic() + 5
    while descendants(server_pid) and time.monotonic() < deadline:  # the worker exits after its reply
        time.sleep(0.02)
    assert descendants(server_pid) == []
    assert values(server.run(folder, calls("double"))) == [2]  # and the server serves on


CLIENT_DIES = """
import sys, time
from grader.sandbox.client import Call, ForkServer
server = ForkServer()
session = server.session(sys.argv[1], [Call("gates", "pid", (0,))])
print(server._process.pid, session.first.outcomes[0].value, flush=True)
time.sleep(60)
"""


def test_the_client_dying_mid_session_ends_the_child(folder):
    client = subprocess.Popen([sys.executable, "-c", CLIENT_DIES, str(folder)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    try:
        server_pid, child = map(int, client.stdout.readline().split())
        assert not gone(child, within=0)
    finally:
        client.kill()
        client.wait()
    assert gone(child)  # the worker read end of file on stdin and killed it
    assert gone(server_pid)


FORGER = """
    import json
    import os
    import struct
    import threading
    import time

    from grader.sandbox import wire

    def _frame(kind, index, payload):
        body = struct.pack(">cI", kind, index) + payload
        return struct.pack(">Q", len(body)) + body

    def _forge():
        time.sleep(0.1)  # the child has reported its calls and waits for the next batch
        fake = wire.encode({"value": 42, "fp_errors": []})
        error = json.dumps({"kind": "exception", "message": "forged"}).encode()
        for fd in range(3, 21):
            for index in range(8):
                for frame in (_frame(b"D", index, fake), _frame(b"E", index, error), _frame(b"W", 0, b"")):
                    try:
                        os.write(fd, frame)
                    except OSError:
                        pass

    def start(x):
        threading.Thread(target=_forge, daemon=True).start()
        return os.getpid()

    def pid(x):
        return os.getpid()

    def honest(x):
        return x + 1
"""


def test_frames_forged_while_the_child_waits_gain_nothing(tmp_path, server):
    (tmp_path / "gates.py").write_text(textwrap.dedent(FORGER))
    with server.session(tmp_path, [Call("gates", "start", (0,))]) as session:
        forger = values(session.first)[0]
        time.sleep(0.4)
        report = session.run([Call("gates", "honest", (k,)) for k in range(1, 4)] + [Call("gates", "pid", (0,))])
        assert values(report)[:3] == [2, 3, 4]
        assert report.outcomes[3].value != forger  # the child that spoke out of turn was dropped
    assert gone(forger)


def test_a_session_whose_worker_dies_raises_and_the_next_run_works(folder, server):
    """The server reports its worker's death (while the session was idle) as the reply to the next
    follow-up; the session ends and the server is restarted, so no stale reply reaches a later run."""
    with server.session(folder, calls("pid")) as session:
        child = values(session.first)[0]
        (worker,) = [pid for pid in descendants(server._process.pid) if pid != child]
        os.kill(worker, 9)
        with pytest.raises(SandboxFailure, match="request worker ended"):
            session.run(calls("double"))
        with pytest.raises(SandboxFailure):
            session.run(calls("double"))  # the session is over
    assert gone(child)  # its parent died: PDEATHSIG (or the restart) ended it
    assert values(server.run(folder, calls("double"))) == [2]


def test_a_malformed_follow_up_ends_the_session_and_its_child(folder, server):
    from grader.sandbox import wire

    with server.session(folder, calls("pid")) as session:
        child = values(session.first)[0]
        with pytest.raises(SandboxFailure, match="malformed follow-up"):
            server._exchange(wire.encode({"calls": [{"module": "gates"}]}), 1)
        session._open = False  # the test went behind the session's back
    assert gone(child)
    assert values(server.run(folder, calls("double"))) == [2]


class Counting:
    """The real sandbox, counting the requests (each a worker and a child) and the follow-ups."""

    def __init__(self, sandbox: ForkServer) -> None:
        self.sandbox, self.requests, self.follow_ups = sandbox, 0, 0

    def layers(self):
        return self.sandbox.layers()

    def session(self, folder, calls):
        self.requests += 1
        opened = self.sandbox.session(folder, calls)
        run = opened.run

        def counted(more):
            self.follow_ups += 1
            return run(more)

        opened.run = counted
        return opened


def test_a_buggy_submission_is_graded_and_diagnosed_by_one_request(sandbox):
    counting = Counting(sandbox)
    checks = all_checks()
    result = grade_submission(REPO / "samples" / "class" / "chen_wei", "chen_wei", checks, sandbox=counting, seed=7)
    assert counting.requests == 1 and counting.follow_ups >= 1
    assert any("Your own functions on these inputs" in c.message or "first_bad_layer" in c.details
               for c in result.checks)  # the localisation probes ran, in the session
    same = grade_submission(REPO / "samples" / "class" / "chen_wei", "chen_wei", checks, sandbox=sandbox, seed=7)
    assert [c.message for c in same.checks] == [c.message for c in result.checks]


def test_a_correct_submission_needs_no_follow_up(sandbox):
    counting = Counting(sandbox)
    result = grade_submission(SOLUTIONS, "ref", all_checks(), sandbox=counting, seed=7, trusted_code=True)
    assert all(c.status == "passed" for c in result.checks)
    assert (counting.requests, counting.follow_ups) == (1, 0)


def test_a_follow_up_decodes_symbols_and_copies_arguments_in_the_child(tmp_path, server):
    import numpy as np
    import sympy

    from grader.sandbox.wire import SympyText

    (tmp_path / "gates.py").write_text(textwrap.dedent("""
        def count(d, h):
            return 3 * (h * d + h * h + h)

        def scribble(a):
            a[...] = 7.0
            return float(a.sum())
    """))
    d, h = (sympy.Symbol(n, positive=True, integer=True) for n in "dh")
    array = np.zeros(3)
    with server.session(tmp_path, [Call("gates", "count", (2, 3))]) as session:
        assert values(session.first) == [3 * (6 + 9 + 3)]
        report = session.run([Call("gates", "count", (d, h)), Call("gates", "scribble", (array,)),
                              Call("gates", "scribble", (array,))])
        symbolic, first, second = report.outcomes
        assert isinstance(symbolic.value, SympyText) and symbolic.value == "3*d*h + 3*h**2 + 3*h"
        assert first.value == second.value == 21.0  # each call wrote on its own copy
    assert not array.any()
