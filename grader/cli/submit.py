"""``grade submit``: pack the learner's exercise files into a submission archive."""
from __future__ import annotations

from pathlib import Path

import click

from grader.archive import ArchiveError, pack_submission
from grader.names import LEARNER_ID_RULE, is_safe_learner_id, shown


def _learner_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not is_safe_learner_id(value):
        raise click.BadParameter(f"{shown(repr(value))} is not a valid learner id: use {LEARNER_ID_RULE}")
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
    """Pack your exercise files, the helper modules they import, and a manifest of their SHA-256 hashes into a .zip to upload."""
    out = out_path if out_path is not None else Path(f"submission-{learner}.zip")
    try:
        result = pack_submission(source_dir, learner, out)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {result.path}")
    click.echo(f"learner {learner}, grader {result.manifest['grader_version']}, "
               f"created {result.manifest['created']}")
    click.echo(f"Packed {len(result.manifest['files'])} files:")
    for entry in result.manifest["files"]:
        why = (f"  (helper, imported by {', '.join(result.helpers[entry['name']])})"
               if entry["name"] in result.helpers else "")
        click.echo(f"  {entry['sha256']}  {entry['size']:>8}  {entry['name']}{why}")
    for name, importers in sorted(result.unresolved.items()):
        click.echo(f"Warning: {', '.join(importers)} imports {name[:-3]}, but there is no {name} in "
                   f"{source_dir}; that import will fail when graded")
    for name, why in sorted(result.unreadable.items()):
        click.echo(f"Warning: the imports of {name} could not be read ({why}); it is packed as it is")
    if result.left_out:
        click.echo(f"Not packed (no exercise file imports them): {', '.join(result.left_out)}")
    if result.missing:
        click.echo(
            f"Missing ({len(result.missing)}, not submitted): {', '.join(result.missing)}"
        )
    else:
        click.echo("Missing: none, all exercise files are included")
