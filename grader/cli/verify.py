"""``grade verify``: references score full marks and untouched stubs score 0, on several seeds."""
from __future__ import annotations

from pathlib import Path

import click

from grader.verify import verify_references_and_stubs


@click.command()
@click.option("--seeds", type=int, default=3, show_default=True, help="How many seeds to try.")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Repository root holding solutions/ and exercises/.")
def verify(seeds: int, root: Path) -> None:
    """Prove the suites: every reference gets full marks and every stub gets 0."""
    report = verify_references_and_stubs(root, seeds=list(range(1, seeds + 1)))
    click.echo(report.table())
    if not report.ok:
        click.echo("verify FAILED: " + "; ".join(report.problems))
        raise SystemExit(1)
    click.echo("verify passed.")
