"""What an LMS's bulk download says about who made each file or folder, read from its name.

=============  ============================================================  ===========================
LMS            bulk-download name                                            read as
=============  ============================================================  ===========================
Canvas         ``lovelaceada_12345_67890_submission-ada_lovelace.zip``,      Canvas user ID 12345, the
               ``lovelaceada_LATE_12345_67890_gru.py`` (``_LATE_`` marks      name form ``lovelaceada``,
               a late hand-in), ``…_<user id>_<file id>_<original name>``    the original file name
Moodle         a folder ``José García_4242_assignsubmission_file_`` per      full name, participant 4242
               participant (or flat files ``…_file_<original name>``)
Gradescope     ``submission_<n>/`` beside ``submission_metadata.yml``        the submitters listed there
``grade        ``submission-<learner>.zip``                                  the learner id
submit``
plain          ``<learner>/``, ``<learner>.zip``, or any name                the name (slugged if needed)
=============  ============================================================  ===========================
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from grader.names import is_safe_learner_id

CANVAS = re.compile(r"(?P<name>[^_]+?)(?:_(?P<late>LATE|late))?_(?P<user>\d+)_(?P<file>\d+)_(?P<original>.+)")
MOODLE = re.compile(r"(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_(?:file|onlinetext)_(?P<original>.*)")
GRADESCOPE = re.compile(r"submission_\d+")
SUBMIT = re.compile(r"submission-(?P<learner>.+?)(?:-\d+)?\.zip")  # Canvas may append -1, -2 to a re-upload


@dataclass(frozen=True)
class LmsName:
    """What a name says: the LMS, the learner id it names outright (``claim``), and the LMS's own keys."""

    lms: str  # "canvas", "moodle", "gradescope", "submit", "plain"
    original: str  # the name without the LMS's additions
    claim: str = ""  # a learner id the name gives outright (``submission-<id>.zip``, ``<id>.zip``, ``<id>/``)
    person: str = ""  # a person's name as the LMS wrote it
    user_id: str = ""  # Canvas user ID / Moodle participant number
    late: bool = False


def claimed_id(original: str) -> str:
    """The learner id a bare name gives outright, or ``""``: ``submission-<id>.zip``, ``<id>.zip``, ``<id>.ipynb``, ``<id>``."""
    match = SUBMIT.fullmatch(original)
    if match and is_safe_learner_id(match["learner"]):
        return match["learner"]
    stem = original.removesuffix(".zip").removesuffix(".ipynb")
    return stem if is_safe_learner_id(stem) and not stem.startswith("submission") else ""


def read_name(name: str, is_dir: bool) -> LmsName:
    """Read one entry name of a submissions folder."""
    if is_dir and GRADESCOPE.fullmatch(name):
        return LmsName("gradescope", name)
    moodle = MOODLE.fullmatch(name)
    if moodle:
        original = moodle["original"]
        return LmsName("moodle", original, claim=claimed_id(original) if original else "",
                       person=moodle["name"], user_id=moodle["participant"])
    canvas = None if is_dir else CANVAS.fullmatch(name)
    if canvas:
        original = canvas["original"]
        return LmsName("canvas", original, claim=claimed_id(original), person=canvas["name"],
                       user_id=canvas["user"], late=bool(canvas["late"]))
    if not is_dir and SUBMIT.fullmatch(name):
        return LmsName("submit", name, claim=claimed_id(name))
    return LmsName("plain", name, claim=claimed_id(name) if not is_dir else (name if is_safe_learner_id(name) else ""))
