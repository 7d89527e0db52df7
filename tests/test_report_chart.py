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


def test_count_ticks_are_whole_round_numbers_covering_the_largest_count():
    from grader.report.plots import count_ticks
    assert count_ticks(0) == [0, 1] and count_ticks(1) == [0, 1]
    assert count_ticks(7) == [0, 2, 4, 6, 8]
    assert count_ticks(461) == [0, 100, 200, 300, 400, 500]
    for n in (3, 9, 13, 99, 1000, 12345):
        ticks = count_ticks(n)
        assert ticks[0] == 0 and ticks[-1] >= n and len(ticks) <= 6 and all(isinstance(t, int) for t in ticks)


def test_score_bins_count_boundaries_once_and_100_in_the_last_bin():
    from grader.report.plots import bin_counts, score_bins
    assert score_bins(10)[-1] == (90, 100) and len(score_bins(5)) == 20
    assert bin_counts([0, 9.99, 10, 100 * 3 / 10, 99.9, 100], 10) == [2, 1, 0, 1, 0, 0, 0, 0, 0, 2]
    assert sum(bin_counts([i / 7 for i in range(701)], 5)) == 701


def test_long_bar_names_are_shortened_on_the_chart_but_kept_whole_in_its_text():
    from grader.report.plots import count_bars
    name = "a_very_long_misconception_identifier_that_would_not_fit_beside_the_bars_at_all"
    chart = count_bars([(name, 3), ("short", 1)], title="t", width=600)
    long_bar, short_bar = chart.bars
    assert long_bar.short_label.endswith("…") and len(long_bar.short_label) < len(name)
    assert name in long_bar.text and short_bar.short_label == "short"
    assert all(bar.x >= chart.label_x for bar in chart.bars)
