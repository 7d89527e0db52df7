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


def test_to_dict_is_asdict_with_totals_and_shares_nothing_mutable():
    import dataclasses

    details = {"parts": [{"label": "h", "ok": False, "index": [0, 1], "shape": (2, 3)}],
               "error_over_time": {"forward": [0.0, 0.5]}, "misconception": {"id": "swap_update_gate"}}
    check = CheckResult("gru", "gru_cell", "one step", 1 / 3, 1.0, "failed", message="h differs", seed=3,
                        details=details)
    result = SubmissionResult("kim", checks=[check], seed=3, notes=["note"], sandbox={"landlock": "active"},
                              graded_at="2024-01-01T00:00:00+00:00", duration_s=0.25, grader_version="1")
    data = result.to_dict()
    expected = {**dataclasses.asdict(result), "score": result.score, "max_score": result.max_score}
    assert data == expected and list(data) == list(expected)
    assert list(data["checks"][0]) == list(dataclasses.asdict(check))
    assert data["checks"][0]["details"]["parts"][0]["shape"] == (2, 3)  # tuples stay tuples, as in asdict
    data["checks"][0]["details"]["parts"][0]["index"].append(9)
    data["notes"].append("more")
    data["sandbox"]["seccomp"] = "active"
    assert details["parts"][0]["index"] == [0, 1] and result.notes == ["note"] and result.sandbox == {"landlock": "active"}


def test_result_json_reads_back_to_the_result_with_one_check_per_line():
    import math

    import pytest

    from grader.report.render import render_json

    checks = [CheckResult("gru", "gru_cell", f"case {i}", 0.5, 1.0, "failed", message="line one\nline two",
                          details={"parts": [{"label": "h", "shape": [2, 3]}]}) for i in range(3)]
    result = SubmissionResult("kim", checks=checks, seed=3, notes=["a", "b"], sandbox={"landlock": "active"})
    text = render_json(result)
    assert json.loads(text) == json.loads(json.dumps(result.to_dict()))
    check_lines = [line for line in text.splitlines() if line.startswith('    {"exercise"')]
    assert len(check_lines) == 3 and all(json.loads(line.rstrip(","))["function"] == "gru_cell" for line in check_lines)
    assert SubmissionResult.from_dict(json.loads(text)) == result
    empty = SubmissionResult("kim")
    assert json.loads(render_json(empty)) == json.loads(json.dumps(empty.to_dict()))
    with pytest.raises(ValueError):  # a non-finite number never reaches the file
        render_json(SubmissionResult("kim", checks=[CheckResult("gru", "gru_cell", "x", math.nan, 1.0, "failed")]))
