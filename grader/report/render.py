"""Render ``SubmissionResult`` objects (and a class of them) through the jinja2 templates.

One environment, many outputs: terminal text, HTML, Markdown and JSON for one learner; HTML and
Markdown for a class summary. Templates live in the repository's ``templates/`` folder.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Literal

import click
import jinja2

from grader.model import SubmissionResult
from grader.names import result_folder_name
from grader.report import plots
from grader.report.escape import Painted, finalize_for, plain_text

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
STATUS_MARK = {"passed": "✓", "failed": "✗", "error": "!"}
STATUS_COLOUR = {"passed": "green", "failed": "red", "error": "yellow"}
Markup = Literal["html", "markdown", "terminal", "text"]


def template_environment(autoescape: bool, folder: Path = TEMPLATE_DIR, *, lstrip_blocks: bool = True,
                         markup: Markup | None = None) -> jinja2.Environment:
    """The one way templates are loaded: strict undefined names, the ``points`` filter, status marks.

    Every ``{{ value }}`` is made safe for ``markup`` (``grader.report.escape``): ``"html"`` (the
    default with ``autoescape``; XML too), ``"markdown"``, ``"terminal"`` or ``"text"`` (the default
    without: as is, for formats such as YAML whose templates quote what they insert)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=lstrip_blocks,
        keep_trailing_newline=True,
        finalize=finalize_for(markup or ("html" if autoescape else "text")),
    )
    env.filters["points"] = format_points
    env.filters["folder"] = result_folder_name  # a learner's folder beside the class outputs
    env.globals["mark"] = STATUS_MARK
    return env


@lru_cache(maxsize=None)
def shared_environment(autoescape: bool) -> jinja2.Environment:
    """The repository's templates, loaded and compiled once per process (compiling ``report.html.j2``
    alone costs ~45 ms, more than rendering it): with ``autoescape`` for HTML, without for Markdown
    (values Markdown-escaped). Callers must not change it: one that needs its own filters makes its
    own ``template_environment``."""
    return template_environment(autoescape, markup="html" if autoescape else "markdown")



def format_points(value: float) -> str:
    """``2.0`` → ``2``, ``1.5`` → ``1.5``, ``6.3333`` → ``6.33``: points without noise."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _context(result: SubmissionResult) -> dict:
    groups = result.by_exercise()
    return {
        "result": result,
        "groups": groups,
        "totals": {name: (sum(c.score for c in cs), sum(c.max_score for c in cs)) for name, cs in groups.items()},
    }


@lru_cache(maxsize=2)
def _terminal_environment(colour: bool) -> jinja2.Environment:
    env = template_environment(autoescape=False, markup="terminal")
    env.filters["paint"] = lambda text, status: Painted(
        click.style(plain_text(text), fg=STATUS_COLOUR.get(status)) if colour else plain_text(text))
    return env


def render_terminal(result: SubmissionResult, *, colour: bool = False, public_note: str = "") -> str:
    return _terminal_environment(colour).get_template("terminal.txt.j2").render(**_context(result),
                                                                                public_note=public_note)


def render_markdown(result: SubmissionResult) -> str:
    return shared_environment(autoescape=False).get_template("report.md.j2").render(**_context(result))


def _html_context(result: SubmissionResult) -> dict:
    """``_context`` plus the error-over-time chart of each check that did not pass, and the gradient
    norms of the public ``gradient_norms`` checks (yours against the reference's) when there are any."""
    context = _context(result)
    context["charts"] = {c.check_id: plots.error_over_time_chart(c) for c in result.checks if c.status != "passed"}
    context["gradient_chart"] = plots.report_log_norm_chart(result.checks)
    return context


def render_html(result: SubmissionResult) -> str:
    return shared_environment(autoescape=True).get_template("report.html.j2").render(**_html_context(result))


def render_json(result: SubmissionResult, data: dict[str, Any] | None = None) -> str:
    """``result.json``: the result model, one top-level field per line and one list item (e.g. one
    check) per line. ``data``: ``result.to_dict()`` when the caller has it.

    Each line is written by ``json``'s C encoder; ``indent=`` would switch to its pure-Python one,
    four times slower (~4 ms per result, which a batch of 1,000 pays in full)."""
    data = result.to_dict() if data is None else data
    fields = []
    for key, value in data.items():
        name = json.dumps(key)
        if isinstance(value, list) and value:
            items = ",\n".join("    " + json.dumps(item, allow_nan=False) for item in value)
            fields.append(f"  {name}: [\n{items}\n  ]")
        else:
            fields.append(f"  {name}: {json.dumps(value, allow_nan=False)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def write_learner_reports(result: SubmissionResult, out_dir: Path, data: dict[str, Any] | None = None) -> None:
    """``result.json``, ``report.html`` and ``report.md`` in ``out_dir`` (``data`` as for ``render_json``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(render_json(result, data), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(result), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(result), encoding="utf-8")


@dataclass(frozen=True)
class SummaryRow:
    """One learner's line of the class summary, counted once in Python rather than in the template."""

    learner: str
    score: float
    max_score: float
    passed: int
    failed: int
    errors: int

    @classmethod
    def of(cls, result: SubmissionResult) -> "SummaryRow":
        counts = Counter(c.status for c in result.checks)
        return cls(result.learner, result.score, result.max_score, counts["passed"], counts["failed"], counts["error"])


def _class_context(results: list[SubmissionResult], failures: dict[str, str]) -> dict:
    functions: dict[str, list[float]] = {}
    for r in results:
        for exercise, checks in r.by_exercise().items():
            got, top = sum(c.score for c in checks), sum(c.max_score for c in checks)
            functions.setdefault(exercise, []).append(got / top if top else 0.0)
    return {
        "rows": [SummaryRow.of(r) for r in sorted(results, key=lambda r: r.learner)],
        "failures": failures,
        "exercise_means": {k: sum(v) / len(v) for k, v in functions.items()},
    }


def write_class_summary(results: Iterable[SubmissionResult], out_dir: Path, failures: dict[str, str] | None = None) -> Path:
    """``index.html`` and ``summary.md`` for the class; returns the HTML path."""
    context = _class_context(list(results), failures or {})
    out_dir.mkdir(parents=True, exist_ok=True)
    html = shared_environment(autoescape=True).get_template("summary.html.j2").render(**context)
    (out_dir / "index.html").write_text(html, encoding="utf-8")
    markdown = shared_environment(autoescape=False).get_template("summary.md.j2").render(**context)
    (out_dir / "summary.md").write_text(markdown, encoding="utf-8")
    return out_dir / "index.html"


def render_notebook_html(result: SubmissionResult | None, *, note: str = "", problems: list[str] | None = None) -> str:
    """One ``check`` in a notebook: the checks of ``result`` as in ``report.html`` (charts included),
    as a fragment whose styles apply inside it only. ``result`` is None when nothing could be graded."""
    context = (_html_context(result) if result is not None
               else {"result": None, "groups": {}, "totals": {}, "charts": {}, "gradient_chart": None})
    return shared_environment(autoescape=True).get_template("notebook_check.html.j2").render(
        **context, public_note=note, problems=problems or [])
