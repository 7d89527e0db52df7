"""The error-over-time chart of the HTML report, as data for an inline SVG template.

A failing sequence output carries the largest |learner − reference| per time step (per direction,
or per layer and direction). This module turns those curves into plot coordinates; the drawing is
``templates/_error_chart.svg.j2``, so a report with many failing checks renders in milliseconds
and stays one self-contained file.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from grader.model import CheckResult

WIDTH, HEIGHT = 420, 200
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 26, 34
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")


@dataclass
class Series:
    name: str
    colour: str
    points: list[tuple[float, float]]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass
class ErrorChart:
    """Everything the SVG template needs, already in pixel coordinates of a WIDTH × HEIGHT box."""

    title: str
    series: list[Series]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    first_bad_x: float | None = None
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    legend: list[tuple[str, str]] = field(default_factory=list)


def _curves(check: CheckResult) -> tuple[str, dict[str, list[float]], int | None] | None:
    """The label, the named curves and the first wrong time step (0-based) of a failing check."""
    found = None
    for part in check.details.get("parts", []):
        if part.get("error_over_time"):
            found = (part["label"], part["error_over_time"], part.get("first_bad_t"))
            break
    if check.details.get("error_over_time"):  # per layer and direction, from the diagnosis
        found = ("top layer" if found is None else found[0], check.details["error_over_time"],
                 None if found is None else found[2])
    return found


def error_over_time_chart(check: CheckResult) -> ErrorChart | None:
    """The chart for a failing sequence output, or ``None`` when the check has no time axis."""
    curves = _curves(check)
    if curves is None:
        return None
    label, series, first_bad = curves
    steps = max(len(values) for values in series.values())
    top = max((max(values) for values in series.values() if values), default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(t: int) -> float:  # t is 1-based
        return LEFT + (plot_w / 2 if steps == 1 else (t - 1) * plot_w / (steps - 1))

    def y_at(value: float) -> float:
        return TOP + plot_h * (1 - value / (top * 1.1))

    drawn = [Series(name if name != "all" else label, COLOURS[i % len(COLOURS)],
                    [(x_at(t), y_at(v)) for t, v in enumerate(values, start=1)])
             for i, (name, values) in enumerate(series.items())]
    every = max(1, steps // 10)
    return ErrorChart(
        title=f"{label}: where the error starts",
        series=drawn,
        x_ticks=[(x_at(t), str(t)) for t in range(1, steps + 1, every)],
        y_ticks=[(y_at(top * k / 2), f"{top * k / 2:.2g}") for k in range(3)],
        first_bad_x=None if first_bad is None else x_at(first_bad + 1),
        legend=[(s.name, s.colour) for s in drawn],
    )
