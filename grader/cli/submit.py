"""``grade submit``: pack the learner's exercise files into a submission archive."""
from __future__ import annotations

from pathlib import Path

import click

from grader.archive import ArchiveError, is_safe_learner_id, pack_submission


def _learner_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not is_safe_learner_id(value):
        raise click.BadParameter(
            f"{value!r} is not a valid learner id: use 1-64 characters from A-Z a-z 0-9 _ . - "
            "and do not start with '.'"
        )
    return value


@click.command("submit")
@click.option(
    "--dir", "source_dir", default="exercises", show_default=True,
    type=click.Path(path_type=Path),
    help="Folder that holds your exercise files.",
)
@click.option(
    "--learner", required=True, callback=_learner_id,
    help="Your learner id (letters, digits, _ . -).",
)
@click.option(
    "--out", "out_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
    help="Archive to write [default: submission-<learner>.zip].",
)
def submit(source_dir: Path, learner: str, out_path: Path | None) -> None:
    """Pack your exercise files with a manifest of their SHA-256 hashes into a .zip to upload."""
    out = out_path if out_path is not None else Path(f"submission-{learner}.zip")
    try:
        result = pack_submission(source_dir, learner, out)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {result.path}")
    click.echo(f"learner {learner}, grader {result.manifest['grader_version']}, "
               f"created {result.manifest['created']}")
    for entry in result.manifest["files"]:
        click.echo(f"  {entry['sha256']}  {entry['size']:>8}  {entry['name']}")
    if result.missing:
        click.echo(
            f"Missing ({len(result.missing)}, not submitted): {', '.join(result.missing)}"
        )
    else:
        click.echo("Missing: none, all exercise files are included")
