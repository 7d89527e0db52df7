"""JUnit XML for CI systems: one ``<testsuite>`` per learner, one ``<testcase>`` per check.

A failed check becomes ``<failure>``, a check that could not run ``<error>`` (its ``type`` is the
error kind: import, timeout, crash …). Partial credit has no JUnit equivalent, so the points are
in the message and in each suite's properties. A learner who could not be graded at all is a
suite with one ``<error type="not_graded">`` testcase carrying the reason, so every learner is
there. Times: a suite's ``time`` is the learner's measured grading time; the sandbox runs all of a
submission's calls in one session, so each testcase gets an equal share of it (never a made-up 0). Rendered by ``templates/junit.xml.j2`` with XML
escaping, after removing characters XML 1.0 cannot carry (learner output may contain them).
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import jinja2

from grader.model import SubmissionResult
from grader.report.render import template_environment

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text without the characters XML 1.0 forbids (escaping is the template's job)."""
    return _NOT_XML.sub("\ufffd", str(value))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = template_environment(autoescape=True)
    env.filters["x"] = xml_text
    return env


def render_junit(results: Iterable[SubmissionResult], *, name: str = "Deep RNN Grader",
                 failures: dict[str, str] | None = None) -> str:
    results = sorted(results, key=lambda r: r.learner)
    suites = [(r, Counter(c.status for c in r.checks)) for r in results]  # statuses counted once, not in the template
    not_graded = sorted((failures or {}).items())
    return _environment().get_template("junit.xml.j2").render(
        name=name, suites=suites, not_graded=not_graded, tests=sum(len(r.checks) for r in results) + len(not_graded),
        failures=sum(counts["failed"] for _, counts in suites),
        errors=sum(counts["error"] for _, counts in suites) + len(not_graded),
        time=sum(r.duration_s for r in results),
        timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def write_junit(results: Iterable[SubmissionResult], path: Path, failures: dict[str, str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(results, failures=failures), encoding="utf-8")
    return path
