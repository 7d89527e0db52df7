"""The result model: totals and the JSON round trip every report and export relies on."""
from __future__ import annotations

import json

from grader.model import CheckResult, SubmissionResult


def test_totals_of_thirds_add_up_to_whole_points():
    thirds = [CheckResult("lstm", "lstm_cell", f"case {i}", 2 / 3, 1, "failed") for i in range(3)]
    halves = [CheckResult("gru", "gru_cell", f"case {i}", 0.5, 1, "failed") for i in range(91)]
    assert SubmissionResult("kim", checks=thirds).score == 2.0
    assert SubmissionResult("kim", checks=thirds + halves).score == 47.5


def test_json_round_trip_keeps_every_field():
    check = CheckResult("gru", "gru_cell", "one step", 1.0, 2.0, "failed", message="h differs", visibility="hidden",
                        seed=3, hint="a small z keeps the old state", details={"misconception": {"id": "swap_update_gate"}})
    result = SubmissionResult("kim", checks=[check], seed=3, notes=["note"], sandbox={"landlock": "active"})
    back = SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back == result and back.score == 1.0 and back.max_score == 2.0
