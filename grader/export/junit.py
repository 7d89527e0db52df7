"""JUnit XML for CI systems: one ``<testsuite>`` per learner, one ``<testcase>`` per check.

A failed check becomes ``<failure>``, a check that could not run ``<error>`` (its ``type`` is the
error kind: import, timeout, crash …). Partial credit has no JUnit equivalent, so the points are
in the message and in each suite's properties. Rendered by ``templates/junit.xml.j2`` with XML
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


def render_junit(results: Iterable[SubmissionResult], *, name: str = "Deep RNN Grader") -> str:
    results = sorted(results, key=lambda r: r.learner)
    suites = [(r, Counter(c.status for c in r.checks)) for r in results]  # statuses counted once, not in the template
    return _environment().get_template("junit.xml.j2").render(
        name=name, suites=suites, tests=sum(len(r.checks) for r in results),
        failures=sum(counts["failed"] for _, counts in suites), errors=sum(counts["error"] for _, counts in suites),
        time=sum(r.duration_s for r in results),
        timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def write_junit(results: Iterable[SubmissionResult], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(results), encoding="utf-8")
    return path
