"""Every known misconception, submitted as a learner would, is caught and named by the real engine
through the real sandbox; a correct submission written unlike the reference gets full marks and no
misconception; failures that match none are localised (gate, layer, direction)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.engine import grade_submission, prepare
from grader.judge import judge
from grader.misconceptions import all_misconceptions, by_id
from grader.misconceptions.variants import run_variant, write_submission
from grader.report.render import render_html, render_markdown, render_terminal
from grader.suites import select_checks

REPO = Path(__file__).resolve().parents[1]
ALL = all_misconceptions()
REQUIRED = {
    "swap_update_gate", "reset_after_matmul", "drop_reset_gate", "swap_tanh_sigmoid", "swap_forget_input",
    "cell_state_not_carried", "hidden_without_tanh", "untransposed_weights", "reuse_h_t",
    "backward_not_reversed", "concat_order_swapped", "sum_directions", "backward_from_forward_state",
    "feed_x_to_every_layer", "carry_state_across_layers", "bias_counted_once", "forget_h_squared",
    "bidirectional_input_h", "naive_sigmoid_overflow",
    "backward_starts_at_padding", "padding_outputs_not_zeroed", "finals_at_last_step", "mask_inputs_not_state",
    "keep_gate_not_negated", "torch_gate_order_ifog", "torch_biases_not_summed", "convert_in_place",
    "torch_bias_counted_once",
}


def _grade(folder, sandbox, checks=None, seed=11):
    return grade_submission(folder, "learner", select_checks() if checks is None else checks, sandbox=sandbox,
                            seed=seed, trusted_code=True)


def test_the_library_has_every_required_misconception_with_feedback():
    ids = [m.id for m in ALL]
    assert REQUIRED <= set(ids)
    assert len(ids) == len(set(ids))
    for m in ALL:
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", m.id), m.id
        assert m.targets and m.patches
        opening = "This matches another source's convention: " if m.convention else "This matches a known mix-up: "
        assert m.message.startswith(opening) and "The course uses " in m.message


def test_targets_list_every_function_a_variant_changes():
    """In the trusted process: outside its targets a variant passes every check, inside it fails some."""
    prepared = [prepare(check, 3) for check in select_checks()]
    for m in ALL:
        failing = set()
        for item in prepared:
            run = run_variant(m, item.check.exercise, item.check.function, item.cases,
                              return_arguments=item.check.judges_arguments)
            if judge(item, run.outcomes).status != "passed":
                failing.add(item.check.function)
        assert failing, f"{m.id} changes nothing"
        assert failing <= set(m.targets), f"{m.id} also changes {failing - set(m.targets)}"


@pytest.mark.parametrize("misconception_id", [m.id for m in ALL])
def test_each_misconception_as_a_submission_is_caught_and_named(misconception_id, sandbox, tmp_path):
    misconception = by_id(misconception_id)
    folder = write_submission(misconception, tmp_path / misconception_id)
    checks = [c for c in select_checks() if c.function in misconception.targets]
    result = _grade(folder, sandbox, checks)
    lost = [c for c in result.checks if c.score < c.max_score]
    assert lost, f"{misconception_id} keeps full marks"
    named = [c for c in lost if c.details.get("misconception", {}).get("id") == misconception_id]
    assert named, f"{misconception_id} is never named; got {[c.details.get('misconception') for c in lost]}"
    assert misconception.message in named[0].message


DIFFERENT_BUT_RIGHT = {
    "gates.py": '''
        import numpy as np

        def sigmoid(a):
            a = np.asarray(a, dtype=np.float64)
            return 0.5 * (1.0 + np.tanh(0.5 * a))

        def gate(x, h_prev, W, U, b):
            both = np.concatenate([x, h_prev], axis=1) @ np.concatenate([W, U], axis=1).T
            return sigmoid(both + b)
    ''',
    "gru.py": '''
        import numpy as np
        from exercises.gates import gate, sigmoid

        def reset_gate(x, h_prev, params):
            return gate(x, h_prev, params["W_r"], params["U_r"], params["b_r"])

        def update_gate(x, h_prev, params):
            return gate(x, h_prev, params["W_z"], params["U_z"], params["b_z"])

        def candidate_state(x, h_prev, r, params):
            return np.tanh(np.einsum("nd,hd->nh", x, params["W_h"]) + (r * h_prev) @ params["U_h"].T + params["b_h"])

        def gru_cell(x, h_prev, params):
            H = h_prev.shape[1]
            W = np.concatenate([params["W_r"], params["W_z"], params["W_h"]])   # (3H, d): one product
            b = np.concatenate([params["b_r"], params["b_z"], params["b_h"]])
            U = np.concatenate([params["U_r"], params["U_z"]])                  # (2H, H)
            xa, ha = x @ W.T + b, h_prev @ U.T
            r, z = sigmoid(xa[:, :H] + ha[:, :H]), sigmoid(xa[:, H:2 * H] + ha[:, H:])
            return h_prev + z * (np.tanh(xa[:, 2 * H:] + (r * h_prev) @ params["U_h"].T) - h_prev)
    ''',
    "bidirectional.py": '''
        import numpy as np
        from exercises.stacked import stacked_forward

        def bidirectional_forward(xs, params_fwd, params_bwd, cell):
            forward, _ = stacked_forward(xs, [params_fwd], cell)
            backward, _ = stacked_forward(xs[::-1], [params_bwd], cell)
            return np.concatenate([forward, backward[::-1]], axis=-1)

        def deep_bidirectional_forward(xs, layers, cell):
            for params_fwd, params_bwd in layers:
                xs = bidirectional_forward(xs, params_fwd, params_bwd, cell)
            return xs
    ''',
    "param_count.py": '''
        def rnn_param_count(d, h):
            return h * (d + h + 1)

        def gru_param_count(d, h):
            return 3 * h * (d + h + 1)

        def lstm_param_count(d, h):
            return 4 * h * (d + h + 1)

        def stacked_param_count(cell, d, h, num_layers, bidirectional=False):
            per = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
            k = 2 if bidirectional else 1
            return k * per * h * (d + h + 1) + (num_layers - 1) * k * per * h * (k * h + h + 1)

        def torch_param_count(cell, d, h):
            if cell not in ("rnn", "gru", "lstm"):
                raise ValueError(cell)
            return {"rnn": 1, "gru": 3, "lstm": 4}[cell] * h * (d + h + 2)
    ''',
    "masked.py": '''
        import numpy as np
        from exercises.gru import gru_cell
        from exercises.lstm import lstm_cell
        from exercises.vanilla import rnn_cell

        def _run(xs, mask, h, c, params, cell):
            # Keras-style: compute every row, then blend with the (T, N, 1) mask
            hs = []
            for x_t, m in zip(xs, mask):
                if cell == "lstm":
                    h_new, c_new = lstm_cell(x_t, h, c, params)
                    c = m * c_new + (1 - m) * c
                else:
                    h_new = (rnn_cell if cell == "rnn" else gru_cell)(x_t, h, params)
                h = m * h_new + (1 - m) * h
                hs.append(m * h_new)
            return np.stack(hs), h, c

        def masked_forward(xs, lengths, h0, params, cell):
            mask = (np.arange(len(xs))[:, None] < np.asarray(lengths)[None, :])[..., None].astype(float)
            h, c = h0 if cell == "lstm" else (h0, None)
            hs, h, c = _run(xs, mask, h, c, params, cell)
            return hs, ((h, c) if cell == "lstm" else h)

        def masked_bidirectional_forward(xs, lengths, params_fwd, params_bwd, cell):
            T, N = xs.shape[:2]
            flipped = np.zeros_like(xs)
            for n, L in enumerate(lengths):
                flipped[:L, n] = xs[:L, n][::-1]
            zeros = np.zeros((N, params_fwd["W_x" if cell == "rnn" else "W_r" if cell == "gru" else "W_f"].shape[0]))
            fwd, _ = masked_forward(xs, lengths, (zeros, zeros) if cell == "lstm" else zeros, params_fwd, cell)
            bwd, _ = masked_forward(flipped, lengths, (zeros, zeros) if cell == "lstm" else zeros, params_bwd, cell)
            back = np.zeros_like(bwd)
            for n, L in enumerate(lengths):
                back[:L, n] = bwd[:L, n][::-1]
            return np.concatenate([fwd, back], axis=-1)
    ''',
    "conventions.py": '''
        import numpy as np

        def gru_from_keep_gate(params):
            return {k: (-v if k in ("W_z", "U_z", "b_z") else v.copy()) for k, v in params.items()}

        def rnn_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
            return {"W_x": weight_ih.copy(), "W_h": weight_hh.copy(), "b": bias_ih + bias_hh}

        def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
            out = {}
            blocks = zip(np.split(weight_ih, 4), np.split(weight_hh, 4), np.split(bias_ih + bias_hh, 4))
            for gate, (w, u, b) in zip("ifco", blocks):   # PyTorch: i, f, g (= c~), o
                out["W_" + gate], out["U_" + gate], out["b_" + gate] = w.copy(), u.copy(), b
            return out
    ''',
}


def test_a_correct_submission_written_differently_gets_full_marks_and_no_misconception(make_submission, sandbox):
    result = _grade(make_submission(DIFFERENT_BUT_RIGHT), sandbox)
    assert result.score == result.max_score, [c.message for c in result.checks if c.status != "passed"]
    assert not any("misconception" in c.details for c in result.checks)


def test_a_wrong_gate_function_is_localised_when_no_misconception_matches(make_submission, sandbox):
    reference = (REPO / "solutions" / "gru.py").read_text()
    folder = make_submission({"gru.py": reference.replace('params["U_z"], params["b_z"]', 'params["U_z"], -params["b_z"]')})
    result = _grade(folder, sandbox, select_checks(["gru"]))
    cell = next(c for c in result.checks if c.function == "gru_cell")
    assert "misconception" not in cell.details
    assert cell.details["pieces"] == {"σ": True, "r": True, "z": False, "h~": True}
    assert "z ✗ (update_gate)" in cell.message and "fix update_gate first" in cell.message


def test_a_stack_is_localised_to_its_first_wrong_layer_with_a_curve_per_layer(sandbox, tmp_path):
    folder = write_submission(by_id("carry_state_across_layers"), tmp_path / "carry")
    result = _grade(folder, sandbox, select_checks(["stacked"]))
    three = next(c for c in result.checks if c.name == "three GRU layers")
    assert three.details["first_bad_layer"] == 2
    assert "the error starts at layer 2" in three.message
    assert "error_over_time" not in three.details  # a hidden check: no error magnitudes
    two = next(c for c in result.checks if c.name == "two vanilla RNN layers")  # public: a curve per layer
    assert two.details["first_bad_layer"] == 2
    assert set(two.details["error_over_time"]) == {"layer 1", "layer 2"}
    assert max(two.details["error_over_time"]["layer 1"]) == 0.0


def test_reports_show_the_likely_cause_and_a_plot_per_direction(sandbox, tmp_path):
    folder = write_submission(by_id("backward_not_reversed"), tmp_path / "bwd")
    result = _grade(folder, sandbox, select_checks(["bidirectional"]))
    failing = next(c for c in result.checks if c.status != "passed" and "misconception" in c.details)
    assert "forward direction matches" in failing.message
    assert failing.details["parts"][0]["first_bad_t_by_direction"]["forward"] is None
    terminal, markdown, html = render_terminal(result), render_markdown(result), render_html(result)
    assert "Likely cause: This matches a known mix-up" in terminal
    assert "**Likely cause** (`backward_not_reversed`)" in markdown
    assert "<strong>Likely cause:</strong>" in html and 'class="plot"' in html
    named = sum("misconception" in c.details for c in result.checks)
    assert named > 1
    assert terminal.count("This matches a known mix-up") == 1  # in full once, then referred to
    assert terminal.count("The same cause as on bidirectional_forward · ") == named - 1
    assert "another source's convention" not in terminal


def test_the_sample_learner_with_classic_mistakes_gets_each_one_named(sandbox):
    result = _grade(REPO / "samples" / "class" / "chen_wei", sandbox)
    named = {c.details["misconception"]["id"] for c in result.checks if "misconception" in c.details}
    assert {"naive_sigmoid_overflow", "swap_update_gate", "hidden_without_tanh", "backward_not_reversed",
            "forget_h_squared"} <= named

