"""Symbolic checks send the call with SymPy symbols and the first point of the integer grid; the rest
of the grid follows as a second batch of calls (a follow-up in the grading session's child), only for
functions that could not take the symbols (and whose first point worked: judging stops at the first
failing point)."""
from __future__ import annotations

import pytest

from conftest import SOLUTIONS
from grader.engine import grade_submission
from grader.sandbox.client import SandboxFailure
from grader.suites import select_checks

SYMBOLIC = [c for c in select_checks(["param_count"]) if c.kind == "symbolic"]
RNN_SYMBOLIC = [c for c in SYMBOLIC if c.function == "rnn_param_count"]
BASE = (SOLUTIONS / "param_count.py").read_text()


class CountingSandbox:
    """The real sandbox, counting the batches of each grading session and their calls (``runs``);
    ``fail_from`` makes the n-th batch onwards fail."""

    def __init__(self, sandbox, fail_from: int | None = None) -> None:
        self.sandbox, self.fail_from, self.runs = sandbox, fail_from, []

    def layers(self):
        return self.sandbox.layers()

    def count(self, calls) -> None:
        self.runs.append(len(calls))
        if self.fail_from is not None and len(self.runs) >= self.fail_from:
            raise SandboxFailure("the fork-server failed during a run: test")

    def session(self, folder, calls):
        self.count(calls)
        return CountingSession(self, self.sandbox.session(folder, calls))


class CountingSession:
    def __init__(self, counter: CountingSandbox, session) -> None:
        self.counter, self.session, self.first = counter, session, session.first

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()

    def run(self, calls):
        self.counter.count(calls)
        return self.session.run(calls)

    def __getattr__(self, name):  # what the engine asks a session once it ends (forged, budget_used_up)
        return getattr(self.session, name)


def grade(folder, sandbox, checks=SYMBOLIC):
    return grade_submission(folder, "learner", checks, sandbox=sandbox, seed=3, trusted_code=True)


def with_rnn(make_submission, body: str):
    return make_submission({"param_count.py": BASE + "\n\ndef rnn_param_count(d, h):\n" + body})


def test_functions_taking_symbols_need_no_grid(make_submission, sandbox):
    counting = CountingSandbox(sandbox)
    result = grade(make_submission(), counting)
    assert all(c.status == "passed" for c in result.checks) and len(result.checks) == len(SYMBOLIC)
    assert counting.runs == [2 * len(SYMBOLIC)]  # symbols and one grid point per check, one run


def test_a_function_using_int_is_still_graded_on_the_grid(make_submission, sandbox):
    folder = with_rnn(make_submission, "    d, h = int(d), int(h)\n    return h * d + h * h + h\n")
    counting = CountingSandbox(sandbox)
    result = grade(folder, counting, RNN_SYMBOLIC)
    assert [c.status for c in result.checks] == ["passed"]
    assert counting.runs == [2, 19]


def test_a_wrong_function_using_int_fails_on_the_grid_with_the_usual_message(make_submission, sandbox):
    folder = with_rnn(make_submission, "    d, h = int(d), int(h)\n    return h * d + h\n")
    result = grade(folder, sandbox, RNN_SYMBOLIC)
    check = result.checks[0]
    assert check.status == "failed" and check.score == 0
    assert "could not be called with SymPy symbols" in check.message
    assert "checked on 20 integer sizes instead: it is wrong for 20 of them" in check.message


def test_a_constant_answer_is_checked_on_the_grid(make_submission, sandbox):
    """Returning a number (not a formula) for symbols sends the function to the grid too."""
    folder = with_rnn(make_submission, "    return 42\n")
    counting = CountingSandbox(sandbox)
    result = grade(folder, counting, RNN_SYMBOLIC)
    assert result.checks[0].status == "failed" and "integer sizes" in result.checks[0].message
    assert counting.runs == [2, 19]


def test_a_function_refusing_only_symbols_is_graded_on_the_grid(make_submission, sandbox):
    body = ("    if not isinstance(d, int):\n        raise NotImplementedError('numbers only')\n"
            "    return h * d + h * h + h\n")
    result = grade(with_rnn(make_submission, body), sandbox, RNN_SYMBOLIC)
    assert [c.status for c in result.checks] == ["passed"]


def test_a_stub_still_reports_not_implemented(make_submission, sandbox):
    folder = with_rnn(make_submission, "    raise NotImplementedError\n")
    counting = CountingSandbox(sandbox)
    result = grade(folder, counting, RNN_SYMBOLIC)
    check = result.checks[0]
    assert check.status == "error" and check.details["error_kind"] == "not_implemented"
    assert "not implemented yet" in check.message
    assert counting.runs == [2]  # the first grid point failed too: the rest cannot change the verdict


@pytest.mark.parametrize("text, kind, words", [
    ("def gru_param_count(d, h):\n    return 0\n", "missing", "does not define a function rnn_param_count"),
    ("def rnn_param_count(d, h)\n    return 0\n", "import", "syntax error"),
])
def test_failures_on_the_first_grid_point_need_no_second_batch(make_submission, sandbox, text, kind, words):
    counting = CountingSandbox(sandbox)
    result = grade(make_submission({"param_count.py": text}), counting, RNN_SYMBOLIC)
    check = result.checks[0]
    assert check.status == "error" and check.details["error_kind"] == kind and words in check.message
    assert counting.runs == [2]


def test_a_grid_run_the_sandbox_fails_costs_only_those_checks(make_submission, sandbox):
    folder = with_rnn(make_submission, "    d, h = int(d), int(h)\n    return h * d + h * h + h\n")
    result = grade(folder, CountingSandbox(sandbox, fail_from=2))
    faulted = {c.function for c in result.checks if c.details.get("error_kind") == "grader"}
    # the other counts call the learner's rnn_param_count, so they need the grid too (torch_param_count
    # is written out in the reference and takes the symbols)
    assert faulted == {c.function for c in SYMBOLIC} - {"torch_param_count"}
    assert all(c.status == "passed" for c in grade(folder, sandbox).checks)  # a working sandbox grades them
    assert any("integer sizes" in note for note in result.notes)
