"""The HTML report draws where a sequence output goes wrong, as an inline SVG chart."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.model import CheckResult, SubmissionResult
from grader.report.plots import error_over_time_chart
from grader.report.render import render_html


def failing_bidirectional_check() -> CheckResult:
    curves = {"forward": [0.0, 0.0, 0.0, 0.0], "backward": [0.0, 0.0, 0.31, 0.8]}
    return CheckResult("bidirectional", "bidirectional_forward", "GRU in both directions", 0, 2, "failed",
                       message="hs is not close to the reference", visibility="hidden", seed=4,
                       details={"parts": [{"label": "hs", "ok": False, "problem": "values",
                                           "error_over_time": curves, "first_bad_t": 2}]})


def test_chart_places_curves_and_the_first_wrong_step():
    chart = error_over_time_chart(failing_bidirectional_check())
    assert [s.name for s in chart.series] == ["forward", "backward"]
    forward, backward = chart.series
    assert len(backward.points) == 4
    # equal errors sit on one horizontal line; the largest error is highest on the page (smallest y)
    assert len({y for _, y in forward.points}) == 1
    assert min(backward.points, key=lambda p: p[1]) == backward.points[-1]
    assert chart.first_bad_x == backward.points[2][0]  # t = 3 (0-based 2)


def test_checks_without_a_time_axis_get_no_chart():
    plain = CheckResult("gru", "gru_cell", "one step", 0, 2, "failed",
                        details={"parts": [{"label": "h", "ok": False, "problem": "values"}]})
    assert error_over_time_chart(plain) is None


def test_report_embeds_a_well_formed_svg_chart():
    result = SubmissionResult(learner="kim", checks=[failing_bidirectional_check()], seed=4)
    html = render_html(result)
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 1
    root = ET.fromstring(svgs[0])
    namespace = {"s": "http://www.w3.org/2000/svg"}
    assert len(root.findall("s:polyline", namespace)) == 2
    assert any(line.get("stroke-dasharray") for line in root.findall("s:line", namespace))
    assert "hs: where the error starts" in root.find("s:title", namespace).text
