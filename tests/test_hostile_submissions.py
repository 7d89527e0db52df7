"""Submissions that try to cheat or break the grader gain nothing and cost nothing else.

Each case is a real learner folder graded by the real engine through the real sandbox.
"""
from __future__ import annotations

import pytest

from conftest import SOLUTIONS
from grader.engine import grade_submission
from grader.suites import select_checks

GRU_CHECKS = select_checks(["gru"])
GATES_AND_GRU = select_checks(["gates", "gru"])


def grade(folder, sandbox, checks=GATES_AND_GRU, seed=11):
    return grade_submission(folder, "learner", checks, sandbox=sandbox, seed=seed)


def by_exercise(result):
    return {ex: (sum(c.score for c in cs), sum(c.max_score for c in cs)) for ex, cs in result.by_exercise().items()}


def test_reference_copy_gets_full_marks(make_submission, sandbox):
    result = grade(make_submission(), sandbox)
    assert result.score == result.max_score > 0
    assert all(c.status == "passed" for c in result.checks)


def test_syntax_error_costs_only_that_module(make_submission, sandbox):
    folder = make_submission({"gru.py": "def gru_cell(x, h_prev, params)\n    return x\n"})
    result = grade(folder, sandbox)
    scores = by_exercise(result)
    assert scores["gru"][0] == 0 and scores["gates"][0] == scores["gates"][1]
    gru = [c for c in result.checks if c.exercise == "gru"]
    assert all(c.status == "error" for c in gru)
    assert "syntax error at line 1" in gru[0].message


def test_infinite_loop_is_stopped_and_costs_only_its_function(make_submission, sandbox):
    endless = "\n\ndef gru_cell(x, h_prev, params):\n    while True:\n        pass\n"
    folder = make_submission({"gru.py": (SOLUTIONS / "gru.py").read_text() + endless})
    result = grade(folder, sandbox, checks=GRU_CHECKS)
    cell = [c for c in result.checks if c.function == "gru_cell"]
    others = [c for c in result.checks if c.function != "gru_cell"]
    assert all(c.status == "error" and c.score == 0 for c in cell)
    assert "time limit" in cell[0].message
    assert all(c.status == "passed" for c in others)


@pytest.mark.parametrize("exit_call", ["sys.exit(0)", "os._exit(0)", "raise SystemExit(0)"])
def test_exit_at_import_loses_only_that_module(make_submission, sandbox, exit_call):
    folder = make_submission({"gru.py": f"import os, sys\n{exit_call}\n"})
    result = grade(folder, sandbox)
    scores = by_exercise(result)
    assert scores["gru"][0] == 0 and scores["gates"][0] == scores["gates"][1]
    message = next(c.message for c in result.checks if c.exercise == "gru")
    assert "import" in message and ("exit" in message or "status 0" in message)


def test_monkeypatched_numpy_comparisons_gain_nothing(make_submission, sandbox):
    folder = make_submission({"gru.py": """
        import numpy, numpy.testing
        numpy.allclose = lambda *a, **k: True
        numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
        numpy.array_equal = lambda *a, **k: True
        numpy.testing.assert_allclose = lambda *a, **k: None

        def reset_gate(x, h_prev, params):
            return numpy.zeros((x.shape[0], params["b_r"].shape[0]))

        update_gate = candidate_state = gru_cell = None
    """})
    result = grade(folder, sandbox, checks=GRU_CHECKS)
    assert result.score == 0
    reset = next(c for c in result.checks if c.function == "reset_gate")
    assert "not close to the reference" in reset.message


def test_object_equal_to_everything_is_a_type_error(make_submission, sandbox):
    folder = make_submission({"gru.py": """
        class Anything:
            def __eq__(self, other): return True
            def __array__(self, *a, **k): raise TypeError("no")

        def reset_gate(x, h_prev, params): return Anything()
        def update_gate(x, h_prev, params): return (Anything(), Anything())
        def candidate_state(x, h_prev, r, params):
            import numpy as np
            class Sub(np.ndarray):
                def __eq__(self, other): return np.ones(self.shape, dtype=bool)
            return np.zeros((x.shape[0], params["b_h"].shape[0])).view(Sub)
        def gru_cell(x, h_prev, params): return float("nan")
    """})
    result = grade(folder, sandbox, checks=GRU_CHECKS)
    assert result.score == 0
    messages = {c.function: c.message for c in result.checks}
    assert "Anything object" in messages["reset_gate"]
    assert "ndarray subclass (Sub)" in messages["candidate_state"]
    assert "should be a numpy array" in messages["gru_cell"]


def test_missing_function_and_stub_are_named(make_submission, sandbox):
    folder = make_submission({"gru.py": "def reset_gate(x, h_prev, params):\n    raise NotImplementedError\n"})
    result = grade(folder, sandbox, checks=GRU_CHECKS)
    messages = {c.function: c.message for c in result.checks}
    assert "does not define a function update_gate" in messages["update_gate"]
    assert "not implemented yet" in messages["reset_gate"]


def test_nan_output_is_reported_as_non_finite(make_submission, sandbox):
    folder = make_submission({"vanilla.py": """
        import numpy as np
        def rnn_cell(x, h_prev, params):
            h = np.tanh(x @ params["W_x"].T + h_prev @ params["W_h"].T + params["b"])
            h[0, 0] = np.nan
            return h
    """})
    result = grade(folder, sandbox, checks=select_checks(["vanilla"]))
    assert result.score == 0
    assert all("NaN or infinite" in c.message for c in result.checks)


def test_wrong_shape_and_dtype_are_reported_before_values(make_submission, sandbox):
    folder = make_submission({"vanilla.py": """
        import numpy as np
        def rnn_cell(x, h_prev, params):
            h = np.tanh(x @ params["W_x"].T + h_prev @ params["W_h"].T + params["b"])
            return h.T if h.shape[0] > 1 else h.astype(np.float32)
    """})
    result = grade(folder, sandbox, checks=select_checks(["vanilla"]))
    messages = [c.message for c in result.checks]
    assert any("has shape" in m and "transpose" in m for m in messages)
    assert any("dtype float32" in m for m in messages)


def test_naive_sigmoid_loses_the_overflow_check_only(make_submission, sandbox):
    folder = make_submission({"gates.py": """
        import numpy as np
        def sigmoid(a):
            return 1.0 / (1.0 + np.exp(-a))
        def gate(x, h_prev, W, U, b):
            return sigmoid(x @ W.T + h_prev @ U.T + b)
    """})
    result = grade(folder, sandbox, checks=select_checks(["gates"]))
    failed = [c for c in result.checks if c.status != "passed"]
    assert [c.name for c in failed] == ["large pre-activations up to ±1e4 without overflow"]
    assert "overflow" in failed[0].message
