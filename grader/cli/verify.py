"""``grade verify``: references score full marks, untouched stubs score 0, and every known
misconception loses points (the mutation report), on several seeds."""
from __future__ import annotations

import time
from pathlib import Path

import click

from grader.misconceptions import all_misconceptions, by_id
from grader.sandbox.client import ForkServer
from grader.verify import mutation_report, verify_references_and_stubs


@click.command()
@click.option("--seeds", type=int, default=3, show_default=True, help="How many seeds to try.")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Repository root holding solutions/ and exercises/.")
@click.option("--mutations/--no-mutations", default=True, show_default=True,
              help="Also grade every known misconception and require each to lose points.")
@click.option("-m", "--misconception", "only", multiple=True, metavar="ID",
              help="Grade only these misconceptions in the mutation report (repeatable).")
def verify(seeds: int, root: Path, mutations: bool, only: tuple[str, ...]) -> None:
    """Prove the suites: references get full marks, stubs get 0, no misconception survives."""
    try:
        chosen = ([by_id(name) for name in only] if only else all_misconceptions()) if mutations else []
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--misconception") from None
    seed_list = list(range(1, seeds + 1))
    started = time.perf_counter()
    report = verify_references_and_stubs(root, seeds=seed_list)
    click.echo(report.table())
    problems = list(report.problems)
    click.echo(f"references and stubs: {time.perf_counter() - started:.1f} s")
    if mutations:
        started = time.perf_counter()
        with ForkServer() as sandbox:
            mutants = mutation_report(seed_list, sandbox=sandbox, misconceptions=chosen)
        click.echo(mutants.table())
        click.echo(f"mutation report: {len(chosen)} misconceptions × {len(seed_list)} seeds in "
                   f"{time.perf_counter() - started:.1f} s")
        if mutants.unnamed:
            click.echo("note: caught but never named in the feedback: " + ", ".join(mutants.unnamed))
        problems += [f"misconception survives: {name}" for name in mutants.survivors]
    if problems:
        click.echo("verify FAILED: " + "; ".join(problems))
        raise SystemExit(1)
    click.echo("verify passed.")
