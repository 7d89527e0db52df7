"""The check service: ``grade check`` answered by a warm process, with the output of an in-process check.

A real service process (``python -m grader.check_service``) listens in a private folder of the test's
own; requests go over its real Unix socket. Nothing here measures speed (that is
``benchmarks/check_latency.py``): these tests show that what the service answers is what the command
line would have printed, that bad requests and stale sockets cost nothing, and that it ends by itself.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.check_service import protocol
from grader.check_service.client import served, start_service
from grader.check_service.place import (IDLE_SWITCH, SWITCH, Place, current_place, fingerprint,
                                        private_folder)
from grader.sandbox import frames
from grader.sandbox.client import Call, ForkServer
from test_adversarial import build_attack

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
STUBS = REPO / "exercises"
GRADE = Path(sys.executable).with_name("grade")


def wait_for(condition, seconds: float = 180.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.1)


def stop(place: Place) -> None:
    """Stop the service holding ``place``'s lock (its pid is written there), if any."""
    try:
        pid = int(Path(place.lock).read_text().strip() or 0)
    except (OSError, ValueError):
        return
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)  # it removes its fork-server's work root
        except ProcessLookupError:
            pass


@pytest.fixture
def runtime(monkeypatch):
    """A private runtime folder of the test's own (a short path: socket paths are short), with
    services switched on."""
    folder = Path(tempfile.mkdtemp(prefix="run-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv(SWITCH, "1")
    monkeypatch.setenv(IDLE_SWITCH, "120")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def service():
    """One running service for the module, where ``grade check`` run with ``served_env(place)``
    finds it (a runtime folder of its own); yields that place."""
    runtime = Path(tempfile.mkdtemp(prefix="svc-", dir="/tmp"))
    (runtime / "deep-rnn-grader").mkdir(mode=0o700)
    name = runtime / "deep-rnn-grader" / f"check-{fingerprint()}"
    place = Place(f"{name}.sock", f"{name}.lock")
    env = {**os.environ, IDLE_SWITCH: "300"}
    process = subprocess.Popen([sys.executable, "-m", "grader.check_service", place.socket, place.lock],
                               cwd="/", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: os.path.exists(place.socket) or process.poll() is not None)
        assert process.poll() is None, process.stderr.read().decode()
        yield place
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        finally:
            process.kill()
        shutil.rmtree(runtime, ignore_errors=True)


def served_env(place: Place, **extra: str) -> dict:
    """The environment in which ``grade check`` asks the service at ``place`` first."""
    return {**os.environ, SWITCH: "1", "XDG_RUNTIME_DIR": str(Path(place.socket).parents[1]), **extra}


def in_process(*args: str, cwd: Path = REPO, env: dict | None = None, text: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(GRADE), "check", *args], capture_output=True, text=text, cwd=cwd, env=env,
                          timeout=300)


def test_a_served_check_prints_what_the_command_line_prints(service, capsys):
    expected = in_process("gru", "--dir", str(SOLUTIONS), "--seed", "7")
    assert expected.returncode == 0, expected.stderr
    assert served(["gru", "--dir", str(SOLUTIONS), "--seed", "7"], place=service) == 0
    out, err = capsys.readouterr()
    assert out == expected.stdout
    assert "Total: 6/6" in out


def test_wrong_code_fails_through_the_service_as_in_process(service, capsys):
    expected = in_process("lstm", "--dir", str(STUBS), "--seed", "3")
    assert expected.returncode == 1
    assert served(["lstm", "--dir", str(STUBS), "--seed", "3"], place=service) == 1
    assert capsys.readouterr().out == expected.stdout


def test_a_relative_folder_is_the_clients(service, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert served(["vanilla", "--dir", "solutions", "--seed", "2"], place=service) == 0
    relative = capsys.readouterr().out
    assert served(["vanilla", "--dir", str(SOLUTIONS), "--seed", "2"], place=service) == 0
    assert capsys.readouterr().out == relative


def test_a_usage_error_is_reported_as_the_command_line_does(service, capsys):
    expected = in_process("grue", "--dir", str(SOLUTIONS))
    assert served(["grue", "--dir", str(SOLUTIONS)], place=service) == expected.returncode == 2
    out, err = capsys.readouterr()
    assert err == expected.stderr
    assert "grue" in err


def test_names_that_are_not_utf8_are_served_as_the_command_line_takes_them(service, capsys, tmp_path):
    folder = tmp_path / os.fsdecode(b"caf\xe9-\xff")  # a Latin-1 name: not UTF-8
    folder.mkdir()
    shutil.copy(SOLUTIONS / "gates.py", folder)
    for args in ([str(folder), "--seed", "5"], [str(folder / "missing")]):
        expected = in_process("gates", "--dir", *args)
        assert served(["gates", "--dir", *args], place=service) == expected.returncode
        assert capsys.readouterr() == (expected.stdout, expected.stderr)  # and no note: it was served


def test_output_a_terminal_cannot_encode_is_written_as_the_command_line_writes_it(service):
    args = ("gates", "--dir", str(SOLUTIONS), "--seed", "5")
    expected = in_process(*args, env={**os.environ, "PYTHONIOENCODING": "ascii"}, text=False)
    assert expected.returncode == 0 and "✓".encode() in expected.stdout, expected.stderr
    answered = in_process(*args, env=served_env(service, PYTHONIOENCODING="ascii"), text=False)
    assert (answered.returncode, answered.stdout, answered.stderr) == (0, expected.stdout, b"")


@pytest.mark.parametrize("argv", [["gates"] * (protocol.MAX_ARGUMENTS + 1), ["gates", "--dir", "x" * 70_000]],
                         ids=["many", "long"])
def test_arguments_the_service_would_refuse_are_not_sent_to_it(service, capsys, argv):
    """The command line then reports them (a usage error, a missing folder), with no note before."""
    assert served(argv, place=service) is None
    assert capsys.readouterr() == ("", "")


def test_a_reader_that_left_early_ends_the_check_as_on_the_command_line(service):
    """``grade check | head``, with ``head`` gone before the output comes: quietly, exit code 1."""
    def closed_pipe(env: dict) -> tuple[int, bytes]:
        process = subprocess.Popen([str(GRADE), "check", "gates", "--dir", str(STUBS), "--seed", "1"], cwd=REPO,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.stdout.close()
        return process.wait(timeout=300), process.stderr.read()

    expected = closed_pipe(dict(os.environ))
    assert expected[0] == 1
    assert closed_pipe(served_env(service)) == expected


def test_a_working_folder_that_is_gone_or_no_stdout_costs_the_command_line_nothing(service, capsys, tmp_path,
                                                                                  monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert served(["gates"], place=service) is None  # the command then says what it can
    assert capsys.readouterr() == ("", "")
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(sys, "stdout", None)  # started with stdout closed: click prints nothing
    assert served(["gates", "--dir", str(SOLUTIONS)], place=service) == 0


@pytest.fixture(scope="module")
def honest_gates():
    """What the command line prints for correct gates code, seed 9."""
    expected = in_process("gates", "--dir", str(SOLUTIONS), "--seed", "9")
    assert expected.returncode == 0, expected.stderr
    return expected.stdout


@pytest.mark.parametrize("attack", ["kill_parent", "fork_bomb", "daemon", "fd_guessing", "ignore_sigxcpu"])
def test_a_hostile_check_gains_nothing_and_the_next_honest_one_is_answered_right(service, attack, make_submission,
                                                                                 honest_gates, tmp_path, capsys):
    """From ``tests/adversarial``: the attack aims at the service (``kill_parent`` at its pid)."""
    service_pid = int(Path(service.lock).read_text())
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = build_attack(attack, make_submission, "svc" + uuid.uuid4().hex[:10], outside, port=9,
                          grader_pid=service_pid)
    assert served(["gates", "--dir", str(folder), "--seed", "9"], place=service) == 1
    out = capsys.readouterr().out
    assert "Total: 1/3" in out and "✓ sigmoid" in out, out  # the honest sigmoid only
    assert os.path.exists(f"/proc/{service_pid}") and list(outside.iterdir()) == []
    assert served(["gates", "--dir", str(SOLUTIONS), "--seed", "9"], place=service) == 0
    assert capsys.readouterr().out == honest_gates


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _endless_gates(folder: Path) -> Path:
    """Correct gates code but a ``gate`` that never returns: each call runs to its time limit."""
    folder.mkdir()
    (folder / "gates.py").write_text((SOLUTIONS / "gates.py").read_text()
                                     + "\n\ndef gate(x, h_prev, W, U, b):\n    while True:\n        pass\n")
    return folder


def test_a_check_whose_client_hung_up_is_given_up_and_the_next_one_answered(service, tmp_path, capsys, honest_gates):
    """Ctrl-C in ``grade check`` closes its connection: the service stops that check (and so the
    fork-server that ran it) instead of keeping the next check waiting for it."""
    service_pid = int(Path(service.lock).read_text())
    fork_server = _children(service_pid)
    endless = _endless_gates(tmp_path / "endless")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(service.socket)
        frames.write_frame(connection.fileno(), protocol.encode(
            {"argv": ["gates", "--dir", str(endless)], "cwd": "/", "colour": False}))
        time.sleep(1.0)  # the gate is running now
    assert served(["gates", "--dir", str(SOLUTIONS), "--seed", "9"], place=service) == 0
    assert capsys.readouterr().out == honest_gates
    assert _children(service_pid) != fork_server  # the abandoned check was stopped, not run out


def _raw_exchange(place: Place, data: bytes) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(place.socket)
        connection.sendall(data)
        body = protocol.read_message(connection.fileno(), 60, protocol.MAX_REPLY_BYTES, "the service")
    return json.loads(body)


@pytest.mark.parametrize("data", [
    frames.LENGTH.pack(5) + b"hello",                                   # not JSON
    frames.LENGTH.pack(2) + b"[]",                                      # not an object
    frames.LENGTH.pack(1 << 40),                                        # a length far over the limit
    frames.LENGTH.pack(40) + json.dumps({"argv": "gru", "cwd": "/", "colour": 1}).encode(),  # wrong types
], ids=["not-json", "not-object", "huge-length", "wrong-fields"])
def test_a_bad_request_is_answered_with_an_error_and_costs_the_next_one_nothing(service, capsys, data):
    assert "error" in _raw_exchange(service, data)
    assert served(["gates", "--dir", str(SOLUTIONS), "--seed", "1"], place=service) == 0
    assert "Total:" in capsys.readouterr().out


def test_a_check_the_service_could_not_run_is_a_one_line_note(service):
    """Its traceback stays in the service: the command that checks instead shows its own."""
    request = protocol.encode({"argv": ["gates"], "cwd": "/no/such/folder", "colour": False})
    reply = _raw_exchange(service, frames.LENGTH.pack(len(request)) + request)
    assert "Traceback" in reply["error"]
    with pytest.raises(protocol.ProtocolError) as raised:
        protocol.decode_reply(protocol.encode(reply))
    assert "\n" not in str(raised.value) and str(raised.value).endswith("'/no/such/folder'")


def test_a_silent_client_is_dropped_after_the_request_deadline(service, capsys):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(service.socket)
        connection.sendall(frames.LENGTH.pack(100) + b"{")  # and then nothing
        body = protocol.read_message(connection.fileno(), 60, protocol.MAX_REPLY_BYTES, "the service")
    assert "did not answer in time" in json.loads(body)["error"]
    assert served(["gates", "--dir", str(SOLUTIONS), "--seed", "1"], place=service) == 0


ASK_THE_SERVICE = """
import json
import socket
import struct

def ask(path, argv):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(60)
            connection.connect(path)
            request = json.dumps({"argv": argv, "cwd": "/", "colour": False}).encode()
            connection.sendall(struct.pack(">Q", len(request)) + request)
            reply = b""
            while chunk := connection.recv(1 << 16):
                reply += chunk
    except OSError as exc:
        return f"refused: {exc}"
    return reply[8:].decode()
"""


def _no_new_privileges() -> bool:
    return "NoNewPrivs:\t1" in Path("/proc/self/status").read_text()


@pytest.mark.parametrize("without", [(), ("seccomp", "identity")], ids=["full-sandbox", "no-seccomp-same-uid"])
def test_learner_code_in_a_sandbox_cannot_have_the_service_check_anything(service, tmp_path, without, capsys):
    """Through the real sandbox: every layer keeps the child from the socket (the uid drop from the
    folder, seccomp from socket()); where neither is there (no libseccomp, a user who is not root),
    the service itself refuses it: a sandboxed process has no_new_privs set and the service has not."""
    if _no_new_privileges():
        pytest.skip("these tests run with no_new_privs set: a sandbox child cannot be told from them")
    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / "gates.py").write_text(ASK_THE_SERVICE)
    argv = ["gates", "--dir", str(SOLUTIONS), "--seed", "1"]
    with ForkServer(without=without, symbolic=False) as sandbox:
        outcome = sandbox.run(learner, [Call("gates", "ask", (service.socket, argv))]).outcomes[0]
    assert outcome.ok, outcome.message
    assert "Total" not in outcome.value
    assert served(argv, place=service) == 0 and "Total: 3/3" in capsys.readouterr().out


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can connect as another user")
def test_another_user_who_reaches_the_socket_is_not_answered(service, capsys):
    """Its folder keeps other users out; were it opened to them, the peer's uid still would."""
    folders = Path(service.socket).parents[:2]  # deep-rnn-grader/ and the runtime folder above it
    body = protocol.encode({"argv": ["gates", "--dir", str(SOLUTIONS)], "cwd": "/", "colour": False})
    code = ("import socket, sys\n"
            "with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:\n"
            "    connection.settimeout(60)\n"
            "    connection.connect(sys.argv[1])\n"
            "    try:\n"
            "        connection.sendall(bytes.fromhex(sys.argv[2]))\n"
            "        print(len(connection.recv(1 << 16)))\n"
            "    except (BrokenPipeError, ConnectionResetError):  # closed with the request unread\n"
            "        print(0)\n")
    try:
        for folder in folders:
            os.chmod(folder, 0o711)
        os.chmod(service.socket, 0o666)
        other = subprocess.run([shutil.which("python3", path="/usr/bin:/bin") or sys.executable, "-I", "-c", code,
                                service.socket, (frames.LENGTH.pack(len(body)) + body).hex()],
                               user=65534, group=65534, cwd="/", capture_output=True, text=True, timeout=120)
    finally:
        for folder in folders:
            os.chmod(folder, 0o700)
        os.chmod(service.socket, 0o600)
    assert (other.returncode, other.stdout.strip()) == (0, "0"), other.stderr  # connected, then closed unanswered
    assert served(["gates", "--dir", str(SOLUTIONS), "--seed", "1"], place=service) == 0
    assert "Total: 3/3" in capsys.readouterr().out


def test_the_command_line_starts_a_service_and_the_next_check_uses_it(runtime, capsys):
    first = in_process("gates", "--dir", str(SOLUTIONS), "--seed", "4")
    assert first.returncode == 0, first.stderr
    place = current_place()
    assert place is not None and Path(place.socket).parent == runtime / "deep-rnn-grader"
    try:
        wait_for(lambda: os.path.exists(place.socket))
        assert served(["gates", "--dir", str(SOLUTIONS), "--seed", "4"]) == 0
        assert capsys.readouterr().out == first.stdout
        second = in_process("gates", "--dir", str(SOLUTIONS), "--seed", "4")
        assert (second.returncode, second.stdout) == (0, first.stdout)
    finally:
        stop(place)


def test_switched_off_nothing_is_asked_or_started(runtime, monkeypatch):
    monkeypatch.setenv(SWITCH, "0")
    assert current_place() is None
    assert served(["gates", "--dir", str(SOLUTIONS)]) is None
    assert in_process("gates", "--dir", str(SOLUTIONS)).returncode == 0
    assert not (runtime / "deep-rnn-grader").exists() or not list((runtime / "deep-rnn-grader").iterdir())


def test_a_folder_others_may_open_is_not_used(runtime, capsys):
    (runtime / "deep-rnn-grader").mkdir(mode=0o700)
    assert private_folder() == str(runtime / "deep-rnn-grader")
    os.chmod(runtime / "deep-rnn-grader", 0o755)
    assert private_folder() is None and current_place() is None
    assert served(["gates", "--dir", str(SOLUTIONS)]) is None
    assert capsys.readouterr() == ("", "")


def test_a_stale_socket_is_not_answered_and_a_new_service_replaces_it(runtime, capsys):
    place = current_place()
    assert place is not None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(place.socket)  # a socket file nobody listens on any more
    assert served(["gates", "--dir", str(SOLUTIONS)], place=place) is None
    assert capsys.readouterr() == ("", "")  # a refused connection is no news
    try:
        start_service(place)
        wait_for(lambda: served(["gates", "--dir", str(SOLUTIONS), "--seed", "1"], place=place) == 0)
    finally:
        stop(place)


def test_a_second_service_for_the_same_place_leaves_at_once(service):
    second = subprocess.run([sys.executable, "-m", "grader.check_service", service.socket, service.lock],
                            cwd="/", capture_output=True, timeout=120)
    assert second.returncode == 0
    assert os.path.exists(service.socket)


def test_an_idle_service_exits_and_removes_its_socket_and_work_root(tmp_path):
    os.chmod(tmp_path, 0o700)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    name = tmp_path / f"check-{fingerprint()}"
    place = Place(f"{name}.sock", f"{name}.lock")
    process = subprocess.Popen([sys.executable, "-m", "grader.check_service", place.socket, place.lock],
                               cwd="/", env={**os.environ, IDLE_SWITCH: "1", "TMPDIR": str(scratch)})
    try:
        process.wait(timeout=240)
    finally:
        process.kill()
    assert process.returncode == 0
    assert not os.path.exists(place.socket)
    assert list(scratch.iterdir()) == []  # the fork-server's work root


@pytest.mark.parametrize("when", ["idle", "mid-request"])
def test_sigterm_stops_the_service_and_removes_all_it_made(tmp_path, when):
    runtime, scratch = tmp_path / "run", tmp_path / "tmp"
    runtime.mkdir(mode=0o700)
    scratch.mkdir()
    name = runtime / f"check-{fingerprint()}"
    place = Place(f"{name}.sock", f"{name}.lock")
    process = subprocess.Popen([sys.executable, "-m", "grader.check_service", place.socket, place.lock],
                               cwd="/", env={**os.environ, "TMPDIR": str(scratch)})  # the fork-server's work root
    try:
        wait_for(lambda: os.path.exists(place.socket) or process.poll() is not None)
        fork_servers = _children(process.pid)
        assert fork_servers and list(scratch.iterdir())
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            if when == "mid-request":  # a check that takes seconds
                endless = _endless_gates(tmp_path / "endless")
                connection.connect(place.socket)
                frames.write_frame(connection.fileno(), protocol.encode(
                    {"argv": ["gates", "--dir", str(endless)], "cwd": "/", "colour": False}))
                time.sleep(1.5)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    assert not os.path.exists(place.socket)
    assert list(scratch.iterdir()) == []  # the fork-server's work root, and any run's work dir
    assert not [pid for pid in fork_servers if os.path.exists(f"/proc/{pid}")]


def test_a_service_named_for_other_files_exits_at_its_first_wake(tmp_path):
    os.chmod(tmp_path, 0o700)
    place = Place(str(tmp_path / "check-000000000000000000000000.sock"), str(tmp_path / "x.lock"))
    process = subprocess.Popen([sys.executable, "-m", "grader.check_service", place.socket, place.lock],
                               cwd="/", env={**os.environ, IDLE_SWITCH: "2"})  # wakes every 2 s
    try:
        wait_for(lambda: os.path.exists(place.socket) or process.poll() is not None)
        process.wait(timeout=240)
    finally:
        process.kill()
    assert process.returncode == 0


def test_the_fingerprint_follows_the_files_and_not_their_caches(tmp_path):
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    source = tmp_path / "pkg" / "module.py"
    source.write_text("x = 1\n")
    roots = (str(tmp_path / "pkg"),)
    before = fingerprint(roots)
    (tmp_path / "pkg" / "__pycache__" / "module.pyc").write_bytes(b"cache")
    assert fingerprint(roots) == before
    source.write_text("x = 2\n")  # the same size: the modification time tells
    os.utime(source, ns=(1, 10**18))
    assert fingerprint(roots) != before


@pytest.mark.parametrize("setting", ["DEEP_RNN_GRADER_SANDBOX_SYMPY", "GRADER_SUBMISSION_WALL_SECONDS",
                                     "GRADER_SUBMISSION_CPU_SECONDS"])
def test_a_setting_the_check_reads_from_the_environment_names_another_service(monkeypatch, setting):
    """The service reads its settings once, at its start: a check with other settings needs its own."""
    monkeypatch.delenv(setting, raising=False)
    before = fingerprint()
    monkeypatch.setenv(setting, "7")
    assert fingerprint() != before
    monkeypatch.setenv(IDLE_SWITCH, "9")  # the service's own settings name no other service
    monkeypatch.setenv(SWITCH, "1")
    after = fingerprint()
    monkeypatch.setenv(IDLE_SWITCH, "10")
    monkeypatch.setenv(SWITCH, "0")
    assert fingerprint() == after


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_any_bytes_are_a_request_or_a_protocol_error(body):
    try:
        request = protocol.decode_request(body)
    except protocol.ProtocolError:
        return
    assert all(isinstance(a, str) for a in request.argv) and request.cwd.startswith("/")


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                           max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["argv", "cwd", "colour", "stdout", "stderr", "code", "error"]), json_values))
def test_any_json_object_is_a_message_or_a_protocol_error(message):
    body = json.dumps(message).encode()
    for decode in (protocol.decode_request, protocol.decode_reply):
        try:
            decoded = decode(body)
        except protocol.ProtocolError:
            continue
        if decode is protocol.decode_reply:
            assert 0 <= decoded.code <= 255 and isinstance(decoded.stdout, str)
