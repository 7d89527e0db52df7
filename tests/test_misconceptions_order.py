"""When several variants reproduce a learner's output, the misconception already named on an earlier
check of the same submission is preferred (``grader.misconceptions.match``), then catalogue order."""
from __future__ import annotations

from grader.engine import grade_submission, prepare
from grader.misconceptions import by_id, for_function
from grader.misconceptions.match import candidates, find_misconception
from grader.misconceptions.variants import run_variant, write_submission
from grader.suites import select_checks

ONE_STEP = next(c for c in select_checks() if c.function == "gru_forward" and "T = 1" in c.name)


def _as_learner(misconception_id, item):
    return run_variant(by_id(misconception_id), item.check.exercise, item.check.function, item.cases).outcomes


def test_candidates_put_the_preferred_first_and_keep_catalogue_order_otherwise():
    catalogue = [m.id for m in for_function("gru_forward")]
    assert [m.id for m in candidates("gru_forward")] == catalogue
    tried = [m.id for m in candidates("gru_forward", ["reuse_h_t", "not_a_gru_mistake", "swap_update_gate"])]
    assert tried[:2] == ["reuse_h_t", "swap_update_gate"]
    assert tried[2:] == [i for i in catalogue if i not in ("reuse_h_t", "swap_update_gate")]


def test_an_ambiguous_check_names_the_misconception_already_found():
    """With one time step, reusing h_t and ignoring h0 give the same output: catalogue order alone names
    ``ignore_initial_state``; once ``reuse_h_t`` was named on an earlier check, it is named here too."""
    item = prepare(ONE_STEP, seed=4)
    learner = _as_learner("reuse_h_t", item)
    assert find_misconception(item, learner).id == "ignore_initial_state"
    assert find_misconception(item, learner, ["reuse_h_t"]).id == "reuse_h_t"
    assert find_misconception(item, learner, ["swap_update_gate"]).id == "ignore_initial_state"  # does not reproduce


def test_a_preferred_misconception_that_does_not_reproduce_the_output_is_not_named():
    item = prepare(ONE_STEP, seed=4)
    learner = _as_learner("swap_update_gate", item)
    assert find_misconception(item, learner, ["reuse_h_t", "ignore_initial_state"]).id == "swap_update_gate"


def test_the_engine_names_the_submissions_own_mistake_on_the_ambiguous_check(sandbox, tmp_path):
    folder = write_submission(by_id("reuse_h_t"), tmp_path / "reuse_h_t")
    checks = [c for c in select_checks() if c.function == "gru_forward"]
    assert checks.index(ONE_STEP) > 0  # an earlier check names reuse_h_t first
    result = grade_submission(folder, "learner", checks, sandbox=sandbox, seed=4, trusted_code=True)
    named = {c.check_id: c.details.get("misconception", {}).get("id") for c in result.checks}
    assert named[ONE_STEP.check_id] == "reuse_h_t"
    assert set(named.values()) == {"reuse_h_t"}
