"""Find the submissions in a folder, whatever made it, and give each one learner identity.

One entry of the folder (a sub-folder or a ``.zip``) is one submission. Where the files are:

- a folder with exercise files at its top (``alice/gru.py``), or with exactly one notebook;
- a ``.zip`` (made by ``grade submit``, or by hand, see ``grader.archive.extract``);
- a notebook (``alice.ipynb``), graded from its tagged cells (``grader.notebook``);
- Canvas's or Moodle's one file per upload (``lovelaceada_12345_67890_gru.py`` …): the ``.py`` files
  of one LMS user are gathered into one folder (under ``staging``) and graded together, under
  their original names (Canvas's ``-1`` on a re-uploaded name is dropped);
- a folder holding exactly one ``.zip`` or one sub-folder with the exercise files (Moodle's folder
  per participant, Gradescope's ``submission_<n>/``, a learner's ``alice/exercises/``).

Who it is, in this order (see ``grader.intake.layouts`` for the names each LMS writes):

1. the archive's manifest (``grade submit`` writes the learner id into it);
2. else the roster (``--roster``), matched on the keys the LMS put in the name;
3. else the id the name gives outright (``submission-<id>.zip``, ``<id>.zip``, ``<id>/``), or
   Gradescope's submitter SID;
4. else the slug of the person's or folder's name (``grade.names.slug``: "José García" → ``jose_garcia``).

The display name is the roster's, else the LMS's or folder's own name, kept exactly.

An archive whose name or roster entry says one learner and whose manifest says another is graded
as its manifest's learner with a warning; if that learner also has a submission of their own
here, the renamed archive is not graded (and says why). Two entries that still come to the same
learner are both left out, with the reason, so that neither is graded under the other's name.
"""
from __future__ import annotations

import re
import stat
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grader.archive import ArchiveError
from grader.archive.extract import read_archive
from grader.catalog import EXERCISE_FILES
from grader.archive.manifest import MAX_FILES, is_module_file
from grader.files import FileRefused, read_regular_file
from grader.intake.layouts import LmsName, read_name
from grader.intake.roster import Roster, RosterEntry
from grader.names import has_control_characters, is_safe_learner_id, shown, slug

GRADESCOPE_METADATA = "submission_metadata.yml"
MAX_METADATA_BYTES = 16 * 1024 * 1024
_IGNORED = {GRADESCOPE_METADATA, "__MACOSX", "Thumbs.db", "desktop.ini"}
_REUPLOADED = re.compile(r"(?P<stem>.+?)-\d+\.py")
MAX_FILE_BYTES = 1024 * 1024


class NotASubmissionsFolder(ValueError):
    """The folder given is not a folder of submissions (e.g. one learner's own folder)."""


@dataclass(frozen=True)
class Identity:
    """Who a submission is from, and how that was decided."""

    learner: str
    display_name: str
    source: str  # "manifest", "roster", "name"
    entry: str  # the entry's name in the submissions folder
    lms: str = "plain"  # "canvas", "moodle", "gradescope", "submit", "plain"
    lms_user_id: str = ""  # Canvas user ID / Moodle participant number / Gradescope SID
    late: bool = False  # Canvas marked the hand-in late
    roster: RosterEntry | None = None


@dataclass(frozen=True)
class Submission:
    """One learner's submission on disk: a folder, or an archive to vet and extract first."""

    learner: str
    path: Path
    identity: Identity | None = None

    @property
    def is_archive(self) -> bool:
        return self.path.suffix.lower() == ".zip"

    @property
    def notebook(self) -> Path | None:
        """The notebook to grade: the submission itself (``alice.ipynb``), or a folder's only notebook
        when it holds no exercise files."""
        if self.path.suffix == ".ipynb":
            return self.path
        if self.path.is_dir() and not has_exercise_files(self.path):
            return only_notebook(self.path)
        return None

    @property
    def display_name(self) -> str:
        return self.identity.display_name if self.identity else self.learner


@dataclass
class Discovery:
    """The submissions found, the entries that could not be used (entry or learner → why) and warnings."""

    submissions: list[Submission] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def graded_files(folder: Path) -> dict[str, bytes]:
    """The top-level ``.py`` files of ``folder`` as the sandbox copies them for grading: regular files
    only (a link or a FIFO is skipped, never waited on), each at most ``MAX_SUBMISSION_FILE_BYTES``,
    at most ``MAX_SUBMISSION_FILES`` of them, by name."""
    from grader.files import FileRefused, read_regular_file
    from grader.sandbox.client import MAX_SUBMISSION_FILE_BYTES, MAX_SUBMISSION_FILES

    files: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.py")):
        try:
            files[path.name] = read_regular_file(path, MAX_SUBMISSION_FILE_BYTES)
        except (FileRefused, OSError):
            continue
        if len(files) >= MAX_SUBMISSION_FILES:
            break
    return files


def has_exercise_files(folder: Path) -> bool:
    return any((folder / name).is_file() for name in EXERCISE_FILES)


def only_notebook(folder: Path) -> Path | None:
    """The folder's one notebook, or None when it has none or several."""
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    return notebooks[0] if len(notebooks) == 1 else None


def discover(submissions_dir: Path, roster: Roster | None = None, staging: Path | None = None) -> Discovery:
    """Every submission in ``submissions_dir`` with its identity; see the module docstring.

    ``staging``: an empty folder for the files an LMS delivered one by one (left alone if None: such
    files are then reported as not usable)."""
    if has_exercise_files(submissions_dir):
        raise NotASubmissionsFolder(
            f"{submissions_dir} holds exercise files itself, so it looks like one learner's folder; give the "
            "folder that holds one folder or .zip per learner (e.g. submissions/ with submissions/alice/gru.py)")
    found = Discovery()
    metadata = _gradescope_metadata(submissions_dir, found)
    claimed: list[tuple[Submission, str]] = []  # (submission, the id its name or roster entry gave)
    loose: dict[tuple[str, str], list[tuple[Path, LmsName]]] = defaultdict(list)
    for entry in sorted(submissions_dir.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name.startswith(".") or name.lower().startswith("readme") or name in _IGNORED:
            continue
        if has_control_characters(name):
            found.skipped[shown(name)] = "has control characters in its name; rename it to the learner's id"
            continue
        kind = _kind(entry)
        if kind == "link":
            found.skipped[name] = "is a symbolic link; submissions must be real folders or archives"
            continue
        if kind == "file" and name.endswith(".py"):
            lms = read_name(name, False)
            if lms.lms in ("canvas", "moodle") and lms.user_id:
                loose[(lms.lms, lms.user_id)].append((entry, lms))
                continue
        if kind == "dir":
            payload, why = _payload_in_folder(entry)
        elif kind == "file" and name.lower().endswith((".zip", ".ipynb")):
            payload, why = entry, ""
        else:
            payload, why = None, ("is neither a folder, a .zip archive nor a notebook (.ipynb) (a single .py file? "
                                  "put each learner's files in a folder of their own, or hand in the .zip made by "
                                  "`grade submit`)")
        if payload is None:
            found.skipped[name] = why
            continue
        lms = read_name(name, kind == "dir")
        try:
            submission, expected = _identify(name, payload, lms, roster, metadata.get(name, []), found)
        except ValueError as exc:
            found.skipped[name] = f"no learner id can be made from its name ({exc})"
            continue
        claimed.append((submission, expected))
    for (kind, user), files in sorted(loose.items()):
        label = f"{files[0][1].person}_{user}_… ({len(files)} file{'s' if len(files) > 1 else ''} from {kind})"
        folder, why = _gather(files, staging / f"{kind}-{user}" if staging is not None else None)
        if folder is None:
            found.skipped[label] = why
            continue
        lms = LmsName(kind, "", person=files[0][1].person, user_id=user, late=any(f[1].late for f in files))
        try:
            claimed.append(_identify(label, folder, lms, roster, [], found))
        except ValueError as exc:
            found.skipped[label] = f"no learner id can be made from its name ({exc})"
    _settle(claimed, found)
    return found


def _gather(files: list[tuple[Path, LmsName]], folder: Path | None) -> tuple[Path | None, str]:
    """One LMS user's files, copied into ``folder`` under their original names; or None and why not."""
    if folder is None:
        return None, "files handed in one by one are gathered by `grade batch` (give it this folder)"
    named: dict[str, Path] = {}
    for path, lms in files:
        original = lms.original
        match = _REUPLOADED.fullmatch(original)
        if match and is_module_file(f"{match['stem']}.py"):
            original = f"{match['stem']}.py"
        if not is_module_file(original):
            continue
        if original in named:
            return None, f"has two files named {original} ({shown(named[original].name)}, {shown(path.name)}); keep one"
        named[original] = path
    if not any(name in EXERCISE_FILES for name in named):
        return None, f"holds none of the exercise files ({', '.join(EXERCISE_FILES)})"
    if len(named) > MAX_FILES:
        return None, f"has {len(named)} Python files, more than the {MAX_FILES} a submission may hold"
    folder.mkdir(parents=True)
    for original, path in named.items():
        try:
            (folder / original).write_bytes(read_regular_file(path, MAX_FILE_BYTES))
        except (FileRefused, OSError) as exc:
            return None, f"{shown(path.name)} cannot be read ({shown(exc)})"
    return folder, ""


def _kind(entry: Path) -> str:
    try:
        mode = entry.lstat().st_mode
    except OSError:
        return "gone"
    if stat.S_ISLNK(mode):
        return "link"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def _payload_in_folder(folder: Path) -> tuple[Path | None, str]:
    """The files to grade inside one entry's folder (itself, its one archive or its one exercise folder)."""
    if has_exercise_files(folder) or only_notebook(folder) is not None:
        return folder, ""
    archives, folders = [], []
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.name.startswith(".") or child.name in _IGNORED:
            continue
        kind = _kind(child)
        if kind == "file" and child.name.lower().endswith(".zip"):
            archives.append(child)
        elif kind == "dir" and has_exercise_files(child):
            folders.append(child)
    if len(archives) + len(folders) == 1:
        return (archives + folders)[0], ""
    if not archives and not folders:
        return None, (f"holds none of the exercise files ({', '.join(EXERCISE_FILES)}), "
                      "not exactly one notebook (.ipynb), no .zip and no folder that holds them")
    names = ", ".join(p.name for p in archives + folders)
    return None, f"holds several hand-ins ({shown(names)}); keep the one to grade"


def _identify(entry: str, payload: Path, lms: LmsName, roster: Roster | None, submitters: list[dict],
              found: Discovery) -> tuple[Submission, str]:
    """The submission with its identity, and the learner id its name or roster entry gave ("" if none)."""
    manifest_learner = ""
    if payload.suffix.lower() == ".zip":
        try:
            manifest_learner = read_archive(payload).learner or ""
        except ArchiveError:
            pass  # graded (and rejected, with the reason) by the worker, under the name's identity
    first = submitters[0] if submitters else {}
    person = (lms.person or first.get("name", "")
              or ("" if lms.claim or lms.lms != "plain" else entry.removesuffix(".zip").removesuffix(".ipynb")))
    matched = None
    if roster is not None:
        matched = roster.find(canvas_id=lms.user_id if lms.lms == "canvas" else "",
                              participant=lms.user_id if lms.lms == "moodle" else "",
                              sid=first.get("sid", ""), email=first.get("email", ""), learner=lms.claim,
                              name=person, canvas_name=person if lms.lms == "canvas" else "")
    expected = matched.learner if matched else lms.claim
    if manifest_learner:
        learner, source = manifest_learner, "manifest"
    elif matched:
        learner, source = matched.learner, "roster"
    elif expected:
        learner, source = expected, "name"
    elif is_safe_learner_id(first.get("sid", "")):
        learner, source = first["sid"], "name"
    else:
        learner, source = slug((first.get("email", "").split("@")[0]) or person or entry), "name"
    own = matched if matched and matched.learner == learner else (roster.find(learner=learner) if roster else None)
    if own is not None:
        display = own.name
    elif source != "manifest" or not expected or expected == learner:
        display = person or learner
    else:
        display = learner
    if len(submitters) > 1:
        found.warnings.append(f"{shown(entry)} is a group hand-in by {len(submitters)} submitters; "
                              f"graded once, as {learner}")
    identity = Identity(learner, display, source, entry, lms.lms, lms.user_id or str(first.get("sid", "")),
                        lms.late, own)
    return Submission(learner, payload, identity), expected


def _settle(claimed: list[tuple[Submission, str]], found: Discovery) -> None:
    """Warn about archives named after someone else, and leave out entries that come to one learner twice."""
    honest = {s.learner for s, expected in claimed if not expected or expected == s.learner}
    kept = []
    for submission, expected in claimed:
        entry = shown(submission.identity.entry)
        if expected and expected != submission.learner:
            what = (f"{entry} is named after learner {expected!r}, but its manifest names {submission.learner!r}")
            if submission.learner in honest:
                found.skipped[submission.identity.entry] = (f"{what}, who has a submission of their own here; "
                                                            "not graded (check who handed in what)")
                found.warnings.append(f"{what}, who has a submission of their own here: {entry} is not graded")
                continue
            found.warnings.append(f"{what}: graded as {submission.learner!r}")
        kept.append(submission)
    counts = Counter(s.learner for s in kept)
    for submission in kept:
        if counts[submission.learner] > 1:
            entries = ", ".join(shown(s.identity.entry) for s in kept if s.learner == submission.learner)
            found.skipped[submission.learner] = f"has {counts[submission.learner]} submissions ({entries}); keep one"
        else:
            found.submissions.append(submission)


def _gradescope_metadata(folder: Path, found: Discovery) -> dict[str, list[dict]]:
    """Gradescope's export: ``submission_<n>`` → its submitters as dicts with ``name``, ``sid``, ``email``."""
    path = folder / GRADESCOPE_METADATA
    if not path.is_file() or path.is_symlink():
        return {}
    import yaml

    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise ValueError("too large")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        found.warnings.append(f"{GRADESCOPE_METADATA} cannot be read ({shown(exc)}); folders are named by slug")
        return {}
    result: dict[str, list[dict]] = {}
    for key, value in (data or {}).items() if isinstance(data, dict) else []:
        submitters = value.get(":submitters") or value.get("submitters") if isinstance(value, dict) else None
        if isinstance(submitters, list):
            result[str(key)] = [{k.lstrip(":"): str(v) for k, v in s.items() if isinstance(k, str)}
                                for s in submitters if isinstance(s, dict)]
    return result
