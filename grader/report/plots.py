"""Charts of the HTML reports and the class dashboard, as data for inline SVG templates.

Python computes what each mark means and where it goes (pixel coordinates of a fixed box); the
templates only draw. So a report or a dashboard renders in milliseconds, needs no plotting library
and stays one self-contained file.

- ``error_over_time_chart``: a failing sequence output carries the largest |learner − reference| per
  time step (per direction, or per layer and direction); drawn by ``templates/_error_chart.svg.j2``.
- ``score_histogram``: how many learners scored in each percentage bin; drawn by
  ``templates/_histogram.svg.j2`` (the dashboard's total score and per-exercise distributions).
- ``count_bars``: a horizontal bar per named thing, its length proportional to a count; drawn by
  ``templates/_bar_chart.svg.j2`` (the dashboard's most common misconceptions).
"""
from __future__ import annotations

import math
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
    dash: str = ""  # an SVG stroke-dasharray ("4 3") for a dashed line
    markers: bool = True  # a dot at every point

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
    x_label: str = "time step t"
    y_label: str = "max |error|"
    legend_x: float | None = None  # default: near the right edge, from the top
    legend_y: float | None = None
    legend_dashes: list[str] = field(default_factory=list)  # per legend entry, as Series.dash


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
    label, raw, first_bad = curves
    series = {name: _finite_or_none(values) for name, values in raw.items()}
    steps = max(len(values) for values in series.values())
    top = max((v for values in series.values() for v in values if v is not None), default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(t: int) -> float:  # t is 1-based
        return LEFT + (plot_w / 2 if steps == 1 else (t - 1) * plot_w / (steps - 1))

    def y_at(value: float) -> float:
        return TOP + plot_h * (1 - value / (top * 1.1))

    drawn = [Series(name if name != "all" else label, COLOURS[i % len(COLOURS)],
                    [(x_at(t), y_at(v)) for t, v in enumerate(values, start=1) if v is not None])
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


def _finite_or_none(values) -> list[float | None]:
    """A curve's values as finite floats; anything else (NaN or infinity, stored as text in JSON)
    becomes ``None``, a point the chart leaves out."""
    out: list[float | None] = []
    for value in values if isinstance(values, list) else []:
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        out.append(float(number) if number is not None and math.isfinite(number) else None)
    return out


# --- gradient norms over time -------------------------------------------------------------------------

NORM_WIDTH, NORM_HEIGHT = 640, 320
CELL_LABELS = {"rnn": "vanilla RNN", "gru": "GRU", "lstm": "LSTM"}
CELL_COLOURS = {"rnn": COLOURS[1], "gru": COLOURS[2], "lstm": COLOURS[0]}


def log_norm_chart(curves: dict[str, dict], *, title: str = "How much of a change reaches s_T: "
                   "log₁₀ ‖∂s_T/∂s_k‖ against the distance T − k") -> ErrorChart | None:
    """One line per cell and source: the reference's dashed, the learner's solid, in the cell's colour.

    ``curves`` maps a cell to ``{"reference": [...], "yours": [...]}`` as a gradient-norm check's
    ``details["log_norms"]`` holds them: log10 norms at distance 1 … T (``None`` where not drawable).
    ``None`` when there is nothing to draw."""
    lines = [(cell, source, values) for cell, data in curves.items()
             for source in ("reference", "yours") if (values := data.get(source))]
    finite = [v for _, _, values in lines for v in values if v is not None]
    if not finite:
        return None
    steps = max(len(values) for _, _, values in lines)
    low, high = math.floor(min(min(finite), 0.0)), math.ceil(max(max(finite), 0.0))
    high = high if high > low else low + 1
    width, height = NORM_WIDTH, NORM_HEIGHT
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM

    def x_at(distance: int) -> float:
        return LEFT + (plot_w / 2 if steps == 1 else (distance - 1) * plot_w / (steps - 1))

    def y_at(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    drawn = [Series(f"{CELL_LABELS.get(cell, cell)} ({source})", CELL_COLOURS.get(cell, COLOURS[3]),
                    [(x_at(d), y_at(v)) for d, v in enumerate(values, start=1) if v is not None],
                    dash="5 4" if source == "reference" else "", markers=False)
             for cell, source, values in lines]
    every = max(1, round(steps / 6))
    y_every = max(1, math.ceil((high - low) / 6))
    return ErrorChart(
        title=title, series=drawn, width=width, height=height, plot_right=width - RIGHT, plot_bottom=height - BOTTOM,
        x_ticks=[(x_at(d), str(d)) for d in sorted({1, *range(every, steps + 1, every)})],
        y_ticks=[(y_at(v), f"1e{v}" if v else "1") for v in range(low, high + 1, y_every)],
        legend=[(s.name, s.colour) for s in drawn], legend_dashes=[s.dash for s in drawn],
        x_label="distance in time T − k (steps)", y_label="‖∂s_T/∂s_k‖ (log scale)",
        legend_x=LEFT + 10, legend_y=height - BOTTOM - 8 - 13 * len(drawn),
    )


def report_log_norm_chart(checks: list[CheckResult]) -> ErrorChart | None:
    """The learner report's chart: the curves the public gradient-norm checks carry, one per cell."""
    curves = {}
    for check in checks:
        data = check.details.get("log_norms")
        if isinstance(data, dict) and data.get("cell") not in curves:
            curves[str(data.get("cell"))] = data
    return log_norm_chart(curves) if curves else None


# --- dashboard charts -------------------------------------------------------------------------------

CHAR_WIDTH = 0.62  # average glyph width of the charts' fonts, in em: enough to keep labels apart


def _text_width(text: str, font_size: float) -> float:
    """A generous estimate of how wide ``text`` is drawn, in pixels."""
    return len(text) * font_size * CHAR_WIDTH


def count_ticks(largest: int, most: int = 5) -> list[int]:
    """Whole-number axis ticks from 0 to a round top ≥ ``largest``, at most ``most`` + 1 of them
    (counts of learners have no fractional ticks): 7 → 0 2 4 6 8, 1 → 0 1, 0 → 0 1."""
    largest = max(int(largest), 1)
    step = 1
    for magnitude in (10 ** k for k in range(0, 12)):
        for unit in (1, 2, 5):
            step = unit * magnitude
            if math.ceil(largest / step) <= most:
                top = math.ceil(largest / step) * step
                return list(range(0, top + 1, step))
    return [0, largest]  # unreachable for realistic counts


def score_bins(width: int) -> list[tuple[float, float]]:
    """Percentage bins ``[low, high)`` of ``width`` points covering 0–100; the last one includes 100."""
    return [(low, min(low + width, 100)) for low in range(0, 100, width)]


def bin_counts(percentages: list[float], width: int) -> list[int]:
    """How many of ``percentages`` fall in each ``score_bins(width)`` bin (100 % is in the last bin;
    values a rounding error below a boundary count as on it, so 3/10 of the points is in 30–40 %)."""
    bins = score_bins(width)
    counts = [0] * len(bins)
    for value in percentages:
        counts[min(max(int((value + 1e-9) // width), 0), len(bins) - 1)] += 1
    return counts


@dataclass
class Bar:
    """One bar, in pixels; ``value`` is the count it stands for, ``label`` what it counts ("40–45 %",
    a misconception id), ``text`` the sentence a screen reader or a tooltip gives."""

    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    text: str
    value_x: float = 0.0  # where the count is written, when ``show_value``
    value_y: float = 0.0
    show_value: bool = True
    short_label: str = ""  # the label as drawn (long ids are shortened; ``text`` keeps them whole)


@dataclass
class Histogram:
    """Learners per score bin, already in pixel coordinates of a ``width`` × ``height`` box.
    ``x_ticks`` are (x, "40") percentage marks, ``y_ticks`` (y, "2") learner counts."""

    title: str
    description: str
    bars: list[Bar]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    x_label: str
    y_label: str
    colour: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    font_size: float = 11


def score_histogram(percentages: list[float], *, title: str, bin_width: int = 5, top: int | None = None,
                    width: int = 720, height: int = 240, colour: str = "#3e7c17", font_size: float = 11,
                    x_label: str = "total score (%)") -> Histogram:
    """How many learners scored in each ``bin_width``-point bin of 0–100 %. A bar's height is
    proportional to its count on a whole-number axis from 0 to ``count_ticks`` of the largest count
    (or of ``top``, so small multiples can share one scale). Counts are written above the bars when
    they fit in a bar's width; every bar also carries them as text (its ``<title>``)."""
    counts = bin_counts(percentages, bin_width)
    ticks = count_ticks(max(top or 0, max(counts, default=0)))
    left = 14 + font_size * 1.2 + _text_width(str(ticks[-1]), font_size)
    right, top_margin, bottom = 10, font_size * 3.4, font_size * 3.4 + 6  # the title, then room for counts
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    plot_bottom = height - bottom

    def x_at(percent: float) -> float:
        return left + plot_w * percent / 100

    def y_at(count: float) -> float:
        return plot_bottom - plot_h * count / ticks[-1]

    bars = []
    for (low, high), count in zip(score_bins(bin_width), counts):
        label = f"{low:g}–{high:g} %"
        x0, x1 = x_at(low) + 0.5, x_at(high) - 0.5
        bars.append(Bar(x=x0, y=y_at(count), width=x1 - x0, height=plot_bottom - y_at(count), value=count,
                        label=label, text=f"{label}: {count} learner{'s' if count != 1 else ''}",
                        value_x=(x0 + x1) / 2, value_y=y_at(count) - 3,
                        show_value=count > 0 and _text_width(str(count), font_size - 1) <= x1 - x0 + 2))
    tick_every = 10 if plot_w / (100 / 10) >= _text_width("100", font_size) + 6 else 20
    shown = sum(counts)
    return Histogram(
        title=title,
        description=f"{title}: histogram of {shown} learner{'s' if shown != 1 else ''} in {bin_width}-point bins; "
                    + "; ".join(bar.text for bar in bars if bar.value),
        bars=bars,
        x_ticks=[(x_at(p), str(p)) for p in range(0, 101, tick_every)],
        y_ticks=[(y_at(t), str(t)) for t in ticks],
        x_label=x_label, y_label="learners", colour=colour, width=width, height=height,
        plot_left=left, plot_right=width - right, plot_top=top_margin, plot_bottom=plot_bottom,
        font_size=font_size,
    )


@dataclass
class BarChart:
    """Horizontal bars, one per named thing, longest first from the top, in pixel coordinates of a
    ``width`` × ``height`` box; ``x_ticks`` are (x, "3") counts along the bottom axis."""

    title: str
    description: str
    bars: list[Bar]
    x_ticks: list[tuple[float, str]]
    x_label: str
    colour: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    label_x: float
    font_size: float = 11


def _shorten(text: str, room: float, font_size: float) -> str:
    """``text``, cut with "…" so that it is drawn no wider than ``room`` pixels."""
    if _text_width(text, font_size) <= room + 0.5:
        return text
    most = max(int(room // (font_size * CHAR_WIDTH)), 4)
    return text[: most - 1] + "…"


def count_bars(items: list[tuple[str, int]], *, title: str, unit: str = "learners", width: int = 720,
               colour: str = "#c0392b", font_size: float = 11, row: float = 26) -> BarChart:
    """One horizontal bar per (name, count), in the given order from the top. A bar's length is
    proportional to its count (0 at the axis, the largest tick at the right edge); the count is
    written after the bar and the name before it, shortened with "…" when longer than a third of the
    chart (the full name stays in the bar's ``<title>`` and the page's table)."""
    ticks = count_ticks(max((count for _, count in items), default=0))
    longest = max((_text_width(name, font_size) for name, _ in items), default=0.0)
    label_room = min(longest, width / 3)
    left = label_room + 16
    right = 14 + _text_width(str(ticks[-1]), font_size)
    top_margin, bottom = 8, font_size * 3.4 + 6
    plot_w = width - left - right
    height = int(top_margin + row * max(len(items), 1) + bottom)
    plot_bottom = height - bottom

    def x_at(count: float) -> float:
        return left + plot_w * count / ticks[-1]

    bars = []
    for i, (name, count) in enumerate(items):
        y = top_margin + row * i + row * 0.18
        one = unit[:-1] if count == 1 and unit.endswith("s") else unit
        bars.append(Bar(x=left, y=y, width=x_at(count) - left, height=row * 0.64, value=count, label=name,
                        text=f"{name}: {count} {one}", value_x=x_at(count) + 4, value_y=y + row * 0.32 + font_size * 0.35,
                        short_label=_shorten(name, label_room, font_size)))
    return BarChart(
        title=title,
        description=f"{title}: " + "; ".join(bar.text for bar in bars),
        bars=bars,
        x_ticks=[(x_at(t), str(t)) for t in ticks],
        x_label=unit, colour=colour, width=width, height=height,
        plot_left=left, plot_right=width - right, plot_top=top_margin, plot_bottom=plot_bottom,
        label_x=left - 6, font_size=font_size,
    )
