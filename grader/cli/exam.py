"""``grade exam …``: build per-learner papers and keys, grade answer sheets, export to an LMS.

This module defines the click group ``exam``; the main ``grade`` command adds it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..boundary import GRADER_ERROR, describe_error
from ..exam.bank import BANK, TOPICS
from ..exam.blueprint import BlueprintError, load_blueprint
from ..exam.variant import KIND_LABELS


@click.group(name="exam")
def exam() -> None:
    """Exam papers with per-learner variants, their keys, grading and LMS exports."""


def _use_bank(folder: Path | None) -> None:
    """Switch to an instructor's question folder; its problems become a usage error listing them all."""
    if folder is None:
        return
    from ..exam.bank import use_bank
    from ..exam.bankfile import BankFileError

    try:
        use_bank(folder)
    except BankFileError as err:
        raise click.ClickException(f"{folder} is not a usable question bank:\n" + "\n".join(err.problems)) from None


@exam.command(name="generate")
@click.option("--blueprint", "blueprint_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Exam blueprint (YAML): sections, pools, points, partial credit.")
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV with an 'id' column (and optionally 'name').")
@click.option("--seed", required=True, type=int, help="Exam seed; the same seed regenerates the same papers.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--bank", "bank_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
              help="Draw from this question folder instead of the shipped bank (see 'grade exam bank --check').")
def generate(blueprint_path: str, roster: str, seed: int, out: str, bank_dir: Path | None) -> None:
    """Write a paper (HTML, Markdown), an answer sheet and a key for every learner on the roster."""
    from ..exam.workflow import generate_exam

    try:
        _use_bank(bank_dir)
        papers = generate_exam(blueprint_path, roster, seed, out)
    except BlueprintError as err:
        raise click.ClickException(str(err)) from None
    total = papers[0].total_points if papers else 0
    click.echo(f"Generated {len(papers)} paper(s), {len(papers[0].questions) if papers else 0} questions and "
               f"{total:g} points each, seed {seed}.")
    click.echo(f"  papers and answer sheets: {Path(out) / 'papers'}/<learner>/")
    click.echo(f"  keys (keep private):      {Path(out) / 'keys'}/<learner>.json")


@exam.command(name="grade")
@click.argument("answers_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--key", "key_path", required=True, type=click.Path(exists=True),
              help="A key file, a folder of keys, or the folder written by 'grade exam generate'.")
@click.option("--out", default="exam-results", show_default=True, type=click.Path(file_okay=False),
              help="Where results, reports and summary.csv go.")
def grade(answers_dir: str, key_path: str, out: str) -> None:
    """Grade every answer sheet (*.yaml) in ANSWERS_DIR against the keys.

    Results are always written; the exit status is 2 when any sheet, report, record or class
    output failed (the reasons are in OUT/errors.json and on stderr)."""
    from ..exam.workflow import grade_exam, write_errors

    try:
        run = grade_exam(answers_dir, key_path, out)
    except BlueprintError as err:
        raise click.ClickException(str(err)) from None
    except Exception as exc:  # noqa: BLE001 - the run failed as a whole: say why, in the output folder too
        reason = f"{GRADER_ERROR}: grading the exam failed ({describe_error(exc)})"
        write_errors({"exam": reason}, Path(out))
        click.echo(f"error: {reason}", err=True)
        sys.exit(2)
    for learner in sorted(set(run.results) | set(run.not_graded)):
        r = run.results.get(learner)
        click.echo(f"{learner:<20} {r.score:>7g} / {r.max_score:g}" if r else f"{learner:<20} NOT GRADED")
    for name, reason in sorted(run.errors.items()):
        click.echo(f"error: {reason}", err=True)
    if run.missing:
        click.echo(f"no sheet for: {', '.join(run.missing)}", err=True)
    click.echo(f"Results, reports and summary.csv in {Path(out)}/")
    if run.errors:
        sys.exit(2)


@exam.command(name="export")
@click.option("--blueprint", "blueprint_path", type=click.Path(exists=True, dir_okay=False),
              help="Export the pools this blueprint draws from (default: the whole bank).")
@click.option("--seed", required=True, type=int, help="Seed for the variants in each pool.")
@click.option("--variants", default=5, show_default=True, type=click.IntRange(1, 50),
              help="Variants per question (one pool per question).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["moodle", "qti"]),
              help="Which exports to write (default: both).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--bank", "bank_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
              help="Export from this question folder instead of the shipped bank.")
def export(blueprint_path: str | None, seed: int, variants: int, formats: tuple[str, ...], out: str,
           bank_dir: Path | None) -> None:
    """Moodle XML and Canvas QTI 1.2 (zip) with one question pool per bank question."""
    from ..exam.export import export_pools, write_moodle_xml, write_qti_zip

    try:
        _use_bank(bank_dir)
        blueprint = load_blueprint(blueprint_path) if blueprint_path else None
    except BlueprintError as err:
        raise click.ClickException(str(err)) from None
    pools = export_pools(blueprint, seed, variants)
    title = blueprint.title if blueprint else "Deep recurrent networks question bank"
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt in formats or ("moodle", "qti"):
        if fmt == "moodle":
            path = write_moodle_xml(pools, title, out_dir / "moodle.xml")
        else:
            path = write_qti_zip(pools, title, out_dir / "canvas-qti.zip")
        click.echo(f"{fmt}: {path} ({len(pools)} pools, {sum(len(p.variants) for p in pools)} questions)")


@exam.command(name="bank")
@click.option("--topic", type=click.Choice(list(TOPICS)), help="Only this topic.")
@click.option("--check", "check_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Validate a bank folder (one YAML file per topic) instead: exit 1 listing every problem.")
@click.option("--generators", is_flag=True, help="List the named generators numeric and formula questions use.")
def bank(topic: str | None, check_dir: Path | None, generators: bool) -> None:
    """List the question bank: id, topic, kind and tier; or check a bank folder an instructor edited.

    The bank ships as grader/exam/questions/*.yaml; copy that folder, edit it, check it with
    --check DIR and use it with 'grade exam generate --bank DIR'."""
    from ..exam.bank import GENERATORS, check_bank

    if generators:
        for name, (kind, _) in sorted(GENERATORS.items()):
            click.echo(f"{name:<28} {kind}")
        return
    if check_dir is not None:
        problems = check_bank(check_dir, build=True)
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        if problems:
            sys.exit(1)
        from ..exam.bankfile import read_folder

        count = sum(len(f.questions) for _, f in read_folder(check_dir))
        click.echo(f"{check_dir}: {count} questions, all valid (a variant of each was drawn).")
        return
    for q in BANK.values():
        if topic and q.topic != topic:
            continue
        click.echo(f"{q.qid:<28} {q.topic:<14} {KIND_LABELS[q.kind]:<16} tier {q.tier}")


@exam.command(name="audit")
@click.option("--draws", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Variants drawn per question.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the audited draws.")
@click.option("--question", "qids", multiple=True, type=click.Choice(sorted(BANK)), metavar="ID",
              help="Audit only this question (repeatable; default: every numeric and formula question).")
def audit(draws: int, seed: int, qids: tuple[str, ...]) -> None:
    """Prove that every variant tells each catalogued mistake from the key.

    Every mistake of every drawn variant is graded as a learner would write it. A collision is a
    draw where a mistake is marked correct, earns or could earn partial credit (lies in the
    partial-credit band), or is not recognised as itself; "before" counts them in the first candidate
    draw (a bank that never redraws), "after" in the variants papers get. Exits with status 1 if
    any collision remains after redrawing.
    """
    from ..exam.audit import audit_bank

    reports = audit_bank(draws, seed, list(qids) or None)
    click.echo(f"{'question':<24} {'draws':>6}  {'before':>6} {'correct':>7} {'in band':>7} {'unnamed':>7}  "
               f"{'after':>5}  {'redraws/draw':>12}")
    for r in reports:
        b = r.before
        click.echo(f"{r.qid:<24} {r.draws:>6}  {b.collisions:>6} {b.correct:>7} {b.in_band + b.partial:>7} "
                   f"{b.unnamed:>7}  {r.after.collisions:>5}  {r.redraws / r.draws:>12.2f}")
        for example in r.examples:
            click.echo(f"    {example}")
    failed = [r.qid for r in reports if r.after.collisions]
    total_before = sum(1 for r in reports if r.before.collisions)
    click.echo(f"{len(reports)} questions, {draws} draws each: {total_before} had collisions before redrawing, "
               f"{len(failed)} after.")
    if failed:
        click.echo(f"collisions remain in: {', '.join(failed)}", err=True)
        sys.exit(1)
