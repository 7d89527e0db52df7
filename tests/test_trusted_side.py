"""The trusted side holds whatever learner code sends: honest learners beside hostile and unlucky ones.

One batch, graded for real (real fork-server, real sandbox children, real SQLite, real files): two
honest learners and learners whose code returns a NaN, forges an error frame with a huge HTML
message, raises exceptions carrying HTML, ANSI escapes and NUL, or silences NumPy's overflow
warnings around a naive sigmoid. The batch finishes, writes every class output, gives the honest
learners full marks, and no report carries the learner's markup.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SOLUTIONS
from learner_code import NAN_STACKED
from grader.batch import BatchOptions, run_batch
from grader.compare import compare_array
from grader.engine import grade_submission
from grader.gradebook import Gradebook
from grader.judge import MAX_LEARNER_MESSAGE
from grader.model import CheckResult, SubmissionResult
from grader.report.escape import markdown_text
from grader.report.render import render_html, render_markdown, render_terminal
from grader.suites import select_checks
from grader.suites.base import Tolerance

CHECKS = select_checks(["gates", "gru", "stacked"])
CLASS_OUTPUTS = ("index.html", "summary.md", "dashboard.html", "grades.csv", "junit.xml")
HOSTILE_TEXT = "<script>alert(1)</script>\x1b[2J\x1b[31mred\x00 [click](javascript:alert(1)) | # heading"


# Finds its own result pipe and the index of the call running, and writes an E frame for it with
# a message far over the child's 2,000-character cap; then raises (that real report comes too late).
FORGED_HUGE_ERROR = """
import json, os, struct, sys

def gru_cell(x, h_prev, params):
    caller = sys._getframe(1).f_locals
    message = "<script>alert(1)</script>" + "A" * 60000
    body = struct.pack(">cI", b"E", caller["index"]) + json.dumps({"kind": "exception", "message": message}).encode()
    os.write(caller["fd"], struct.pack(">Q", len(body)) + body)
    raise ValueError("this report comes after the forged one")
"""

HOSTILE_EXCEPTION = f"""
def update_gate(x, h_prev, params):
    raise ValueError({HOSTILE_TEXT!r})
"""

NAIVE_SIGMOID_SILENCED = """
import numpy as np

def sigmoid(a):
    with np.errstate(all="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=np.float64)))
"""


def _replace_function(base: str, name: str, replacement: str) -> str:
    """``base`` (a reference module) with the top-level function ``name`` replaced by ``replacement``."""
    start = base.index(f"\ndef {name}(")
    end = base.find("\ndef ", start + 1)
    rest = base[end:] if end != -1 else ""
    return base[:start] + "\n" + rest + "\n" + replacement


def _module(name: str, function: str, replacement: str) -> str:
    return _replace_function((SOLUTIONS / name).read_text(), function, replacement)


HOSTILE = {
    "nan_stacked": {"stacked.py": NAN_STACKED},
    "forged_frame": {"gru.py": _module("gru.py", "gru_cell", FORGED_HUGE_ERROR)},
    "html_ansi": {"gru.py": _module("gru.py", "update_gate", HOSTILE_EXCEPTION)},
    "silenced_sigmoid": {"gates.py": _module("gates.py", "sigmoid", NAIVE_SIGMOID_SILENCED)},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    submissions = root / "submissions"
    submissions.mkdir()
    for learner in ("honest_a", "honest_b", *HOSTILE):
        folder = submissions / learner
        shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
        for name, text in HOSTILE.get(learner, {}).items():
            (folder / name).write_text(text)
    out = root / "out"
    outcome = run_batch(submissions, out, CHECKS, seed=13, options=BatchOptions(workers=2, pool="thread"))
    return outcome, out


def _checks(outcome, learner: str) -> list[CheckResult]:
    return next(r for r in outcome.results if r.learner == learner).checks


def test_the_batch_finishes_and_writes_everything(graded):
    outcome, out = graded
    assert outcome.failures == {} and outcome.output_errors == {}
    assert sorted(outcome.graded) == sorted(["honest_a", "honest_b", *HOSTILE])
    for name in CLASS_OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    with Gradebook(out / "gradebook.sqlite") as book:
        results, not_graded = book.latest()
    assert not_graded == {} and len(results) == 2 + len(HOSTILE)
    for learner in outcome.graded:
        json.loads((out / learner / "result.json").read_text(encoding="utf-8"),
                   parse_constant=lambda token: pytest.fail(f"{token} in result.json"))


def test_honest_learners_get_full_marks(graded):
    outcome, _ = graded
    for learner in ("honest_a", "honest_b"):
        result = next(r for r in outcome.results if r.learner == learner)
        assert result.score == result.max_score > 0


def test_a_forged_error_frame_is_capped_on_the_trusted_side(graded):
    outcome, out = graded
    cell = [c for c in _checks(outcome, "forged_frame") if c.function == "gru_cell"]
    assert cell and all(c.score == 0 for c in cell)
    forged = [c for c in cell if "AAAA" in c.message]
    assert forged, "the forged frame should have been taken as the running call's outcome"
    assert all(len(c.message) <= MAX_LEARNER_MESSAGE + 400 for c in cell)  # the cap, plus the grader's advice
    assert "<script>" not in (out / "forged_frame" / "report.md").read_text(encoding="utf-8")
    assert "<script>alert" not in (out / "forged_frame" / "report.html").read_text(encoding="utf-8")


def test_learner_markup_never_reaches_a_report(graded):
    outcome, out = graded
    gate = next(c for c in _checks(outcome, "html_ansi") if c.function == "update_gate")
    assert gate.status == "error" and "alert(1)" in gate.message
    assert "\x1b" not in gate.message and "\x00" not in gate.message  # control characters never kept
    markdown = (out / "html_ansi" / "report.md").read_text(encoding="utf-8")
    html = (out / "html_ansi" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown and "<script>alert" not in markdown
    assert "\\[click\\](javascript:alert(1))" in markdown and "\\| \\# heading" in markdown
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for name in ("report.md", "report.html", "result.json"):
        text = (out / "html_ansi" / name).read_text(encoding="utf-8")
        assert "\x1b" not in text and "\x00" not in text, name
    for name in CLASS_OUTPUTS:
        text = (out / name).read_text(encoding="utf-8")
        assert "<script>alert" not in text and "\x1b" not in text and "\x00" not in text, name


def test_silencing_overflow_around_a_naive_sigmoid_is_noticed(graded):
    outcome, _ = graded
    overflow = next(c for c in _checks(outcome, "silenced_sigmoid") if "without overflow" in c.name)
    assert overflow.status == "failed" and overflow.score < overflow.max_score
    assert "changed NumPy's floating-point error handling" in overflow.message
    # it is told which overflow-prone form it matches, as if it had not hidden the warnings
    assert overflow.details["misconception"]["id"] in ("naive_sigmoid_overflow", "where_evaluates_both_branches")
    others = [c for c in _checks(outcome, "silenced_sigmoid") if c.exercise == "gates" and c is not overflow]
    assert all(c.status == "passed" for c in others)  # its values are right: only the overflow check fails


SIGMOID_VARIANTS = {
    "decorated": "import numpy as np\n\n@np.errstate(over='ignore')\ndef sigmoid(a):\n"
                 "    return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=np.float64)))\n",
    "seterr": "import numpy as np\n\ndef sigmoid(a):\n    np.seterr(all='ignore')\n"
              "    return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=np.float64)))\n",
    "callback": "import numpy as np\n\ndef sigmoid(a):\n    old = np.seterrcall(lambda kind, flag: None)\n"
                "    try:\n        return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=np.float64)))\n"
                "    finally:\n        np.seterrcall(old)\n",
}


@pytest.mark.parametrize("variant", sorted(SIGMOID_VARIANTS))
def test_every_numpy_way_of_silencing_overflow_is_noticed(variant, make_submission, sandbox):
    folder = make_submission({"gates.py": _module("gates.py", "sigmoid", SIGMOID_VARIANTS[variant])})
    result = grade_submission(folder, "learner", select_checks(["gates"]), sandbox=sandbox, seed=2)
    overflow = next(c for c in result.checks if "without overflow" in c.name)
    assert overflow.status == "failed" and "changed NumPy's floating-point error handling" in overflow.message


def test_stable_sigmoids_that_silence_only_underflow_or_call_numpy_helpers_pass(make_submission, sandbox):
    # the reference silences underflow itself; this one also calls np.isclose, which changes the
    # error mode inside NumPy
    stable = ("import numpy as np\n\ndef sigmoid(a):\n    a = np.asarray(a, dtype=np.float64)\n"
              "    np.isclose(a, a)\n    with np.errstate(under='ignore'):\n        e = np.exp(-np.abs(a))\n"
              "    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n")
    for folder in (make_submission(), make_submission({"gates.py": _module("gates.py", "sigmoid", stable)})):
        result = grade_submission(folder, "learner", select_checks(["gates"]), sandbox=sandbox, seed=2)
        assert all(c.status == "passed" for c in result.checks), [c.message for c in result.checks]


def test_a_hidden_check_reveals_no_expected_magnitude():
    expected = np.array([[0.5, -3.25, 7.0], [1.5, 2.0, -0.125]])
    zeros = np.zeros_like(expected)
    hidden = compare_array("h", expected, zeros, Tolerance(), ("n", "unit"), hidden=True)
    public = compare_array("h", expected, zeros, Tolerance(), ("n", "unit"))
    assert not hidden.ok and "6 of 6 elements differ" in hidden.message and "[0, 0]" in hidden.message
    for value in (7, 3.25, 0.125):
        assert f"{value:.3g}" not in hidden.message
    assert "max_abs_diff" not in hidden.details and "error_over_time" not in hidden.details
    assert "Largest absolute difference 7" in public.message  # public checks do show it


def test_a_hidden_sequence_check_keeps_no_error_curve(graded):
    outcome, _ = graded
    stacked = [c for c in _checks(outcome, "nan_stacked") if c.status != "passed"]
    hidden = [c for c in stacked if c.visibility == "hidden"]
    assert hidden and all("error_over_time" not in c.details for c in hidden)
    for check in hidden:
        assert all("error_over_time" not in part and "max_abs_diff" not in part for part in check.details.get("parts", []))


def test_markdown_escaping_keeps_plain_text_readable():
    assert markdown_text("h = (1 − z) ⊙ h_prev + z ⊙ h~") == "h = (1 − z) ⊙ h_prev + z ⊙ h~"
    assert markdown_text("a <b> & [c](d) `e` *f* | #g") == "a &lt;b&gt; &amp; \\[c\\](d) \\`e\\` \\*f\\* \\| \\#g"
    assert markdown_text("x\x1b[31my\x00z\r\u202e") == "x\\[31myz"


def test_terminal_and_markdown_renderings_drop_control_characters():
    check = CheckResult("gru", "gru_cell", "one step", 0.0, 2.0, "error", message=HOSTILE_TEXT)
    result = SubmissionResult("ada", [check])
    for text in (render_terminal(result), render_markdown(result), render_html(result)):
        assert "\x1b" not in text and "\x00" not in text
    coloured = render_terminal(result, colour=True)
    assert "\x1b[2J" not in coloured and "\x1b[31mred" not in coloured and "\x1b[" in coloured  # only our colours
