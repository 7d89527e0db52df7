"""Grade a whole class: find the submissions, grade them in parallel, keep every result in the gradebook.

A submission is a sub-folder of the submissions folder (``SUBMISSIONS/alice/gru.py``) or a
``.zip`` archive (``SUBMISSIONS/alice.zip``), in any of the layouts an LMS's bulk download has;
``grader.intake`` finds them and gives each one learner identity. One learner's broken folder
or archive never stops the batch: it is recorded as a failure with its reason.

The steps of ``run_batch``, in order:
  1. ``discover``  — the submissions with their identities, and the entries that are not submissions (with why)
  2. ``plan``      — each submission's content hash; those already graded with the same batch seed,
     grader version and suite are reused from the gradebook, the rest become tasks
  3. grade         — the tasks on a pool of fork-server workers (``grader.pool``); each result is
     committed to the gradebook in its own transaction as soon as it arrives
  4. write         — per-learner reports (by the workers), the class summary, dashboard and exports

Seeds: the batch has one seed (given, or kept in the gradebook so a re-run resumes, or drawn
fresh). By default (``inputs="learner"``) each learner grades with ``learner_seed(batch_seed,
learner)``: inputs differ per learner and per batch, as DESIGN.md asks. With ``inputs="shared"``
every learner of the batch gets the batch seed itself; the inputs are still fresh per batch and
never shown for hidden checks, and each worker then computes the inputs, expected values and
misconception variants once per check instead of once per learner (see
``benchmarks/batch_throughput.py`` for what that buys). Either way a result depends only on the
learner's files and the batch seed, never on the number of workers or the order of grading.
"""
from __future__ import annotations

import gc
import hashlib
import random
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from grader import __version__
from grader.archive import ArchiveError, ArchiveLimits
from grader.archive.extract import extract_archive, read_archive
from grader.archive.manifest import MANIFEST_NAME
from grader.boundary import GRADER_ERROR, describe_error
from grader.cluster.errors import ClusterError
from grader.engine import Preparer, grade_submission, prepare
from grader.files import FileRefused, read_regular_file
from grader.gradebook import Gradebook, GradingKey
from grader.intake import Identity, Roster, Submission, discover, graded_files
from grader.model import SubmissionResult
from grader.names import result_folder_name
from grader.notebook.cells import modules_from_notebook, read_notebook_file, write_modules
from grader.pool import GradingPool, InputScope, PoolKind, ReportMode, Task, TaskOutcome
from grader.sandbox.client import ForkServer
from grader.suites import Check

GRADING_CODE = ("solutions", "grader/suites", "grader/judge.py", "grader/compare.py", "grader/engine.py",
                "grader/reference.py")
_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class BatchOutcome:
    """What a batch produced: the class's results (sorted by learner) and who could not be graded."""

    results: list[SubmissionResult] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # learner -> why it could not be graded
    batch_seed: int = 0
    graded: list[str] = field(default_factory=list)  # graded in this run
    reused: list[str] = field(default_factory=list)  # taken from the gradebook unchanged
    latencies: dict[str, float] = field(default_factory=dict)  # learner -> seconds in its worker
    output_errors: dict[str, str] = field(default_factory=dict)  # class output -> what went wrong writing it
    identities: dict[str, Identity] = field(default_factory=dict)  # learner -> who it is, from discovery
    warnings: list[str] = field(default_factory=list)  # about the hand-ins (e.g. an archive named after another learner)
    interrupted: bool = False  # stopped by Ctrl-C: what was committed is kept, the class outputs written


@dataclass
class BatchOptions:
    """How to run a batch; the defaults suit a class on one machine."""

    seed: int | None = None  # None: the gradebook's batch seed (resume), else a fresh one
    workers: int | None = None  # None: one per core
    pool: PoolKind = "process"
    gradebook: Path | None = None  # None: OUT/gradebook.sqlite
    reports: ReportMode = "all"
    inputs: InputScope = "learner"  # "shared": one seed for the whole batch (faster, see the module doc)
    class_outputs: bool = True  # index.html, summary.md, dashboard.html, grades.csv, junit.xml, LMS exports
    roster: Roster | None = None  # LMS export mapping names in the hand-ins to learner ids and display names
    assignment: str = "Deep RNN exercises"  # the assignment's column in the LMS exports
    cluster: str | None = None  # "local:N" or "tcp://HOST:PORT": grade on Dask workers (grader.cluster)


ProgressHook = Callable[[str, SubmissionResult | None, bool], None]  # learner, result, reused
StartHook = Callable[[int, int, int], None]  # submissions, to grade now, entries that are not submissions


@contextmanager
def opened(submission: Submission, notes: list[str] | None = None) -> Iterator[Path]:
    """The folder to grade: the submission itself, a private extraction of its archive, or the
    modules of its notebook's tagged cells (what reading them found is added to ``notes``)."""
    if submission.notebook is not None:
        with _notebook_modules(submission.notebook, notes if notes is not None else []) as folder:
            yield folder
        return
    if not submission.is_archive:
        yield submission.path
        return
    scratch = Path(tempfile.mkdtemp(prefix="extract-"))
    try:
        extracted = extract_archive(submission.path, scratch)
        if extracted.learner is not None and extracted.learner != submission.learner:
            raise ArchiveError("learner_mismatch", f"the archive's manifest names learner "
                               f"{extracted.learner!r}, but it was handed in as {submission.learner!r}")
        yield extracted.path
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def _notebook_modules(path: Path, notes: list[str]) -> Iterator[Path]:
    """A private folder holding the notebook's tagged cells as exercise files (nothing is executed)."""
    modules = modules_from_notebook(read_notebook_file(path))
    notes.extend(modules.notes)
    scratch = Path(tempfile.mkdtemp(prefix="notebook-"))
    try:
        write_modules(modules, scratch)
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade_one(submission: Submission, checks: list[Check], sandbox: ForkServer, seed: int,
              preparer: Preparer = prepare) -> SubmissionResult:
    notes: list[str] = []
    with opened(submission, notes) as folder:
        result = grade_submission(folder, submission.learner, checks, sandbox=sandbox, seed=seed, preparer=preparer)
    result.notes[:0] = notes
    return result


# -- identities: what makes two gradings the same -------------------------------------------------


def learner_seed(batch_seed: int, learner: str) -> int:
    """The learner's own grading seed: fixed by the batch seed and the learner id, nothing else."""
    digest = hashlib.sha256(f"{batch_seed}:{learner}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def content_hash(submission: Submission) -> str:
    """SHA-256 over the files that would be graded (name and bytes), the same for folder and archive.

    A folder contributes its top-level ``.py`` files as the sandbox copies them (regular files,
    size and count capped); an archive its vetted exercise files. An archive that cannot be read
    is identified by its raw bytes, so its rejection is remembered too.
    """
    files: dict[str, bytes] = {}
    if submission.notebook is not None:
        raw = b""
        try:
            raw = read_notebook_file(submission.notebook)
            files = {name: source.encode() for name, source in modules_from_notebook(raw).sources.items()}
        except ArchiveError:
            return "raw:" + hashlib.sha256(raw).hexdigest()
    elif submission.is_archive:
        try:
            contents = read_archive(submission.path).files
        except ArchiveError as exc:
            return "raw:" + hashlib.sha256(_raw_bytes(submission.path, exc)).hexdigest()
        files = {name: data for name, data in contents.items() if name != MANIFEST_NAME}
    else:
        files = graded_files(submission.path)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    return digest.hexdigest()


def _raw_bytes(path: Path, refusal: ArchiveError) -> bytes:
    """What identifies an archive that was refused: its bytes, or (not a regular file, too
    large, unreadable) the refusal itself, read without waiting on a FIFO."""
    try:
        return read_regular_file(path, ArchiveLimits().max_archive_bytes, follow_symlinks=True)
    except (FileRefused, OSError):
        return f"{refusal.code}: {refusal}".encode()


def suite_hash(checks: list[Check]) -> str:
    """A fingerprint of what grading means: the checks' ids, points and visibility, and the grading code."""
    digest = hashlib.sha256()
    for check in checks:
        digest.update(f"{check.check_id}|{check.points}|{check.visibility}|{check.kind}|{check.tolerance}\n".encode())
    for part in GRADING_CODE:
        base = _ROOT / part
        for path in sorted(base.rglob("*.py")) if base.is_dir() else [base]:
            if path.is_file():
                digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# -- the batch -------------------------------------------------------------------------------------


def choose_batch_seed(book: Gradebook, seed: int | None) -> int:
    """The given seed, else the one the gradebook's last batch used (so a re-run resumes), else a new one."""
    if seed is None:
        stored = book.get_meta("batch_seed")
        seed = int(stored) if stored is not None else random.SystemRandom().randrange(2**31)
    book.set_meta("batch_seed", str(seed))
    return seed


def run_batch(submissions_dir: Path, out_dir: Path, checks: list[Check], *, seed: int | None = None,
              options: BatchOptions | None = None, on_start: StartHook | None = None,
              on_done: ProgressHook | None = None) -> BatchOutcome:
    """Grade every submission not already in the gradebook; write reports, summary and exports to ``out_dir``.

    ``on_start(total, to_grade, not_usable)`` is called once planning is done (``total``
    submissions, of which ``to_grade`` are graded now; ``not_usable`` entries are not submissions); ``on_done(learner, result,
    reused)`` after each submission (``result`` is None when it could not be graded).
    """
    staging = Path(tempfile.mkdtemp(prefix="hand-ins-"))  # files an LMS delivered one by one, gathered per learner
    try:
        with _collector_skips_what_is_loaded():
            return _run_batch(submissions_dir, out_dir, checks, options or BatchOptions(), seed, on_start, on_done,
                              staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _collector_skips_what_is_loaded() -> Iterator[None]:
    """While a batch runs, the garbage collector leaves alone what was loaded before it (the grader,
    NumPy, SymPy, the checks: hundreds of thousands of objects), so each full collection scans
    only what the batch itself made, the class's results. Everything is handed back afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_batch(submissions_dir: Path, out_dir: Path, checks: list[Check], options: BatchOptions, seed: int | None,
               on_start: StartHook | None, on_done: ProgressHook | None, staging: Path) -> BatchOutcome:
    if seed is not None:
        options.seed = seed
    out_dir.mkdir(parents=True, exist_ok=True)
    found = discover(submissions_dir, options.roster, staging)
    submissions = found.submissions
    outcome = BatchOutcome(failures=dict(found.skipped), warnings=found.warnings,
                           identities={s.learner: s.identity for s in submissions if s.identity})
    check_ids = tuple(c.check_id for c in checks)
    version_key = f"{suite_hash(checks)}/{options.inputs}"
    with Gradebook(options.gradebook or out_dir / "gradebook.sqlite") as book:
        outcome.batch_seed = choose_batch_seed(book, options.seed)
        keys = {}
        for s in list(submissions):
            try:
                keys[s.learner] = GradingKey(s.learner, content_hash(s), outcome.batch_seed, __version__, version_key)
            except Exception as exc:  # noqa: BLE001 - one unreadable submission is that learner's failure
                outcome.failures[s.learner] = f"{GRADER_ERROR}: its files could not be read ({describe_error(exc)})"
                submissions.remove(s)
        tasks, reused = [], {}
        for submission in submissions:
            stored = _reusable(book, keys[submission.learner])
            if stored is None:
                seed_of = (outcome.batch_seed if options.inputs == "shared"
                           else learner_seed(outcome.batch_seed, submission.learner))
                tasks.append(Task(submission.learner, str(submission.path), seed_of, check_ids, str(out_dir),
                                  options.reports, shared_inputs=options.inputs == "shared"))
            else:
                reused[submission.learner] = stored
        if on_start:
            on_start(len(submissions), len(tasks), len(found.skipped))
        render = []
        for learner, stored in reused.items():
            outcome.reused.append(learner)
            if stored.result is None:
                outcome.failures[learner] = stored.reason
            else:
                outcome.results.append(stored.result)
                if options.reports != "none" and not _reports_current(stored.result, out_dir / result_folder_name(learner)):
                    render.append(Task(learner, "", stored.result.seed or 0, check_ids, str(out_dir),
                                       options.reports, result=stored.result.to_dict()))
            _progress(on_done, learner, stored.result, True)
        sources = {s.learner: str(s.path) for s in submissions}
        waiting = {t.learner for t in tasks}
        stopped: ClusterError | None = None
        try:
            pool = _pool(options)
            for done in pool.run(tasks + render):
                if done.learner in reused:
                    continue  # only its reports were rewritten
                waiting.discard(done.learner)
                result = _commit(book, keys[done.learner], sources[done.learner], done, outcome)
                _progress(on_done, done.learner, result, False)
        except Exception as exc:  # noqa: BLE001 - the pool itself failed: the rest is re-run, the outputs written
            for learner in waiting:
                outcome.failures[learner] = f"{GRADER_ERROR}: the grading pool failed ({describe_error(exc)})"
            if isinstance(exc, ClusterError):
                stopped = exc  # the cluster cannot grade this batch at all: say so once the outputs are written
        except KeyboardInterrupt:
            outcome.interrupted = True  # every committed result stays; the class outputs show them
    outcome.results.sort(key=lambda r: r.learner)
    outcome.graded.sort()
    outcome.reused.sort()
    if options.class_outputs:
        write_class_outputs(outcome, out_dir, options.assignment)
    if stopped is not None:
        raise stopped
    return outcome


def _reusable(book: Gradebook, key: GradingKey):
    """The stored attempt to reuse, if any; one that cannot be read back is graded again instead."""
    try:
        return book.reusable(key)
    except Exception:  # noqa: BLE001 - a damaged stored result costs a regrade, never the batch
        return None


def _progress(on_done: ProgressHook | None, learner: str, result: SubmissionResult | None, reused: bool) -> None:
    """Tell the caller (a progress display) about one submission; a display that fails stops nothing."""
    if on_done is None:
        return
    try:
        on_done(learner, result, reused)
    except Exception:  # noqa: BLE001 - progress is cosmetic; the grade is committed already
        pass


def _pool(options: BatchOptions):
    """The local pool, or with ``options.cluster`` the Dask one: both ``run(tasks) → outcomes``."""
    if options.cluster:
        from grader.cluster import cluster_pool

        return cluster_pool(options.cluster)
    return GradingPool(options.workers, options.pool)


def _commit(book: Gradebook, key: GradingKey, source: str, done: TaskOutcome,
            outcome: BatchOutcome) -> SubmissionResult | None:
    """Store one worker's outcome in its own transaction and add it to the batch outcome.

    Never raises: an outcome that cannot be read or stored becomes that learner's grader error
    (recorded, if the gradebook still takes it, so the next run grades it again)."""
    try:
        return _record(book, key, source, done, outcome)
    except Exception as exc:  # noqa: BLE001 - one bad result never stops the others
        reason = f"{GRADER_ERROR}: its result could not be recorded ({describe_error(exc)})"
        outcome.results = [r for r in outcome.results if r.learner != done.learner]
        outcome.graded = [g for g in outcome.graded if g != done.learner]
        outcome.failures[done.learner] = reason
        try:
            book.record(key, source, None, status="grader_error", reason=reason)
        except Exception:  # noqa: BLE001 - not even that: nothing is stored, so the next run regrades it
            pass
        return None


def _record(book: Gradebook, key: GradingKey, source: str, done: TaskOutcome,
            outcome: BatchOutcome) -> SubmissionResult | None:
    outcome.latencies[done.learner] = done.latency_s
    if done.rejected:
        book.record(key, source, None, status="rejected", reason=done.rejected)
        outcome.failures[done.learner] = done.rejected
        return None
    if done.crashed or done.result is None:
        reason = f"{GRADER_ERROR}: the grader failed on this submission ({done.crashed or 'no result'})"
        book.record(key, source, None, status="grader_error", reason=reason)
        outcome.failures[done.learner] = reason
        return None
    result = SubmissionResult.from_dict(done.result)
    grader_fault = any(c.details.get("error_kind") == "grader" for c in result.checks)
    book.record(key, source, result, status="grader_error" if grader_fault else "graded")
    if done.report_error:
        result.notes.append(f"The reports of this submission could not be written: {done.report_error}")
    outcome.results.append(result)
    outcome.graded.append(done.learner)
    return result


def _reports_current(result: SubmissionResult, folder: Path) -> bool:
    """Whether ``folder/result.json`` already holds exactly this result (so its reports need no rewrite)."""
    import json

    path = folder / "result.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(result.to_dict()))
    except (OSError, ValueError):
        return False


def write_class_outputs(outcome: BatchOutcome, out_dir: Path, assignment: str = "Deep RNN exercises") -> dict[str, Path]:
    """The class summary (``index.html``, ``summary.md``), ``dashboard.html``, ``grades.csv``, ``junit.xml``
    and the LMS imports ``canvas-grades.csv`` and ``moodle-grades.csv``.

    Each output is written on its own: one that fails does not stop the others. When one fails, the
    results (and failures) it cannot render are found by rendering each alone in a scratch folder,
    and the output is written again without them; what was left out, or why an output could not
    be written at all, goes to ``outcome.output_errors``. Returns the outputs written."""
    written: dict[str, Path] = {}
    for name, writer in _class_writers(outcome, assignment).items():
        try:
            written[name] = writer(outcome.results, outcome.failures, out_dir)
            continue
        except Exception as exc:  # noqa: BLE001 - the other outputs are still written
            first_error = describe_error(exc)
        try:
            results, failures, left_out = _renderable(writer, outcome.results, outcome.failures)
            written[name] = writer(results, failures, out_dir)
            outcome.output_errors[name] = (f"written without {', '.join(left_out)}, which could not be "
                                           f"rendered ({first_error})")
        except Exception as exc:  # noqa: BLE001
            outcome.output_errors[name] = f"not written: {describe_error(exc)}"
    return written


ClassWriter = Callable[[list[SubmissionResult], dict[str, str], Path], Path]


def _class_writers(outcome: BatchOutcome, assignment: str) -> dict[str, ClassWriter]:
    from grader.export.csv_grades import write_csv
    from grader.export.junit import write_junit
    from grader.export.lms import write_canvas, write_moodle
    from grader.report.dashboard import write_dashboard
    from grader.report.render import write_class_summary

    return {
        "summary": lambda results, failures, out: write_class_summary(results, out, failures),
        "dashboard": lambda results, failures, out: write_dashboard(results, out / "dashboard.html",
                                                                    failures=failures, latencies=outcome.latencies),
        "csv": lambda results, failures, out: write_csv(results, out / "grades.csv", failures=failures),
        "junit": lambda results, failures, out: write_junit(results, out / "junit.xml", failures=failures),
        "canvas": lambda results, failures, out: write_canvas(results, out / "canvas-grades.csv", failures,
                                                              outcome.identities, assignment),
        "moodle": lambda results, failures, out: write_moodle(results, out / "moodle-grades.csv", failures,
                                                              outcome.identities),
    }


def _renderable(writer: ClassWriter, results: list[SubmissionResult],
                failures: dict[str, str]) -> tuple[list[SubmissionResult], dict[str, str], list[str]]:
    """The results and failures ``writer`` can render one at a time (in a scratch folder), and the
    learners it cannot."""
    def renders(items: list[SubmissionResult], failed: dict[str, str]) -> bool:
        scratch = tempfile.mkdtemp(prefix="class-output-")
        try:
            writer(items, failed, Path(scratch))
            return True
        except Exception:  # noqa: BLE001 - this is the question being asked
            return False
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    good = [r for r in results if renders([r], {})]
    kept = {learner: why for learner, why in failures.items() if renders([], {learner: why})}
    left_out = sorted({r.learner for r in results if r not in good} | (set(failures) - set(kept)))
    return good, kept, left_out
