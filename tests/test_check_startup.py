"""What ``grade check`` skips to answer fast, and that skipping it changes no grade.

A run with no symbolic check starts its fork-server without SymPy, the trusted process imports
neither SymPy nor the other exercises' suites, and public-only grading does not probe the sandbox
layers with an extra empty run (the session's own report records them).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from grader.engine import grade_submission
from grader.sandbox.client import Call, ForkServer
from grader.suites import select_checks

REPO = Path(__file__).resolve().parents[1]


def _sympy_probe(tmp_path: Path) -> Path:
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "gates.py").write_text(textwrap.dedent("""
        import sys
        import numpy as np

        def sigmoid(a):
            return np.array(float("sympy" in sys.modules))
    """))
    return folder


def test_a_fork_server_without_symbolic_calls_does_not_preload_sympy(tmp_path):
    folder = _sympy_probe(tmp_path)
    call = [Call("gates", "sigmoid", (np.zeros(2),))]
    with ForkServer(symbolic=False) as lean, ForkServer() as full:
        assert lean.run(folder, call).outcomes[0].value == 0.0
        assert full.run(folder, call).outcomes[0].value == 1.0


def test_symbolic_checks_still_grade_right_on_a_fork_server_without_sympy():
    checks = select_checks(["param_count"])
    assert any(c.kind == "symbolic" for c in checks)
    with ForkServer(symbolic=False) as lean:
        result = grade_submission(REPO / "solutions", "ref", checks, sandbox=lean, seed=3, trusted_code=True)
    assert result.max_score > 0 and result.score == result.max_score, [c.message for c in result.checks]


def test_public_only_grading_records_the_layers_of_its_own_run():
    with ForkServer() as sandbox:
        result = grade_submission(REPO / "solutions", "ref", select_checks(["gates"], ("public",)),
                                  sandbox=sandbox, seed=1)
        assert sandbox._layers is None  # no probe run was made ...
        probed = sandbox.layers()
    assert result.sandbox == probed  # ... and the run's own layers are recorded


def test_grade_check_of_one_exercise_imports_neither_sympy_nor_other_suites(tmp_path):
    script = (f"import sys; from grader.cli import main\n"
              f"try:\n    main(['check', 'gru', '--dir', {str(REPO / 'solutions')!r}])\n"
              f"except SystemExit as end:\n    code = end.code\n"
              f"print('CODE', code, 'sympy' in sys.modules, 'grader.suites.lstm' in sys.modules,"
              f" 'grader.exam.bank' in sys.modules, 'grader.batch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.stdout.strip().splitlines()[-1] == "CODE 0 False False False False", done.stdout + done.stderr
