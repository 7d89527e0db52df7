"""What a learner handout contains: an allow-list of repository files, and a deny-list that overrides it.

The handout ships the grader parts that run public checks (engine, judge, comparison, sandbox,
terminal report, archives, the ``check``/``submit``/``doctor`` commands) and the exercise stubs.
It never ships the references, the suites' check definitions and input generators (which hold
the hidden checks), misconceptions, exams, batch grading, ``verify``, this builder, tests or samples.
"""
from __future__ import annotations

import fnmatch
from pathlib import Path

SHIPPED = (
    "grader/__init__.py",
    "grader/py.typed",
    "grader/catalog.py",
    "grader/files.py",          # FIFO-safe reads of submission files (sandbox copy, archive reader)
    "grader/model.py",
    "grader/names.py",          # learner ids (grade submit checks them)
    "grader/files.py",          # FIFO-safe reads of submission files (the archive reader and the sandbox copy)
    "grader/compare.py",
    "grader/formula.py",
    "grader/judge.py",
    "grader/engine.py",
    "grader/reference.py",      # imports solutions lazily; a handout never calls it
    "grader/fixtures.py",
    "grader/explain.py",        # explains failures from the evidence the fixtures store (no references)
    "grader/masked_localise.py",  # the padded-batch part of that explanation
    "grader/causes.py",
    "grader/files.py",
    "grader/local_check.py",
    "grader/notebook/*.py",
    "grader/gradcheck.py",      # learners check their own backward functions against finite differences
    "grader/suites/__init__.py",
    "grader/suites/base.py",    # the Check dataclass only; no check is registered in it
    "grader/report/__init__.py",
    "grader/report/render.py",
    "grader/report/escape.py",
    "grader/report/plots.py",
    "grader/sandbox/*.py",
    "grader/sandbox/layers/*.py",
    "grader/archive/*.py",
    "grader/cli/__init__.py",
    "grader/cli/__main__.py",
    "grader/cli/options.py",
    "grader/cli/check.py",
    "grader/cli/submit.py",
    "grader/cli/doctor.py",
    "grader/cli/explore.py",
    "grader/explore.py",
    "templates/terminal.txt.j2",
    "templates/notebook_check.html.j2",
    "templates/_exercise_checks.html.j2",
    "templates/_error_chart.svg.j2",
    "templates/_style.css.j2",
    "templates/explore_gradients.html.j2",
    "exercises/*.py",
)

NEVER = (
    "solutions/*",
    "grader/suites/*",          # except the two infrastructure files above
    "grader/misconceptions/*",
    "grader/diagnose.py",
    "grader/verify.py",
    "grader/batch.py",
    "grader/exam/*",            # the question bank holds the answer keys
    "grader/gradebook/*",
    "grader/pool.py",
    "grader/handout/*",
    "grader/cli/batch.py",
    "grader/cli/verify.py",
    "grader/cli/exam.py",
    "grader/cli/quiz.py",
    "grader/cli/gradescope.py",
    "grader/cli/handout.py",
    "tests/*",
    "samples/*",
)
NEVER_EXCEPT = ("grader/suites/__init__.py", "grader/suites/base.py")


class AllowListError(RuntimeError):
    """The allow-list names a file that is absent, or a file the deny-list forbids."""


def forbidden(relative: str) -> bool:
    """True for a repository path that must never reach a learner."""
    if relative in NEVER_EXCEPT:
        return False
    return any(fnmatch.fnmatchcase(relative, pattern) for pattern in NEVER)


def shipped_files(repo: Path) -> list[str]:
    """The repository-relative paths the handout copies, each allow-listed and none forbidden."""
    chosen: list[str] = []
    for pattern in SHIPPED:
        matches = sorted(str(p.relative_to(repo)) for p in repo.glob(pattern) if p.is_file())
        if not matches:
            raise AllowListError(f"the handout allow-list entry {pattern!r} matches no file in {repo}")
        chosen.extend(m for m in matches if m not in chosen)
    bad = [path for path in chosen if forbidden(path)]
    if bad:
        raise AllowListError(f"the allow-list would ship forbidden files: {', '.join(bad)}")
    return chosen
