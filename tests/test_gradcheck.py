"""The learners' gradient-check helper: right gradients pass, each wrong one is named, and the
command line checks the ``exercises/`` folder of the current directory."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.gradcheck import PAIRS, check_exercise, gradient_check, numerical_gradient, random_case
from grader.misconceptions import by_id
from grader.misconceptions.variants import variant_modules
from solutions import backprop
from solutions.lstm import lstm_cell

REPO = Path(__file__).resolve().parent.parent


def test_numerical_gradient_of_a_known_function():
    x = np.linspace(-2.0, 2.0, 7).reshape(7, 1)
    grad = numerical_gradient(lambda: float(np.sum(np.sin(x) * 3.0)), x)
    np.testing.assert_allclose(grad, 3.0 * np.cos(x), atol=1e-8)
    np.testing.assert_array_equal(x, np.linspace(-2.0, 2.0, 7).reshape(7, 1))  # restored


@pytest.mark.parametrize("function", list(PAIRS))
def test_the_references_pass(function):
    rows = check_exercise(function, package="solutions", seed=3)
    assert rows and all(row.ok for row in rows), [r for r in rows if not r.ok]


@pytest.mark.parametrize("misconception_id,function,wrong", [
    ("drop_forget_from_dc_prev", "lstm_cell_backward", {"dc_prev"}),
    ("drop_reset_path", "gru_cell_backward", {"dx", "dh_prev", "∂L/∂W_r", "∂L/∂U_r", "∂L/∂b_r"}),
    ("drop_keep_term", "gru_cell_backward", {"dh_prev"}),
    ("overwrite_grads_over_time", "rnn_backward", {"∂L/∂W_x", "∂L/∂W_h", "∂L/∂b"}),
])
def test_a_wrong_backward_is_caught_exactly_where_it_is_wrong(misconception_id, function, wrong):
    modules = variant_modules(by_id(misconception_id))
    module, forward_name, _, _ = PAIRS[function]
    args, upstream = random_case(function, seed=5)
    rows = gradient_check(getattr(modules["backprop"], function), getattr(modules[module], forward_name),
                          args, upstream)
    assert {row.name for row in rows if not row.ok} == wrong


def test_a_wrong_shape_is_reported_not_raised():
    args, upstream = random_case("lstm_cell_backward")

    def transposed(dh, dc, x, h_prev, c_prev, params):
        dx, dh_prev, dc_prev, grads = backprop.lstm_cell_backward(dh, dc, x, h_prev, c_prev, params)
        return dx.T, dh_prev, dc_prev, grads

    rows = gradient_check(transposed, lstm_cell, args, upstream)
    assert [row.name for row in rows if not row.ok] == ["dx"] and "shape" in rows[0].problem


def _exercises_folder(tmp_path: Path, backprop_source: Path) -> Path:
    folder = tmp_path / "exercises"
    folder.mkdir(parents=True)
    for path in (REPO / "solutions").glob("*.py"):
        shutil.copyfile(path, folder / path.name)
    shutil.copyfile(backprop_source, folder / "backprop.py")
    return tmp_path


def test_the_command_line_passes_right_code_and_fails_a_stub(tmp_path):
    right = _exercises_folder(tmp_path / "right", REPO / "solutions" / "backprop.py")
    run = subprocess.run([sys.executable, "-m", "grader.gradcheck", "lstm_cell_backward"], cwd=right,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "✓ dc_prev" in run.stdout and "✓ ∂L/∂U_f" in run.stdout
    stub = _exercises_folder(tmp_path / "stub", REPO / "exercises" / "backprop.py")
    run = subprocess.run([sys.executable, "-m", "grader.gradcheck"], cwd=stub, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and "lstm_backward: not implemented yet" in run.stdout
