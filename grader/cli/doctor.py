"""``grade doctor``: which sandbox layers work on this machine, and whether hidden suites may run."""
from __future__ import annotations

import click

from grader.sandbox.client import ForkServer
from grader.sandbox.confine import file_isolation_active


@click.command()
def doctor() -> None:
    """Show which isolation layers a sandboxed run gets here."""
    with ForkServer() as sandbox:
        layers = sandbox.layers()
    width = max((len(name) for name in layers), default=10)
    for name, state in layers.items():
        mark = "✓" if state == "active" else "✗"
        click.echo(f"  {mark} {name:<{width}}  {state}")
    if file_isolation_active(layers):
        click.echo("File isolation is active: hidden suites will run.")
    else:
        click.echo("No file isolation layer is active: only public checks will run (fail closed).")
        raise SystemExit(1)
