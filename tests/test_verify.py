"""The mutation report of ``grade verify``: every misconception loses points, and a suite that stops
catching one makes the report (and the command) fail."""
from __future__ import annotations

from click.testing import CliRunner

import grader.verify
from grader.cli.verify import verify
from grader.misconceptions import by_id
from grader.suites import select_checks
from grader.verify import mutation_report

LARGE_INPUTS = "gates.sigmoid: large pre-activations up to ±1e4 without overflow"


def test_the_mutation_report_catches_and_names_each_misconception_on_every_seed(sandbox):
    chosen = [by_id("swap_update_gate"), by_id("concat_order_swapped"), by_id("bias_counted_once")]
    report = mutation_report([1, 2], sandbox=sandbox, misconceptions=chosen)
    assert report.ok and not report.survivors and not report.unnamed
    assert len(report.rows) == 6 and all(row.caught_by for row in report.rows)
    table = report.table()
    for m in chosen:
        assert m.id in table
    assert "2/2" in table


def test_a_misconception_made_undetectable_is_a_survivor(sandbox):
    weakened = [c for c in select_checks() if c.check_id != LARGE_INPUTS]
    report = mutation_report([1], sandbox=sandbox, checks=weakened, misconceptions=[by_id("naive_sigmoid_overflow")])
    assert not report.ok
    assert report.survivors == ["naive_sigmoid_overflow (seed 1)"]
    assert "✗ 0/1" in report.table()


def test_grade_verify_exits_non_zero_on_a_survivor(monkeypatch):
    weakened = [c for c in select_checks() if c.check_id != LARGE_INPUTS]
    monkeypatch.setattr(grader.verify, "select_checks", lambda *args, **kwargs: list(weakened))
    outcome = CliRunner().invoke(verify, ["--seeds", "1", "-m", "naive_sigmoid_overflow"])
    assert outcome.exit_code == 1, outcome.output
    assert "misconception survives: naive_sigmoid_overflow (seed 1)" in outcome.output


def test_grade_verify_passes_with_the_full_suite():
    outcome = CliRunner().invoke(verify, ["--seeds", "1", "-m", "reset_after_matmul", "-m", "sum_directions"])
    assert outcome.exit_code == 0, outcome.output
    assert "misconception × caught-by" in outcome.output and "verify passed." in outcome.output


def test_an_unknown_misconception_id_is_a_usage_error():
    outcome = CliRunner().invoke(verify, ["--seeds", "1", "-m", "no_such_thing"])
    assert outcome.exit_code == 2 and "swap_update_gate" in outcome.output
