"""The adversarial corpus: one hostile submission per attack, graded by the real engine and sandbox.

Each attack lives in ``tests/adversarial/<attack>/``: a ``gates.py`` (appended to
``tests/adversarial/_prelude.py``) and sometimes files planted beside it.  The learner's ``sigmoid``
is honest; ``gate`` carries the attack and returns the right answer only if the attack worked.  For
every attack the test asserts that

* it gains nothing: every ``gate`` check scores 0, every other check passes (the honest part);
* it leaves nothing running: no process or thread named after its marker, no file outside the
  sandbox, nothing left in the fork-server's work root, and the fork-server is the same process;
* it costs no other learner anything: a correct submission graded by the same fork-server right
  before and right after gets full marks.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import REPO
from grader.engine import grade_submission
from grader.sandbox.client import ForkServer
from grader.sandbox.confine import file_isolation_active
from grader.sandbox.limits import Limits
from grader.suites import select_checks

CORPUS = Path(__file__).resolve().parent / "adversarial"
ATTACKS = sorted(p.name for p in CORPUS.iterdir() if (p / "gates.py").is_file())
CHECKS = select_checks(["gates", "vanilla"])
TARGET = "gate"
# tight enough that endless loops cost seconds, loose enough for any honest gates/vanilla code
LIMITS = Limits(cpu_seconds=1, wall_seconds=3.0)


@pytest.fixture(scope="module")
def tight_sandbox():
    with ForkServer(LIMITS) as server:
        yield server


@pytest.fixture
def outside():
    """A world-writable directory outside the sandbox, where no attack may leave anything."""
    path = Path(tempfile.mkdtemp(prefix="adversarial-outside-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def listener():
    """A TCP listener and a UDP socket on one port of 127.0.0.1; nothing may reach either."""
    tcp = socket.create_server(("127.0.0.1", 0))
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    tcp.settimeout(0.2)
    udp.setblocking(False)
    yield tcp, udp, port
    tcp.close()
    udp.close()


def build_attack(name: str, make_submission, marker: str, outside: Path, port: int,
                 grader_pid: int | None = None) -> Path:
    """The learner folder for one attack: the references, with the attack's files put in; the
    grader it aims at is this process unless ``grader_pid`` says otherwise."""
    values = {"@MARKER@": marker, "@OUTSIDE@": str(outside), "@REPO@": str(REPO), "@PORT@": str(port),
              "@GRADER_PID@": str(grader_pid or os.getpid())}

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    files = {p.name: fill(p.read_text()) for p in (CORPUS / name).glob("*.py")}
    files["gates.py"] = fill((CORPUS / "_prelude.py").read_text()) + files["gates.py"]
    return make_submission(files)


def tasks_named(marker: str) -> list[str]:
    """Every task (process or thread) whose name or command line carries ``marker``."""
    found = []
    for task in glob.glob("/proc/[0-9]*/task/[0-9]*"):
        for field in ("comm", "cmdline"):
            try:
                data = Path(task, field).read_bytes()
            except OSError:
                continue
            if marker.encode() in data:
                found.append(f"{task} ({data[:60]!r})")
    return found


def grade(folder: Path, sandbox: ForkServer):
    return grade_submission(folder, "learner", CHECKS, sandbox=sandbox, seed=23)


def assert_full_marks(result) -> None:
    assert result.score == result.max_score > 0, [c.message for c in result.checks if c.status != "passed"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_gains_nothing_leaves_nothing_costs_nothing(attack, make_submission, tight_sandbox, outside, listener):
    tcp, udp, port = listener
    marker = "adv" + uuid.uuid4().hex[:10]
    server_pid = tight_sandbox._process.pid if tight_sandbox._process else None
    honest = make_submission()
    before = grade(honest, tight_sandbox)
    assert_full_marks(before)
    server_pid = tight_sandbox._process.pid

    result = grade(build_attack(attack, make_submission, marker, outside, port), tight_sandbox)

    targeted = [c for c in result.checks if c.function == TARGET]
    rest = [c for c in result.checks if c.function != TARGET]
    assert targeted and all(c.score == 0 and c.status != "passed" for c in targeted), \
        [(c.name, c.status, c.message) for c in targeted]
    assert all(c.status == "passed" for c in rest), [(c.name, c.message) for c in rest if c.status != "passed"]
    assert result.score == sum(c.max_score for c in rest)

    time.sleep(0.2)  # a daemon would be up by now
    assert tasks_named(marker) == []
    assert list(outside.iterdir()) == []
    assert glob.glob(f"/tmp/{marker}*") == []
    assert list(tight_sandbox._work_root.iterdir()) == []
    with pytest.raises(socket.timeout):
        tcp.accept()
    with pytest.raises(BlockingIOError):
        udp.recv(64)

    assert tight_sandbox._process.pid == server_pid and tight_sandbox._process.poll() is None
    assert result.sandbox == before.sandbox and file_isolation_active(result.sandbox)
    assert_full_marks(grade(honest, tight_sandbox))
    EXPECTED_MESSAGES.get(attack, lambda _: None)(targeted)


def _stopped_by_cpu_limit(targeted) -> None:
    # the CPU rlimit, or on a busy machine the wall clock first: either way it did not run on
    assert "time limit" in targeted[0].message


def _stopped_by_wall_clock(targeted) -> None:
    assert "time limit" in targeted[0].message


EXPECTED_MESSAGES = {"ignore_sigxcpu": _stopped_by_cpu_limit, "setsid_sleep": _stopped_by_wall_clock}
