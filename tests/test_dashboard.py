"""The class dashboard: plots embedded as PNG, misconceptions ranked (or their absence said), failing and slow lists."""
from __future__ import annotations

import base64
import re

from grader.model import CheckResult, SubmissionResult
from grader.report.dashboard import dashboard_context, misconceptions, render_dashboard


def _check(exercise, score, status="passed", misconception=None, error_kind=None):
    details = {}
    if misconception:
        details["misconception"] = {"id": misconception, "feedback": "…"}
    if error_kind:
        details["error_kind"] = error_kind
    return CheckResult(exercise, "f", f"check {exercise} {score}", score, 2.0, status, details=details)


def _class():
    return [
        SubmissionResult("ada", [_check("gru", 2), _check("lstm", 2)], duration_s=0.2),
        SubmissionResult("chen", [_check("gru", 0, "failed", "swap_update_gate"),
                                  _check("lstm", 1, "failed", "cell_state_not_carried")], duration_s=0.4),
        SubmissionResult("li", [_check("gru", 0, "failed", "swap_update_gate"), _check("lstm", 2)], duration_s=3.5),
        SubmissionResult("ben", [_check("gru", 2), _check("lstm", 0, "error", error_kind="not_implemented")]),
        SubmissionResult("dana", [_check("gru", 0, "error", error_kind="import"),
                                  _check("lstm", 0, "error", error_kind="timeout")], duration_s=9.0),
    ]


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_dashboard_embeds_png_plots_and_ranks_misconceptions():
    html = render_dashboard(_class(), failures={"eve": "the archive is not a zip"})
    images = _images(html)
    assert len(images) == 3 and all(image.startswith(b"\x89PNG\r\n\x1a\n") for image in images)
    assert html.index("swap_update_gate") < html.index("cell_state_not_carried")  # 2 learners before 1
    ranked = misconceptions(_class())
    assert [(m.id, m.learners) for m in ranked] == [("swap_update_gate", 2), ("cell_state_not_carried", 1)]


def test_failing_and_slowest_submissions_are_listed():
    context = dashboard_context(_class(), failures={"eve": "the archive is not a zip"})
    assert [row["learner"] for row in context["failing"]] == ["eve", "dana"]
    assert "import" in context["failing"][1]["why"] and "timeout" in context["failing"][1]["why"]
    assert [r.learner for r, _ in context["slowest"]][:2] == ["dana", "li"]
    html = render_dashboard(_class(), failures={"eve": "the archive is not a zip"})
    assert "the archive is not a zip" in html


def test_results_without_misconceptions_say_so():
    plain = [SubmissionResult("ada", [_check("gru", 2)]), SubmissionResult("ben", [_check("gru", 0, "failed")])]
    html = render_dashboard(plain)
    assert "No check recorded a matched misconception" in html
    assert len(_images(html)) == 2  # total and per-exercise only
    assert render_dashboard([])  # an empty class renders too
