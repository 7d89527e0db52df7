"""The learner report localises a padded-batch error to the sequence, its length and what went wrong,
through the real sandbox and the diagnosis's follow-up probes."""
from __future__ import annotations

import re

from grader.engine import grade_submission
from grader.misconceptions import by_id
from grader.misconceptions.variants import write_submission
from grader.suites import select_checks

BIDIRECTIONAL = [c for c in select_checks(["masked"]) if c.function == "masked_bidirectional_forward"
                 and "T = 1" not in c.name]
FORWARD = [c for c in select_checks(["masked"]) if c.function == "masked_forward"]


def _grade(folder, checks, sandbox, seed=4):
    return grade_submission(folder, "learner", checks, sandbox=sandbox, seed=seed, trusted_code=True)


def _lengths(result_check):
    return {entry["n"]: entry["length"] for entry in result_check.details["sequences"]}


def test_a_backward_pass_from_T_is_located_at_the_short_sequences(tmp_path, sandbox):
    folder = write_submission(by_id("backward_starts_at_padding"), tmp_path / "from_T")
    result = _grade(folder, BIDIRECTIONAL, sandbox)
    for check in result.checks:
        assert check.status == "failed"
        found = re.findall(r"Sequence (\d+), length (\d+): the backward direction starts at t = (\d+), over padding",
                           check.message)
        assert found, check.message
        steps = int(found[0][2])
        for n, length, _ in found:
            assert int(length) < steps and _lengths(check)[int(n)] == int(length)
        assert f"it should start at t = {found[0][1]}" in check.message
        assert "forward direction" not in check.message.split("Likely cause")[0].replace("(backward direction; the forward direction matches)", "")


def test_padding_outputs_and_finals_at_T_are_named_per_sequence(tmp_path, sandbox):
    folder = write_submission(by_id("padding_outputs_not_zeroed"), tmp_path / "padding")
    check = _grade(folder, FORWARD[:1], sandbox).checks[0]
    assert re.search(r"Sequence \d+, length \d+: hs at the padded steps t = \d+( … \d+)? should be 0", check.message)
    assert "finals should be" not in check.message
    folder = write_submission(by_id("finals_at_last_step"), tmp_path / "finals")
    check = _grade(folder, FORWARD[:1], sandbox).checks[0]
    short = re.findall(r"Sequence (\d+), length (\d+): finals should be its state after t = (\d+), its last real step "
                       r"\(not after t = T\)", check.message)
    assert short and all(length == after for _, length, after in short)
    assert "hs at the padded steps" not in check.message


def test_a_state_that_runs_over_garbage_is_said_to_read_padding(sandbox, make_submission):
    folder = make_submission({"masked.py": '''
        import numpy as np
        from exercises.sequence import rnn_forward, gru_forward, lstm_forward

        def masked_forward(xs, lengths, h0, params, cell):
            # the whole batch to T, then the padded outputs zeroed: finals are the states at T
            if cell == "lstm":
                hs, final = lstm_forward(xs, h0[0], h0[1], params)
            else:
                hs, final = (rnn_forward if cell == "rnn" else gru_forward)(xs, h0, params)
            real = (np.arange(len(xs))[:, None] < np.asarray(lengths)[None, :])[..., None]
            return hs * real, final

        def masked_bidirectional_forward(xs, lengths, params_fwd, params_bwd, cell):
            raise NotImplementedError
    '''})
    check = _grade(folder, FORWARD[:1], sandbox).checks[0]
    assert re.search(r"Sequence \d+, length \d+: the result changes when only the padding \(t = \d+ … \d+\) changes, "
                     r"so the state keeps running over it", check.message), check.message


def test_the_causality_probe_catches_a_forward_half_that_sees_the_future(sandbox, make_submission):
    folder = make_submission({"masked.py": '''
        import numpy as np
        from exercises.bidirectional import bidirectional_forward

        def masked_forward(xs, lengths, h0, params, cell):
            raise NotImplementedError

        def masked_bidirectional_forward(xs, lengths, params_fwd, params_bwd, cell):
            columns = []
            for n, length in enumerate(lengths):
                both = bidirectional_forward(xs[:length, n:n + 1], params_fwd, params_bwd, cell)[:, 0]
                half = both.shape[1] // 2
                swapped = np.concatenate([both[:, half:], both[:, :half]], axis=1)   # [←h ; →h]
                columns.append(np.concatenate([swapped, np.zeros((len(xs) - length, 2 * half))]))
            return np.stack(columns, axis=1)
    '''})
    check = _grade(folder, BIDIRECTIONAL[:1], sandbox).checks[0]
    assert check.status == "failed"
    assert "the forward direction must depend on x_1 … x_t only" in check.message, check.message
    assert "the backward direction must read x_L … x_t" in check.message
