"""A handout names the same causes on the public checks as the full grader.

The handout's fixtures store, per public check, the localisation probes with their answers and the
outputs of every misconception that loses points there (never its code). Graded on the handout's
own fixtures through the real sandbox, the evidence stored there (``FixtureSource``) and the full
grader's (the references and variants) must give every check the same cause, message, hint and
root-cause note; and ``grade check`` run inside a built handout, in an interpreter that cannot see
the references, prints those causes.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from grader import engine
from grader.engine import grade_submission
from grader.fixtures import FixtureSet
from grader.handout import build_handout
from handout_env import isolated_interpreter
from test_third_party_feedback import (CS231N_SEQUENCE, D2L_GRU, INPUT_GATE_REUSES_FORGET, SHARED_UPPER,
                                       SHIFTED_RNN, SIGN_SLIP_GATES, TORCH_GRU)

FIXTURES = "grader/public_fixtures"


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    return build_handout(tmp_path_factory.mktemp("build") / "handout", seed=11).out


def _diagnosis(result):
    """Everything diagnosis adds, with the sandbox's private run folders (which differ per run) left out."""
    return ([(c.check_id, c.score, c.details.get("misconception"), c.details.get("root_cause"), c.hint,
              re.sub(r"/\S*/run-[^/]+/", "", c.message)) for c in result.checks], result.exercise_notes)


@pytest.mark.parametrize("files", [
    {"gru.py": D2L_GRU}, {"gru.py": TORCH_GRU}, {"sequence.py": CS231N_SEQUENCE}, {"gates.py": SIGN_SLIP_GATES},
    {"lstm.py": INPUT_GATE_REUSES_FORGET}, {"sequence.py": SHIFTED_RNN}, {"stacked.py": SHARED_UPPER},
], ids=["d2l_gru", "torch_gru", "cs231n_lstm", "sigmoid_sign", "input_gate_forget_weights", "shifted_outputs",
        "shared_layers"])
def test_the_stored_evidence_names_what_the_full_grader_names(files, handout, make_submission, sandbox,
                                                               monkeypatch):
    fixtures = FixtureSet.load(handout / FIXTURES)
    checks = fixtures.checks()
    folder = make_submission(files)
    full = grade_submission(folder, "learner", checks, sandbox=sandbox, seed=0, preparer=fixtures)
    with monkeypatch.context() as patch:
        patch.setattr(engine, "solutions_available", lambda: False)  # as in a handout
        local = grade_submission(folder, "learner", checks, sandbox=sandbox, seed=0, preparer=fixtures)
    assert any("misconception" in c.details for c in full.checks) or full.exercise_notes
    assert _diagnosis(local) == _diagnosis(full)


def test_stored_evidence_holds_outputs_and_messages_not_code(handout):
    text = b"".join(p.read_bytes() for p in (handout / FIXTURES).glob("*.wire"))
    assert b"keep-gate convention of Dive into Deep Learning" in text  # the message travels
    for code in (b"def gru_cell_swapped_update", b"return z * h_prev", b"import numpy", b"lambda"):
        assert code not in text


def test_grade_check_in_a_built_handout_names_the_cause(handout, tmp_path_factory):
    python = isolated_interpreter(tmp_path_factory.mktemp("venv") / "env", handout)
    work = tmp_path_factory.mktemp("learner")
    (work / "gru.py").write_text(D2L_GRU)  # self-contained: its own sigmoid
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LC_ALL": "C.UTF-8"}
    result = subprocess.run([str(python), "-I", "-m", "grader.cli", "check", "gru", "--dir", str(work)],
                            cwd=handout, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "✗ gru_cell" in out
    assert "Likely cause: This matches another source's convention: h = z ⊙ h_prev + (1 − z) ⊙ h~" in out
    assert "Dive into Deep Learning" in out and "σ(−a) = 1 − σ(a)" in out
