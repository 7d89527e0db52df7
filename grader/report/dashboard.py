"""The class dashboard: how the class did, what it got wrong, and which submissions need a look.

One HTML page (``templates/dashboard.html.j2``) with the plots drawn as inline SVG from templates
(``_histogram.svg.j2``, ``_bar_chart.svg.j2``; the chart data comes from ``grader.report.plots``), so
it opens anywhere without a server, renders in milliseconds and needs no plotting library:

- the distribution of total scores, and of scores per exercise (small multiples);
- the most common misconceptions (``CheckResult.details["misconception"]["id"]``), with how many
  learners each affected; the section says so when no check recorded one;
- the slowest submissions, and the failing ones: not graded at all, or with checks that could
  not run (import errors, timeouts, crashes).
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from grader.gradebook.store import misconception_id
from grader.model import SubmissionResult
from grader.report import plots
from grader.report.render import shared_environment

TOP = 10
NOT_ATTEMPTED = ("not_implemented",)  # an untouched stub is unfinished work, not a broken submission


@dataclass(frozen=True)
class Misconception:
    id: str
    learners: int
    checks: int
    exercises: tuple[str, ...]


def _percent(score: float, top: float) -> float:
    return 100.0 * score / top if top else 0.0


def exercise_percentages(results: list[SubmissionResult]) -> dict[str, list[float]]:
    """Per exercise, each learner's percentage of that exercise's points."""
    table: dict[str, list[float]] = {}
    for r in results:
        for exercise, checks in r.by_exercise().items():
            table.setdefault(exercise, []).append(
                _percent(sum(c.score for c in checks), sum(c.max_score for c in checks)))
    return table


def misconceptions(results: list[SubmissionResult]) -> list[Misconception]:
    """Matched misconceptions, most learners first."""
    learners: dict[str, set[str]] = {}
    checks: Counter[str] = Counter()
    exercises: dict[str, set[str]] = {}
    for r in results:
        for c in r.checks:
            found = misconception_id(c)
            if found:
                learners.setdefault(found, set()).add(r.learner)
                checks[found] += 1
                exercises.setdefault(found, set()).add(c.exercise)
    ranked = sorted(learners, key=lambda m: (-len(learners[m]), -checks[m], m))
    return [Misconception(m, len(learners[m]), checks[m], tuple(sorted(exercises[m]))) for m in ranked]


def failing(results: list[SubmissionResult], failures: dict[str, str]) -> list[dict]:
    """Learners not graded, then learners with checks that could not run (crash, import error, timeout …),
    most such checks first; checks of untouched stubs do not count."""
    rows = [{"learner": learner, "score": None, "why": why} for learner, why in sorted(failures.items())]
    broken = []
    for r in results:
        kinds = Counter(c.details.get("error_kind", "error") for c in r.checks
                        if c.status == "error" and c.details.get("error_kind") not in NOT_ATTEMPTED)
        if kinds:
            why = ", ".join(f"{n} × {kind}" for kind, n in kinds.most_common())
            broken.append({"learner": r.learner, "score": (r.score, r.max_score), "why": f"checks that could not run: {why}",
                           "count": sum(kinds.values())})
    broken.sort(key=lambda row: (-row["count"], row["learner"]))
    return rows + broken


def total_histogram(results: list[SubmissionResult]) -> plots.Histogram | None:
    """Learners per 5-point bin of their total score, or ``None`` for an empty class."""
    if not results:
        return None
    return plots.score_histogram([_percent(r.score, r.max_score) for r in results], bin_width=5,
                                 width=960, title="Total scores: learners per 5-point bin")


def exercise_histograms(table: dict[str, list[float]]) -> list[plots.Histogram]:
    """Small multiples: learners per 10-point bin of each exercise's score, all on one count scale
    so the panels compare at a glance."""
    top = max((max(plots.bin_counts(values, 10)) for values in table.values() if values), default=0)
    return [plots.score_histogram(values, bin_width=10, top=top, width=240, height=170, font_size=10,
                                  colour="#2f6f9f", x_label="score (%)",
                                  title=f"{exercise} (mean {statistics.fmean(values):.0f}%)")
            for exercise, values in table.items()]


def exercise_bin_table(table: dict[str, list[float]]) -> dict:
    """The per-exercise histograms as numbers: bin labels, and per exercise the learners per bin."""
    return {"bins": [f"{low:g}–{high:g}" for low, high in plots.score_bins(10)],
            "rows": {exercise: plots.bin_counts(values, 10) for exercise, values in table.items()}}


def misconception_chart(found: list[Misconception]) -> plots.BarChart | None:
    """The TOP misconceptions as bars whose length is the number of learners who showed them."""
    if not found:
        return None
    return plots.count_bars([(m.id, m.learners) for m in found[:TOP]], unit="learners", width=960,
                            title="Most common misconceptions: learners per misconception")


def dashboard_context(results: Iterable[SubmissionResult], failures: dict[str, str] | None = None,
                      latencies: dict[str, float] | None = None) -> dict:
    results = sorted(results, key=lambda r: r.learner)
    failures = failures or {}
    table = exercise_percentages(results)
    found = misconceptions(results)
    totals = [_percent(r.score, r.max_score) for r in results]
    seconds = {r.learner: (latencies or {}).get(r.learner, r.duration_s) for r in results}
    slowest = sorted(results, key=lambda r: (-seconds[r.learner], r.learner))[:TOP]
    return {
        "count": len(results),
        "not_graded": len(failures),
        "mean": statistics.fmean(totals) if totals else 0.0,
        "median": statistics.median(totals) if totals else 0.0,
        "full_marks": sum(1 for r in results if r.max_score and r.score >= r.max_score),
        "exercise_table": {e: (statistics.fmean(v), min(v), max(v)) for e, v in table.items()},
        "total_chart": total_histogram(results),
        "exercise_charts": exercise_histograms(table),
        "exercise_bins": exercise_bin_table(table),
        "misconceptions": found[:TOP],
        "misconception_chart": misconception_chart(found),
        "slowest": [(r, seconds[r.learner]) for r in slowest],
        "failing": failing(results, failures)[:3 * TOP],
    }


def render_dashboard(results: Iterable[SubmissionResult], failures: dict[str, str] | None = None,
                     latencies: dict[str, float] | None = None) -> str:
    context = dashboard_context(results, failures, latencies)
    return shared_environment(autoescape=True).get_template("dashboard.html.j2").render(**context)


def write_dashboard(results: Iterable[SubmissionResult], path: Path, *, failures: dict[str, str] | None = None,
                    latencies: dict[str, float] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dashboard(results, failures, latencies), encoding="utf-8")
    return path
