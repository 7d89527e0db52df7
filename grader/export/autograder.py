"""Gradescope's container layout: find the learner's files in a submission, and build the autograder zip.

Gradescope unpacks the autograder zip into ``/autograder/source``, runs ``setup.sh`` once when it
builds the image, then ``run_autograder`` for every submission, with the learner's upload in
``/autograder/submission``; the results go to ``/autograder/results/results.json``.

The zip carries ``requirements.txt`` with every dependency pinned (``name==version``, the
project's dependencies and theirs, as installed where the zip is built), so the image grades with
the versions the course tested. ``setup.sh`` installs exactly those, then the grader without
resolving anything again, and ends with ``grade doctor``, which fails the build when no
file-isolation layer works in the image (the hidden checks could not run).
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import jinja2

from grader.catalog import EXERCISE_FILES
from grader.report.render import TEMPLATE_DIR

SOURCE_ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("pyproject.toml", "README.md", "CONTRACT.md", "grader", "exercises", "solutions", "templates")
SCRIPTS = ("setup.sh", "run_autograder")
PROJECT = "deep-rnn-grader"


class SubmissionNotFound(ValueError):
    """The upload holds no exercise files in any layout we accept; the message is learner-facing."""


@dataclass(frozen=True)
class Located:
    """Where the exercise files are: a folder, or an archive made by ``grade submit``."""

    path: Path
    is_archive: bool


def locate_submission(upload: Path) -> Located:
    """The learner's exercise files in a Gradescope upload.

    Accepted, in this order: exercise files at the top of the upload; a single ``.zip`` made by
    ``grade submit``; a single notebook (``.ipynb``, graded from its tagged cells); exercise files in
    exactly one sub-folder (e.g. ``exercises/``).
    """
    if not upload.is_dir():
        raise SubmissionNotFound(f"the submission folder {upload} does not exist")
    if any((upload / name).is_file() for name in EXERCISE_FILES):
        return Located(upload, False)
    archives = sorted(p for p in upload.iterdir() if p.suffix == ".zip" and p.is_file())
    if len(archives) == 1:
        return Located(archives[0], True)
    notebooks = sorted(p for p in upload.iterdir() if p.suffix == ".ipynb" and p.is_file() and not p.is_symlink())
    if len(notebooks) == 1:
        return Located(notebooks[0], False)
    folders = [p for p in upload.iterdir() if p.is_dir() and not p.is_symlink()
               and any((p / name).is_file() for name in EXERCISE_FILES)]
    if len(folders) == 1:
        return Located(folders[0], False)
    raise SubmissionNotFound("no exercise files were found: upload the files "
                             f"({', '.join(EXERCISE_FILES)}), the .zip made by `grade submit`, or your "
                             "notebook (.ipynb)")


def render_script(name: str, **context) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    return env.get_template(f"gradescope/{name}.j2").render(**context)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_requirements(project: str = PROJECT) -> list[str]:
    """``name==version`` for every run-time dependency of ``project`` and theirs (extras left out), as installed."""
    pins: dict[str, str] = {}
    queue = [project]
    while queue:
        name = queue.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if name == project:
                raise
            continue  # an optional dependency that is not installed (it has a marker we do not evaluate)
        for requirement in dist.requires or []:
            spec, _, marker = requirement.partition(";")
            if "extra ==" in marker or "extra==" in marker:
                continue
            dependency = _canonical(re.split(r"[\s<>=!~\[(]", spec.strip(), maxsplit=1)[0])
            if dependency and dependency not in pins:
                try:
                    pins[dependency] = metadata.version(dependency)
                except metadata.PackageNotFoundError:
                    continue
                queue.append(dependency)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def build_zip(out: Path, *, hidden_visibility: str = "after_published", source: Path = SOURCE_ROOT) -> list[str]:
    """Write the autograder zip to ``out``; returns the names it holds (scripts first, then requirements.txt)."""
    names: list[str] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for script in SCRIPTS:
            info = zipfile.ZipInfo(script, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100755 << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, render_script(script, hidden_visibility=hidden_visibility))
            names.append(script)
        archive.writestr("requirements.txt", "\n".join(pinned_requirements()) + "\n")
        names.append("requirements.txt")
        for part in SHIPPED:
            base = source / part
            paths = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
            for path in paths:
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    name = path.relative_to(source).as_posix()
                    archive.write(path, name)
                    names.append(name)
    return names
