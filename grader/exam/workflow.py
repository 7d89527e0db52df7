"""The two instructor workflows: generate papers and keys, and grade a folder of answer sheets.

Layout written by :func:`generate_exam` into ``OUT``::

    OUT/manifest.json               exam, seed, blueprint hash, learners and paper ids (no answers)
    OUT/papers/<id>/paper.html      the learner's paper
    OUT/papers/<id>/paper.md
    OUT/papers/<id>/answers.yaml    the answer-sheet template
    OUT/keys/<id>.json              the key: every variant with its answer (keep it private)

:func:`grade_exam` reads ``ANSWERS_DIR/*.yaml`` (or ``*.yml``) and writes, per learner,
``<id>/result.json`` (a :class:`~grader.model.SubmissionResult`), ``report.html`` and
``report.md``, plus ``summary.csv`` for the class. Like ``grade batch``, it records every learner's
result in the SQLite gradebook (``OUT/gradebook.sqlite``) and writes the class summary, dashboard,
``grades.csv`` and ``junit.xml``. A sheet that cannot be read is reported and recorded for its
learner; it never stops the others from being graded.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..boundary import GRADER_ERROR, describe_error
from ..export import safe_csv
from ..model import SubmissionResult
from . import render
from .blueprint import Blueprint, BlueprintError, Paper, build_paper, load_blueprint, load_roster
from .grading import check_sheet_against_paper, grade_answers
from .sheet import SheetError, read_sheet


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def generate_papers(blueprint: Blueprint, learners, seed: int) -> list[Paper]:
    return [build_paper(blueprint, seed, learner) for learner in learners]


def generate_exam(blueprint_path: str | Path, roster_path: str | Path, seed: int, out: str | Path) -> list[Paper]:
    blueprint = load_blueprint(blueprint_path)
    learners = load_roster(roster_path)
    out = Path(out)
    papers = generate_papers(blueprint, learners, seed)
    for paper in papers:
        folder = out / "papers" / paper.learner.id
        _write(folder / "paper.html", render.paper_html(paper))
        _write(folder / "paper.md", render.paper_markdown(paper))
        _write(folder / "answers.yaml", render.answer_sheet(paper))
        _write(out / "keys" / f"{paper.learner.id}.json",
               json.dumps(paper.to_key(), indent=2, ensure_ascii=False) + "\n")
    manifest = {
        "exam": blueprint.title, "seed": seed, "blueprint_sha256": blueprint.digest,
        "total_points": blueprint.total_points,
        "learners": [{"id": p.learner.id, "name": p.learner.name, "paper_id": p.paper_id} for p in papers],
    }
    _write(out / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return papers


def load_keys(path: str | Path) -> dict[str, Paper]:
    """Keys from a key file, a folder of key files, or a ``generate`` output folder (its ``keys/``)."""
    path = Path(path)
    if path.is_dir() and (path / "keys").is_dir():
        path = path / "keys"
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise BlueprintError(f"{path}: no key files (*.json) found")
    keys: dict[str, Paper] = {}
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            paper = Paper.from_key(data)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise BlueprintError(f"{file}: not a usable exam key ({err})") from None
        keys[paper.learner.id] = paper
    return keys


@dataclass
class GradeRun:
    results: dict[str, SubmissionResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)   # sheet file or learner -> reason
    missing: list[str] = field(default_factory=list)        # learners with a key but no sheet
    not_graded: dict[str, str] = field(default_factory=dict)  # learner -> why their sheet could not be graded
    sheet_hashes: dict[str, str] = field(default_factory=dict)  # learner -> SHA-256 of the sheet graded


def grade_exam(answers_dir: str | Path, key_path: str | Path, out: str | Path | None = None) -> GradeRun:
    keys = load_keys(key_path)
    answers_dir = Path(answers_dir)
    if not answers_dir.is_dir():
        raise BlueprintError(f"{answers_dir}: not a folder of answer sheets")
    sheets = sorted([*answers_dir.glob("*.yaml"), *answers_dir.glob("*.yml")])
    run = GradeRun()
    for path in sheets:
        try:
            _grade_sheet(path, keys, run)
        except Exception as exc:  # noqa: BLE001 - one sheet that breaks the grader never stops the others
            reason = f"{path.name}: {GRADER_ERROR}: the grader failed on this sheet ({describe_error(exc)})"
            run.errors[path.name] = reason
            guess = path.stem.split(".")[0]
            if guess in keys and guess not in run.results:
                run.not_graded[guess] = reason
    run.missing = sorted(set(keys) - set(run.results) - set(run.not_graded))
    if out is not None:
        write_results(run, keys, Path(out))
    return run


def _grade_sheet(path: Path, keys: dict[str, Paper], run: GradeRun) -> None:
    """Grade one answer sheet into ``run``: its result, or why its learner is not graded."""
    learner_guess = path.stem.split(".")[0]
    try:
        sheet = read_sheet(path)
    except SheetError as err:
        run.errors[path.name] = str(err)
        if learner_guess in keys and learner_guess not in run.results:
            run.not_graded[learner_guess] = f"unreadable answer sheet: {err}"
        return
    paper = keys.get(sheet.learner)
    if paper is None:
        run.errors[path.name] = f"{path.name}: no key for learner {sheet.learner!r}"
        return
    if sheet.learner in run.results:
        run.errors[path.name] = f"{path.name}: a second sheet for {sheet.learner!r}; the first one was graded"
        return
    try:
        notes = check_sheet_against_paper(sheet, paper)
    except SheetError as err:
        run.errors[path.name] = str(err)
        run.not_graded[sheet.learner] = f"answer sheet not graded: {err}"
        return
    result = grade_answers(paper, sheet.answers)
    result.notes.extend(notes + [f"{path.name}, {note}" for note in sheet.notes])
    run.results[sheet.learner] = result
    run.not_graded.pop(sheet.learner, None)
    run.sheet_hashes[sheet.learner] = hashlib.sha256(path.read_bytes()).hexdigest()


def write_results(run: GradeRun, keys: dict[str, Paper], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for learner, result in run.results.items():
        try:
            _write_learner(result, keys[learner].exam, out / learner)
        except Exception as exc:  # noqa: BLE001 - one learner's reports never stop the others
            run.errors[learner] = f"{learner}: {GRADER_ERROR}: its reports could not be written ({describe_error(exc)})"
    rows = [["learner", "score", "max_score", "status", "reason"]]
    for learner in sorted(keys):
        if learner in run.results:
            r = run.results[learner]
            rows.append([learner, f"{r.score:g}", f"{r.max_score:g}", "graded", ""])
        elif learner in run.not_graded:
            rows.append([learner, "", f"{keys[learner].total_points:g}", "not graded", run.not_graded[learner]])
        else:
            rows.append([learner, "", f"{keys[learner].total_points:g}", "no sheet", ""])
    tmp = out / "summary.csv.tmp"
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        safe_csv.writer(fh, lineterminator="\r\n").writerows(rows)
    os.replace(tmp, out / "summary.csv")
    _record_like_a_batch(run, keys, out)
    if run.errors:
        write_errors(run.errors, out)


def write_errors(errors: dict[str, str], out: Path) -> None:
    """``OUT/errors.json``: what could not be graded, written, recorded or rendered, and why."""
    _write(out / "errors.json", json.dumps(errors, indent=2, ensure_ascii=False) + "\n")


def _write_learner(result: SubmissionResult, exam, folder: Path) -> None:
    _write(folder / "result.json", json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    _write(folder / "report.html", render.report_html(result, exam))
    _write(folder / "report.md", render.report_markdown(result, exam))


def _record_like_a_batch(run: GradeRun, keys: dict[str, Paper], out: Path) -> None:
    """The gradebook rows and class-wide outputs that ``grade batch`` writes, for exam results."""
    from ..batch import BatchOutcome, write_class_outputs
    from ..gradebook import Gradebook, GradingKey

    failures = {learner: "no answer sheet" for learner in run.missing} | run.not_graded
    with Gradebook(out / "gradebook.sqlite") as book:
        for learner in sorted(set(run.results) | set(run.not_graded)):
            paper = keys[learner]
            result = run.results.get(learner)
            key = GradingKey(learner=learner, content_hash=run.sheet_hashes.get(learner, "unreadable"),
                             batch_seed=paper.seed, grader_version=__version__,
                             suite_hash=hashlib.sha256(json.dumps(paper.to_key(), sort_keys=True).encode()).hexdigest())
            try:
                if result is not None:
                    book.record(key, f"exam sheet of {learner}", result, status="graded")
                else:
                    book.record(key, f"exam sheet of {learner}", None, status="rejected",
                                reason=run.not_graded[learner])
            except Exception as exc:  # noqa: BLE001 - one result that cannot be stored never stops the others
                run.errors[learner] = f"{learner}: {GRADER_ERROR}: its result could not be recorded ({describe_error(exc)})"
    outcome = BatchOutcome(results=sorted(run.results.values(), key=lambda r: r.learner), failures=failures)
    write_class_outputs(outcome, out)
    for name, why in outcome.output_errors.items():
        run.errors[f"class output {name}"] = why
