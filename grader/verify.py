"""Prove the suites on the project's own code: references score full marks, stubs score 0, and
every known misconception loses points.

All are graded exactly as a learner would be (in the sandbox, through the same engine), on
several seeds, so a suite whose inputs or expected values are wrong shows up here. The mutation
report grades each misconception (``solutions/`` with the variant swapped in, written as a
submission folder) on the checks of the functions it affects: a misconception that keeps full
marks on some seed is a survivor, a hole in the suite or its inputs.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.catalog import EXERCISES
from grader.engine import grade_submission
from grader.misconceptions import Misconception, all_misconceptions
from grader.misconceptions.variants import write_submission
from grader.model import SubmissionResult
from grader.sandbox.client import ForkServer
from grader.suites import Check, select_checks


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
        return _text(table)


def _text(table: Table) -> str:
    console = Console(record=True, width=120, force_terminal=False)
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


@dataclass
class MutationRow:
    """One misconception graded on one seed: the checks it lost points on, and those that named it."""

    misconception: str
    exercise: str
    seed: int
    caught_by: list[str]
    named_by: list[str]


@dataclass
class MutationReport:
    rows: list[MutationRow] = field(default_factory=list)

    @property
    def survivors(self) -> list[str]:
        return [f"{r.misconception} (seed {r.seed})" for r in self.rows if not r.caught_by]

    @property
    def unnamed(self) -> list[str]:
        return [f"{r.misconception} (seed {r.seed})" for r in self.rows if r.caught_by and not r.named_by]

    @property
    def ok(self) -> bool:
        return not self.survivors

    def table(self) -> str:
        table = Table(title="grade verify: misconception × caught-by checks")
        for column in ("misconception", "exercise", "seeds caught", "caught by (on every seed)", "named"):
            table.add_column(column, overflow="fold")
        for name, rows in _group(self.rows).items():
            every = set.intersection(*(set(r.caught_by) for r in rows))
            caught = sum(bool(r.caught_by) for r in rows)
            named = sum(bool(r.named_by) for r in rows)
            table.add_row(name, rows[0].exercise, f"{'✓' if caught == len(rows) else '✗'} {caught}/{len(rows)}",
                          _checks_text(every), f"{named}/{len(rows)}")
        return _text(table)


def _group(rows: list[MutationRow]) -> dict[str, list[MutationRow]]:
    groups: dict[str, list[MutationRow]] = {}
    for row in rows:
        groups.setdefault(row.misconception, []).append(row)
    return groups


def _checks_text(check_ids: set[str]) -> str:
    if not check_ids:
        return "—"
    functions = sorted({c.split(":")[0].split(".", 1)[1] for c in check_ids})
    shown = ", ".join(functions[:4]) + (", …" if len(functions) > 4 else "")
    return f"{len(check_ids)} check{'s' if len(check_ids) != 1 else ''}: {shown}"


def mutation_report(seeds: list[int], *, sandbox: ForkServer, checks: list[Check] | None = None,
                    misconceptions: list[Misconception] | None = None) -> MutationReport:
    """Grade every misconception as a submission on every seed; record who caught and who named it."""
    checks = select_checks() if checks is None else checks
    report = MutationReport()
    with tempfile.TemporaryDirectory(prefix="mutations-") as scratch:
        for misconception in all_misconceptions() if misconceptions is None else misconceptions:
            folder = write_submission(misconception, Path(scratch) / misconception.id)
            relevant = [c for c in checks if c.function in misconception.targets]
            for seed in seeds:
                result = grade_submission(folder, misconception.id, relevant, sandbox=sandbox, seed=seed,
                                          trusted_code=True)
                report.rows.append(MutationRow(
                    misconception.id, misconception.exercise, seed,
                    caught_by=[c.check_id for c in result.checks if c.score < c.max_score],
                    named_by=[c.check_id for c in result.checks
                              if c.details.get("misconception", {}).get("id") == misconception.id]))
    return report
