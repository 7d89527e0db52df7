"""The handout works on its own: ``grade check`` and ``grade submit`` run where ``solutions/`` cannot be found.

Every command runs as ``python -I -m grader.cli`` with cwd = the handout, in an interpreter that sees
the handout and the libraries only (``handout_env``: why that isolation is sound).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from grader.archive import extract_submission
from grader.catalog import EXERCISE_FILES, EXERCISES
from grader.check_service.place import IDLE_SWITCH, SWITCH
from grader.handout import build_handout
from handout_env import isolated_interpreter

REPO = Path(__file__).resolve().parents[1]
INDEX = "grader/public_fixtures/index.json"


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    return build_handout(tmp_path_factory.mktemp("build") / "handout", seed=11).out


@pytest.fixture(scope="module")
def python(tmp_path_factory, handout) -> Path:
    """A fresh interpreter that sees the handout and the libraries, and nothing of the repository."""
    return isolated_interpreter(tmp_path_factory.mktemp("venv") / "env", handout)


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LC_ALL": "C.UTF-8"}
    return subprocess.run([str(python), "-I", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def grade(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run(python, cwd, "-m", "grader.cli", *args)


def total_points(handout: Path, exercise: str | None = None) -> float:
    entries = json.loads((handout / INDEX).read_text())["checks"]
    return sum(e["points"] for e in entries if exercise in (None, e["exercise"]))


def test_the_interpreter_sees_the_handout_and_no_references(python, handout):
    probe = run(python, handout, "-c", "import grader, importlib.util as u; "
                "print(grader.__file__); print(u.find_spec('solutions')); print(u.find_spec('grader.suites.gru'))")
    assert probe.returncode == 0, probe.stderr
    where, solutions, suite = probe.stdout.split()
    assert Path(where).is_relative_to(handout)
    assert solutions == "None" and suite == "None"


def test_only_the_learner_commands_exist(python, handout):
    shown = grade(python, handout, "--help")
    assert shown.returncode == 0, shown.stderr
    assert all(name in shown.stdout for name in ("check", "submit", "doctor", "quiz"))
    assert not any(f"  {name} " in shown.stdout for name in ("batch", "verify", "handout", "exam", "gradescope"))


def test_the_practice_quiz_runs_on_conceptual_questions_without_the_bank(python, handout):
    assert not (handout / "grader/exam/bank.py").exists() and not (handout / "grader/exam/grading.py").exists()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(handout), "LC_ALL": "C.UTF-8"}
    done = subprocess.run([str(python), "-I", "-m", "grader.cli", "quiz", "-n", "4", "--seed", "9"], cwd=handout,
                          env=env, input="s\nA\ntrue\nq\n", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Question 1/4" in out and "Skipped. The answer is" in out and "You answered" in out
    assert "· numeric" not in out and "· formula" not in out
    topics = grade(python, handout, "quiz", "--list-topics")
    from grader.exam.bank import TOPICS
    assert topics.returncode == 0 and all(key in topics.stdout for key in TOPICS)


def test_practice_questions_are_the_banks_and_score_as_on_an_exam(handout):
    from grader.exam.bank import BANK
    from grader.exam.practice import load_practice
    from grader.exam.scoring import score_answer
    from grader.exam.variant import derived_rng

    topics, variants = load_practice(handout / "grader/exam/practice_quiz.json")
    assert variants and {v.kind for v in variants} <= {"single", "multi", "tf"}
    conceptual = [q for q in BANK.values() if q.kind in ("single", "multi", "tf")]
    assert len(variants) == len(conceptual)
    for variant in variants:
        assert variant.to_dict() == BANK[variant.qid].variant(derived_rng("practice", variant.qid)).to_dict()
        right = ",".join(variant.answer) if variant.kind == "multi" else str(variant.answer)
        assert score_answer(variant, right).status == "passed"
        assert score_answer(variant, "" if variant.kind != "tf" else str(not variant.answer)).status == "failed"


def test_a_handout_without_the_quiz_says_so(tmp_path):
    bare = build_handout(tmp_path / "bare", seed=2, quiz=False).out
    python = isolated_interpreter(tmp_path / "env", bare)
    done = grade(python, bare, "quiz")
    assert done.returncode == 1 and "built with --no-quiz" in done.stderr


def test_stubs_fail_every_public_check_with_not_implemented(python, handout):
    result = grade(python, handout, "check")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert f"Total: 0/{total_points(handout):g}" in out
    assert out.count("is not implemented yet") == len(json.loads((handout / INDEX).read_text())["checks"])
    assert "Hidden checks with fresh random inputs run when your submission is graded" in out
    assert all(name in out for name in EXERCISES)


def test_a_correct_solution_passes_every_public_check(python, handout, tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    for name in EXERCISE_FILES:
        shutil.copyfile(REPO / "solutions" / name, folder / name)
    result = grade(python, handout, "check", "--dir", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Total: {total_points(handout):g}/{total_points(handout):g}" in result.stdout
    one = grade(python, handout, "check", "gru", "--dir", str(folder))
    assert one.returncode == 0 and "lstm" not in one.stdout
    assert f"Total: {total_points(handout, 'gru'):g}/{total_points(handout, 'gru'):g}" in one.stdout


def test_a_wrong_answer_gets_the_full_graders_feedback(python, handout, tmp_path):
    folder = tmp_path / "wrong"
    folder.mkdir()
    text = (REPO / "solutions/gates.py").read_text()
    (folder / "gates.py").write_text(text + "\n\n_right = gate\n\ndef gate(x, h_prev, W, U, b):\n"
                                     "    return 0.9 * _right(x, h_prev, W, U, b)\n")
    result = grade(python, handout, "check", "gates", "--dir", str(folder))
    assert result.returncode == 1
    out = result.stdout
    assert "✓ sigmoid" in out and "✗ gate" in out
    assert "differ" in out and "Hint: A gate is σ(x Wᵀ + h_prev Uᵀ + b)" in out


def test_the_handouts_check_service_answers_as_the_command_line(python, handout, tmp_path):
    """``grade check`` in the handout: the first one runs in the command and starts the service (in
    the handout's interpreter), the next is answered by it, with the note and the report in the
    order the command line prints them."""
    runtime = Path(tempfile.mkdtemp(prefix="ho-", dir="/tmp"))  # a short path: socket paths are short
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LC_ALL": "C.UTF-8",
           "XDG_RUNTIME_DIR": str(runtime), IDLE_SWITCH: "120"}
    ask = ("import sys; from grader.check_service.client import served; "
           "print('served' if served(sys.argv[1:]) is not None else 'not served')")

    def grade_check(program: str, switch: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(python), "-I", "-c", program, "check", "gates", "--seed", "3"], cwd=handout,
                              env={**env, SWITCH: switch}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=300)

    try:
        command_line = grade_check("import sys; from grader.cli.entry import main; main()", "0")
        assert "Note: --seed has no effect here" in command_line.stdout
        first = grade_check("import sys; from grader.cli.entry import main; main()", "1")
        assert (first.returncode, first.stdout) == (command_line.returncode, command_line.stdout)
        sockets = runtime / "deep-rnn-grader"
        deadline = time.monotonic() + 180
        while not list(sockets.glob("*.sock")) and time.monotonic() < deadline:
            time.sleep(0.2)
        answered = subprocess.run([str(python), "-I", "-c", ask, "gates", "--seed", "3"], cwd=handout,
                                  env={**env, SWITCH: "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=300)
        assert answered.stdout == command_line.stdout + "served\n"
    finally:
        for lock in (runtime / "deep-rnn-grader").glob("*.lock"):  # the service's pid is written there
            with contextlib.suppress(OSError, ValueError):
                pid = int(lock.read_text())
                if pid > 0:
                    os.kill(pid, signal.SIGTERM)
        shutil.rmtree(runtime, ignore_errors=True)


def test_submit_from_the_handout_makes_an_archive_the_grader_accepts(python, handout, tmp_path):
    result = grade(python, handout, "submit", "--learner", "ada_l", "--out", str(tmp_path / "ada_l.zip"))
    assert result.returncode == 0, result.stderr
    assert "Missing: none" in result.stdout
    extracted = extract_submission(tmp_path / "ada_l.zip", tmp_path)
    assert extracted.learner == "ada_l"
    with zipfile.ZipFile(tmp_path / "ada_l.zip") as archive:
        assert sorted(archive.namelist()) == sorted([*EXERCISE_FILES, "MANIFEST.json"])
    for name in EXERCISE_FILES:
        assert (extracted.path / name).read_bytes() == (handout / "exercises" / name).read_bytes()


def test_an_uninstalled_handout_says_how_to_install(handout):
    """The project's python with PYTHONPATH=handout: the sandbox would start the repository's grader."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(handout), "LC_ALL": "C.UTF-8"}
    result = subprocess.run([sys.executable, "-m", "grader.cli", "check"], cwd=handout, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "pip install -e ." in result.stderr


def test_gradient_tools_run_in_the_handout_without_references(python, handout, tmp_path):
    folder = tmp_path / "work" / "exercises"
    folder.mkdir(parents=True)
    for name in (*EXERCISE_FILES, "__init__.py"):  # a package, as the handout's exercises/ is
        shutil.copyfile(REPO / "solutions" / name, folder / name)
    checked = run(python, folder.parent, "-m", "grader.gradcheck", "gru_cell_backward")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "✓ ∂L/∂U_r" in checked.stdout
    explored = grade(python, folder.parent, "explore", "gradients", "--steps", "20")
    assert explored.returncode == 0, explored.stdout + explored.stderr
    assert "only your curves are drawn" in explored.stdout and " / –" in explored.stdout
    assert (folder.parent / "explore-gradients.html").read_text().count("<polyline") == 3
