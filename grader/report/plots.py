"""Small plots for the HTML report, as base64 PNG data URIs (the page stays one file)."""
from __future__ import annotations

import base64
import io

from grader.model import CheckResult


def error_over_time_png(check: CheckResult) -> str | None:
    """Largest |learner − reference| per time step for a failing sequence output.

    One curve per direction (bidirectional outputs), or per layer and direction when diagnosis ran
    the learner's stack on its first layers (``details["error_over_time"]``, set by ``grader.diagnose``).
    """
    curves = None
    for part in check.details.get("parts", []):
        if part.get("error_over_time"):
            curves = (part["label"], part["error_over_time"], part.get("first_bad_t"))
            break
    if check.details.get("error_over_time"):
        curves = ("top layer" if curves is None else curves[0], check.details["error_over_time"],
                  None if curves is None else curves[2])
    if curves is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    label, series, first_bad = curves
    figure = Figure(figsize=(4.2, 2.2), dpi=100)
    axes = figure.add_subplot()
    for name, values in series.items():
        steps = range(1, len(values) + 1)
        axes.plot(steps, values, marker="o", label=name if name != "all" else label)
    if first_bad is not None:
        axes.axvline(first_bad + 1, color="#c0392b", linestyle="--", linewidth=1)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("time step t")
    axes.set_ylabel("max |error|")
    axes.set_title(f"{label}: where the error starts", fontsize=9)
    axes.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
