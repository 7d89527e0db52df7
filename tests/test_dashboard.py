"""The class dashboard: plots drawn as inline SVG (well-formed, true to the data, accessible), misconceptions
ranked (or their absence said), failing and slow lists, edge cases, and no matplotlib anywhere."""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from grader.model import CheckResult, SubmissionResult
from grader.report.dashboard import dashboard_context, misconceptions, render_dashboard

SVG = "{http://www.w3.org/2000/svg}"


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


def _svgs(html: str) -> list[ET.Element]:
    """Every inline SVG of the page, parsed as XML (a malformed one raises)."""
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def _bars(svg: ET.Element) -> list[ET.Element]:
    return svg.findall(f"{SVG}rect[@class='mark']")


def _title(svg: ET.Element) -> str:
    return svg.find(f"{SVG}title").text


def _chart(html: str, title_start: str) -> ET.Element:
    [svg] = [svg for svg in _svgs(html) if _title(svg).startswith(title_start)]
    return svg


def test_dashboard_draws_inline_svg_charts_and_ranks_misconceptions():
    html = render_dashboard(_class(), failures={"eve": "the archive is not a zip"})
    assert "data:image" not in html and "<img" not in html  # no PNGs, nothing external
    assert not re.search(r'(src|href)="(https?:)?//', html)
    svgs = _svgs(html)
    # total scores, one panel per exercise (gru, lstm), misconceptions
    assert [_title(s) for s in svgs] == ["Total scores: learners per 5-point bin", "gru (mean 40%)",
                                         "lstm (mean 50%)", "Most common misconceptions: learners per misconception"]
    for svg in svgs:  # accessible: a title, and an aria-label that carries the numbers
        assert svg.get("role") == "img" and re.search(r"\d+ learner", svg.get("aria-label"))
        assert all(bar.find(f"{SVG}title").text for bar in _bars(svg))
    assert html.index("swap_update_gate") < html.index("cell_state_not_carried")  # 2 learners before 1
    ranked = misconceptions(_class())
    assert [(m.id, m.learners) for m in ranked] == [("swap_update_gate", 2), ("cell_state_not_carried", 1)]


def test_misconception_bar_lengths_are_proportional_to_learners():
    many = [SubmissionResult(f"l{i}", [_check("gru", 0, "failed", "swap_update_gate" if i < 6 else
                                                "reset_gate_after_matmul" if i < 9 else "cell_state_not_carried")])
            for i in range(10)]
    svg = _chart(render_dashboard(many), "Most common misconceptions")
    bars = _bars(svg)
    assert [b.get("data-label") for b in bars] == ["swap_update_gate", "reset_gate_after_matmul", "cell_state_not_carried"]
    assert [int(b.get("data-count")) for b in bars] == [6, 3, 1]
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] / 6 == pytest.approx(widths[1] / 3, rel=1e-3) == pytest.approx(widths[2] / 1, rel=1e-3)
    # the counts and names are written as text too, and no name is drawn over its bar
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"6", "3", "1", "swap_update_gate", "reset_gate_after_matmul"} <= set(texts)
    left = min(float(b.get("x")) for b in bars)
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert labels and all(float(t.get("x")) < left for t in labels)


def test_tallest_histogram_bar_is_the_most_common_score_bin():
    totals = [10, 42, 43, 44, 45, 71, 100]  # percentages of 100 points: 3 learners in 40–45; 45 is in 45–50
    results = [SubmissionResult(f"l{i}", [CheckResult("gru", "f", "c", s, 100.0, "passed" if s == 100 else "failed")])
               for i, s in enumerate(totals)]
    svg = _chart(render_dashboard(results), "Total scores")
    bars = {b.get("data-bin"): b for b in _bars(svg)}
    assert {k: int(b.get("data-count")) for k, b in bars.items()} == {
        "10–15 %": 1, "40–45 %": 3, "70–75 %": 1, "95–100 %": 1, "45–50 %": 1}
    heights = {k: float(b.get("height")) for k, b in bars.items()}
    assert max(heights, key=heights.get) == "40–45 %"
    assert heights["40–45 %"] == pytest.approx(3 * heights["10–15 %"], rel=1e-3)
    # bars stand on one baseline and are ordered left to right by score
    assert len({round(float(b.get("y")) + float(b.get("height")), 3) for b in bars.values()}) == 1
    assert float(bars["10–15 %"].get("x")) < float(bars["40–45 %"].get("x")) < float(bars["95–100 %"].get("x"))
    # y axis ticks are whole numbers of learners
    assert "3" in [t.text for t in svg.iter(f"{SVG}text")]


def test_per_exercise_panels_share_one_count_scale():
    html = render_dashboard(_class())
    gru, lstm = _chart(html, "gru"), _chart(html, "lstm")
    tick_labels = lambda svg: [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert tick_labels(gru) == tick_labels(lstm)
    # gru: 0 % × 3 learners, 100 % × 2; the 0–10 bar is 1.5 × the 90–100 one
    bars = {b.get("data-bin"): float(b.get("height")) for b in _bars(gru)}
    assert bars["0–10 %"] == pytest.approx(1.5 * bars["90–100 %"], rel=1e-3)


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
    assert len(_svgs(html)) == 2  # total and per-exercise only


@pytest.mark.parametrize("case", ["empty", "only_failures", "single", "all_failed"])
def test_edge_cases_render(case):
    results = {
        "empty": [], "only_failures": [],
        "single": [SubmissionResult("ada", [_check("gru", 1, "failed", "swap_update_gate")])],
        "all_failed": [SubmissionResult(f"l{i}", [_check("gru", 0, "error", error_kind="import")]) for i in range(4)],
    }[case]
    failures = {"eve": "the archive is not a zip"} if case == "only_failures" else None
    html = render_dashboard(results, failures=failures)
    svgs = _svgs(html)
    if case in ("empty", "only_failures"):
        assert svgs == [] and "No graded submissions yet." in html
        return
    total = _chart(html, "Total scores")
    [bar] = _bars(total)
    assert int(bar.get("data-count")) == len(results)
    assert bar.get("data-bin") == ("50–55 %" if case == "single" else "0–5 %")  # 1 of 2 points: 50 %
    assert float(bar.get("height")) > 0 and float(bar.get("width")) > 0
    if case == "all_failed":
        assert "4 × import" not in html and "1 × import" in html and "l3" in html


def _boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_histogram_count_labels_do_not_overlap():
    from grader.report.plots import CHAR_WIDTH, score_histogram
    chart = score_histogram([p % 101 for p in range(0, 5000, 7)] * 3, title="t", bin_width=10, width=240,
                            height=170, font_size=10)
    boxes = []
    for bar in chart.bars:
        if bar.show_value:
            w = len(str(bar.value)) * 9 * CHAR_WIDTH
            boxes.append((bar.value_x - w / 2, bar.value_y - 9, bar.value_x + w / 2, bar.value_y))
    assert boxes and not any(_boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_writing_a_dashboard_does_not_import_matplotlib(tmp_path):
    code = ("import sys; from pathlib import Path; from grader.model import CheckResult, SubmissionResult; "
            "from grader.report.dashboard import write_dashboard; "
            "r = [SubmissionResult('a', [CheckResult('gru', 'f', 'c', 1, 2, 'failed', "
            "details={'misconception': {'id': 'm'}})])]; "
            f"write_dashboard(r, Path({str(tmp_path / 'dashboard.html')!r})); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PIL')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert "<svg" in (tmp_path / "dashboard.html").read_text(encoding="utf-8")
