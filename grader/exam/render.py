"""Papers, answer-sheet templates and feedback reports, rendered from ``templates/exam/``."""
from __future__ import annotations

import jinja2

from ..model import SubmissionResult
from ..report.render import TEMPLATE_DIR as SHARED_TEMPLATE_DIR
from ..report.render import template_environment
from ..formula import EXAMPLE as FORMULA_EXAMPLE
from .blueprint import Paper
from .variant import KIND_LABELS

TEMPLATE_DIR = SHARED_TEMPLATE_DIR / "exam"


def _oneline(value: object) -> str:
    return " ".join(str(value).split())


def _env(autoescape: bool, markup: str | None = None) -> jinja2.Environment:
    env = template_environment(autoescape, TEMPLATE_DIR, lstrip_blocks=False, markup=markup)
    env.filters["oneline"] = _oneline
    return env


_HTML = _env(True)
_TEXT = _env(False)
_MARKDOWN = _env(False, "markdown")  # feedback quotes the learner's answers: escaped, unlike the papers


def _sections(paper: Paper) -> list[tuple[str, list]]:
    out: list[tuple[str, list]] = []
    for q in paper.questions:
        if not out or out[-1][0] != q.section:
            out.append((q.section, []))
        out[-1][1].append(q)
    return out


def paper_html(paper: Paper) -> str:
    return _HTML.get_template("paper.html.j2").render(paper=paper, sections=_sections(paper),
                                                      kind_labels=KIND_LABELS)


def paper_markdown(paper: Paper) -> str:
    return _TEXT.get_template("paper.md.j2").render(paper=paper, sections=_sections(paper),
                                                    kind_labels=KIND_LABELS)


def answer_sheet(paper: Paper) -> str:
    return _TEXT.get_template("answers.yaml.j2").render(paper=paper, kind_labels=KIND_LABELS,
                                                        formula_example=FORMULA_EXAMPLE)


def report_html(result: SubmissionResult, exam: str) -> str:
    return _HTML.get_template("report.html.j2").render(result=result, exam=exam)


def report_markdown(result: SubmissionResult, exam: str) -> str:
    return _MARKDOWN.get_template("report.md.j2").render(result=result, exam=exam)
