"""The class dashboard: how the class did, what it got wrong, and which submissions need a look.

One HTML page (``templates/dashboard.html.j2``) with the plots embedded as PNG data URIs
(matplotlib, Agg backend), so it opens anywhere without a server:

- the distribution of total scores, and of scores per exercise (small multiples);
- the most common misconceptions (``CheckResult.details["misconception"]["id"]``), with how many
  learners each affected; the section says so when no check recorded one;
- the slowest submissions, and the failing ones: not graded at all, or with checks that could
  not run (import errors, timeouts, crashes).
"""
from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from grader.gradebook.store import misconception_id
from grader.model import SubmissionResult
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


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _figure(width: float, height: float, **margins):
    """A figure with fixed margins (automatic layout engines cost seconds for small multiples)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    figure.subplots_adjust(**{"left": 0.08, "right": 0.98, "bottom": 0.2, "top": 0.95, **margins})
    return figure


def _whole_numbers(axis) -> None:
    """Counts of learners: ticks at whole numbers only."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def total_histogram_png(results: list[SubmissionResult]) -> str | None:
    if not results:
        return None
    figure = _figure(7.5, 2.6)
    axes = figure.add_subplot()
    axes.hist([_percent(r.score, r.max_score) for r in results], bins=range(0, 105, 5), color="#3e7c17",
              edgecolor="white")
    axes.set_xlim(0, 100)
    _whole_numbers(axes.yaxis)
    axes.set_xlabel("total score (%)")
    axes.set_ylabel("learners")
    return _png(figure)


def exercise_histograms_png(table: dict[str, list[float]]) -> str | None:
    if not table:
        return None
    columns = 4
    rows = (len(table) + columns - 1) // columns
    figure = _figure(9.5, 2.1 * rows, left=0.05, bottom=0.22 / rows, top=1 - 0.1 / rows, hspace=0.45, wspace=0.25)
    grid = figure.subplots(rows, columns, squeeze=False, sharex=True)
    for axes, (exercise, values) in zip(grid.flat, table.items()):
        axes.hist(values, bins=range(0, 110, 10), color="#2f6f9f", edgecolor="white")
        axes.set_title(f"{exercise} (mean {statistics.fmean(values):.0f}%)", fontsize=9)
        axes.tick_params(labelsize=7)
        _whole_numbers(axes.yaxis)
    for axes in list(grid.flat)[len(table):]:
        axes.set_visible(False)
    for axes in grid[-1]:
        axes.set_xlabel("score (%)", fontsize=8)
    return _png(figure)


def misconception_png(found: list[Misconception]) -> str | None:
    if not found:
        return None
    shown = found[:TOP][::-1]
    figure = _figure(7.5, 0.45 * len(shown) + 0.9, left=0.28, bottom=0.6 / (0.45 * len(shown) + 0.9))
    axes = figure.add_subplot()
    axes.barh([m.id for m in shown], [m.learners for m in shown], color="#c0392b")
    axes.set_xlabel("learners")
    _whole_numbers(axes.xaxis)
    axes.tick_params(labelsize=8)
    return _png(figure)


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
        "total_png": total_histogram_png(results),
        "exercise_png": exercise_histograms_png(table),
        "misconceptions": found[:TOP],
        "misconception_png": misconception_png(found),
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
