"""Prove the suites on the project's own code: references score full marks, stubs score 0.

Both are graded exactly as a learner would be (in the sandbox, through the same engine), on
several seeds, so a suite whose inputs or expected values are wrong shows up here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.catalog import EXERCISES
from grader.engine import grade_submission
from grader.model import SubmissionResult
from grader.sandbox.client import ForkServer
from grader.suites import select_checks


@dataclass
class VerifyReport:
    rows: list[tuple[str, int, str, float, float]] = field(default_factory=list)  # folder, seed, exercise, got, max
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def table(self) -> str:
        table = Table(title="grade verify: score per exercise and seed")
        for column in ("exercise", "seed", "solutions/", "exercises/ (stubs)"):
            table.add_column(column)
        index = {(folder, seed, ex): (got, top) for folder, seed, ex, got, top in self.rows}
        for exercise in EXERCISES:
            for seed in sorted({r[1] for r in self.rows}):
                cells = []
                for folder, want_full in (("solutions", True), ("exercises", False)):
                    got, top = index.get((folder, seed, exercise), (0.0, 0.0))
                    good = (got == top) if want_full else (got == 0)
                    cells.append(f"{'✓' if good else '✗'} {got:g}/{top:g}")
                table.add_row(exercise, str(seed), *cells)
        console = Console(record=True, width=100, force_terminal=False)
        with console.capture() as capture:
            console.print(table)
        return capture.get()


def _record(report: VerifyReport, folder: str, seed: int, result: SubmissionResult, want_full: bool) -> None:
    for exercise, checks in result.by_exercise().items():
        got, top = sum(c.score for c in checks), sum(c.max_score for c in checks)
        report.rows.append((folder, seed, exercise, got, top))
    for check in result.checks:
        if want_full and check.score != check.max_score:
            report.problems.append(f"reference fails {check.check_id} (seed {seed}): {check.message.splitlines()[0] if check.message else check.status}")
        if not want_full and check.score != 0:
            report.problems.append(f"stub scores on {check.check_id} (seed {seed})")


def verify_references_and_stubs(root: Path, seeds: list[int]) -> VerifyReport:
    report = VerifyReport()
    checks = select_checks()
    with ForkServer() as sandbox:
        for seed in seeds:
            for folder, want_full in (("solutions", True), ("exercises", False)):
                result = grade_submission(root / folder, folder, checks, sandbox=sandbox, seed=seed,
                                          trusted_code=True)
                _record(report, folder, seed, result, want_full)
    return report
