"""``grade explore gradients``: the measured facts of the unit, the learner's code run in the sandbox
beside the references, the chart in the explorer's page and in the learner report."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader import explore as experiment
from grader.cli import main
from grader.cli.explore import render_page, terminal_summary
from grader.engine import grade_submission
from grader.judge import log_norm_curves
from grader.misconceptions import by_id
from grader.misconceptions.variants import write_submission
from grader.report.render import render_html
from grader.suites import select_checks
from solutions.gradient_flow import _step_jacobians

REPO = Path(__file__).resolve().parent.parent


def _reference(seed: int = experiment.DEFAULT_SEED):
    return experiment._reference_norms(experiment.explore_calls(seed))


def test_the_units_measured_facts_on_the_explorers_sequence():
    norms, cell_block = _reference()
    assert 1e-11 < norms["rnn"][0, 0] < 1e-9          # ‖∂h_60/∂h_0‖ ≈ 1e-10
    assert 3e-3 < cell_block < 3e-2                   # ‖∂c_60/∂c_0‖ ≈ 1e-2, forget bias 2
    assert norms["lstm"][0, 0] > 1e6 * norms["rnn"][0, 0]


def test_the_cell_block_is_the_c_rows_and_columns_of_the_jacobian_product():
    calls = experiment.explore_calls(steps=5)
    jacobians = _step_jacobians(*calls["lstm"])[:, 0]
    product = jacobians[4] @ jacobians[3] @ jacobians[2] @ jacobians[1] @ jacobians[0]
    _, cell_block = experiment._reference_norms(calls)
    assert cell_block == pytest.approx(np.linalg.norm(product[experiment.H:, experiment.H:]), rel=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_the_lstm_keeps_far_more_of_its_gradient_than_the_vanilla_rnn_on_any_sequence(seed):
    norms, _ = _reference(seed)
    assert norms["lstm"][0, 0] > 1e6 * norms["rnn"][0, 0]


def _solutions_as_exercises(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for path in (REPO / "solutions").glob("*.py"):
        if path.name != "__init__.py":
            shutil.copyfile(path, dest / path.name)
    return dest


def test_right_code_draws_the_reference_curves(tmp_path, sandbox):
    exploration = experiment.explore_gradients(_solutions_as_exercises(tmp_path / "ex"), sandbox=sandbox)
    assert [c.cell for c in exploration.cells] == ["rnn", "gru", "lstm"]
    for curves in exploration.cells:
        assert not curves.problem and len(curves.yours) == 60
        np.testing.assert_allclose(curves.yours, curves.reference, rtol=1e-9)
    summary = terminal_summary(exploration)
    assert re.search(r"vanilla RNN\s+(\S+) / \1\s+(\S+) / \2", summary)
    assert experiment.verdict(exploration) in summary
    page = render_page(exploration)
    assert page.count("<polyline") == 6 and page.count('stroke-dasharray="5 4" points=') == 3


def test_a_wrong_gradient_norms_shows_beside_the_reference(tmp_path, sandbox):
    folder = write_submission(by_id("shift_norms_one_step"), tmp_path / "shifted")
    exploration = experiment.explore_gradients(folder, sandbox=sandbox)
    rnn = exploration.cells[0]
    assert rnn.yours[0] == pytest.approx(np.log10(np.sqrt(experiment.H)))  # one step back: ‖I‖ = √H
    assert rnn.yours[1] == pytest.approx(rnn.reference[0])


def test_a_stub_is_reported_and_the_references_still_drawn(tmp_path, sandbox):
    folder = tmp_path / "stub"
    shutil.copytree(REPO / "exercises", folder)
    exploration = experiment.explore_gradients(folder, sandbox=sandbox)
    assert all(c.yours is None and "not implemented" in c.problem for c in exploration.cells)
    page = render_page(exploration)
    assert page.count("<polyline") == 3 and "not implemented" in page


def test_the_command_writes_the_page(tmp_path):
    folder = _solutions_as_exercises(tmp_path / "ex")
    out = tmp_path / "gradients.html"
    result = CliRunner().invoke(main, ["explore", "gradients", "--dir", str(folder), "--out", str(out),
                                       "--steps", "12"])
    assert result.exit_code == 0, result.output
    assert "Gradient flow over T = 12 steps" in result.output and out.read_text().count("<polyline") == 6


def test_the_learner_report_shows_the_public_gradient_norm_curves(tmp_path, sandbox):
    checks = select_checks(["gradient_flow"])
    folder = write_submission(by_id("transpose_jacobian"), tmp_path / "transposed")
    result = grade_submission(folder, "learner", checks, sandbox=sandbox, seed=4, trusted_code=True)
    charted = [c for c in result.checks if "log_norms" in c.details]
    assert sorted(c.details["log_norms"]["cell"] for c in charted) == ["gru", "lstm", "rnn"]
    assert all(c.visibility == "public" for c in charted)  # hidden values never reach a report
    html = render_html(result)
    assert 'class="gradient-chart"' in html and html.count('stroke-dasharray="5 4" points=') == 3


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 3)),
                  elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_any_learner_array_gives_drawable_or_missing_points(values):
    expected = np.abs(values) + 1.0
    curves = log_norm_curves("rnn", np.where(np.isfinite(expected), expected, 1.0), values)
    for point in curves["yours"]:
        assert point is None or np.isfinite(point)
    assert log_norm_curves("rnn", np.ones((values.shape[0] + 1, values.shape[1])), values)["yours"] is None
