"""The ``conventions`` references: converted weights give the other source's outputs, and the
caller's arrays are never modified (also graded: the ``…left unchanged`` checks judge the
arguments as the learner's function leaves them, through the real sandbox)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

from grader.engine import grade_submission
from grader.misconceptions import by_id
from grader.misconceptions.variants import write_submission
from grader.suites import inputs as gen
from grader.suites import select_checks
from solutions.conventions import gru_from_keep_gate, lstm_from_torch, rnn_from_torch
from solutions.gru import gru_cell
from solutions.lstm import lstm_cell
from solutions.param_count import gru_param_count, lstm_param_count, rnn_param_count, torch_param_count
from solutions.vanilla import rnn_cell

N, D, H = 3, 4, 5


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def keep_gate_gru_step(x, h, p):
    """Dive into Deep Learning's GRU (reset before the product), written out here."""
    r = _sigmoid(x @ p["W_r"].T + h @ p["U_r"].T + p["b_r"])
    z = _sigmoid(x @ p["W_z"].T + h @ p["U_z"].T + p["b_z"])
    candidate = np.tanh(x @ p["W_h"].T + (r * h) @ p["U_h"].T + p["b_h"])
    return z * h + (1.0 - z) * candidate


def _frozen(tree):
    """Copies of ``tree``'s arrays, to compare with after a call."""
    return {k: v.copy() for k, v in tree.items()} if isinstance(tree, dict) else [v.copy() for v in tree]


def test_the_keep_gate_gru_converted_gives_the_same_steps_and_leaves_its_input_alone():
    rng = np.random.default_rng(1)
    params = gen.cell_params(rng, "gru", D, H)
    before = _frozen(params)
    converted = gru_from_keep_gate(params)
    x, h = rng.normal(size=(N, D)), gen.state(rng, N, H)
    np.testing.assert_allclose(gru_cell(x, h, converted), keep_gate_gru_step(x, h, params), rtol=1e-12)
    assert set(converted) == set(params)
    for key, value in before.items():
        np.testing.assert_array_equal(params[key], value)
        assert not np.shares_memory(converted[key], params[key])


def test_a_gru_dict_missing_keys_is_rejected():
    with pytest.raises(ValueError, match="missing: b_h"):
        gru_from_keep_gate({k: np.zeros(1) for k in ("W_r", "U_r", "b_r", "W_z", "U_z", "b_z", "W_h", "U_h")})


def _torch_like(rng, gates):
    return [rng.normal(size=(gates * H, D)), rng.normal(size=(gates * H, H)),
            rng.normal(size=gates * H), rng.normal(size=gates * H)]


def test_torch_rnn_weights_give_torchs_step_with_two_biases():
    rng = np.random.default_rng(2)
    w_ih, w_hh, b_ih, b_hh = tensors = _torch_like(rng, 1)
    before = _frozen(tensors)
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    want = np.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # PyTorch's documented nn.RNN step
    np.testing.assert_allclose(rnn_cell(x, h, rnn_from_torch(*tensors)), want, rtol=1e-12)
    for got, old in zip(tensors, before):
        np.testing.assert_array_equal(got, old)


def test_torch_lstm_blocks_are_read_in_the_order_i_f_g_o():
    rng = np.random.default_rng(3)
    w_ih, w_hh, b_ih, b_hh = tensors = _torch_like(rng, 4)
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # PyTorch's documented nn.LSTM step
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    c_want = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h_want = _sigmoid(o) * np.tanh(c_want)
    h_got, c_got = lstm_cell(x, h, c, lstm_from_torch(*tensors))
    np.testing.assert_allclose(c_got, c_want, rtol=1e-12)
    np.testing.assert_allclose(h_got, h_want, rtol=1e-12)


@pytest.mark.parametrize("shapes", [((4 * H, D), (4 * H, H + 1), (4 * H,), (4 * H,)),
                                    ((4 * H, D), (4 * H, H), (4 * H,), (H,)),
                                    ((H, D), (4 * H, H), (4 * H,), (4 * H,))])
def test_torch_lstm_tensors_of_the_wrong_shapes_are_rejected(shapes):
    with pytest.raises(ValueError):
        lstm_from_torch(*(np.zeros(s) for s in shapes))


def test_torch_counts_add_one_bias_vector_per_affine_map_and_work_with_symbols():
    d, h = sympy.symbols("d h", positive=True, integer=True)
    for cell, course, maps in (("rnn", rnn_param_count, 1), ("gru", gru_param_count, 3), ("lstm", lstm_param_count, 4)):
        assert sympy.expand(torch_param_count(cell, d, h) - course(d, h) - maps * h) == 0
        assert torch_param_count(cell, 7, 5) == maps * (5 * 7 + 25 + 10)
    with pytest.raises(ValueError, match="valid cells"):
        torch_param_count("transformer", 3, 4)


UNCHANGED = [c for c in select_checks(["conventions"]) if c.judges_arguments]


def test_the_unchanged_checks_pass_the_reference_and_fail_a_conversion_in_place(tmp_path, sandbox, make_submission):
    assert len(UNCHANGED) == 3
    reference = grade_submission(make_submission(), "reference", UNCHANGED, sandbox=sandbox, seed=5, trusted_code=True)
    assert [c.status for c in reference.checks] == ["passed"] * 3
    folder = write_submission(by_id("convert_in_place"), tmp_path / "in_place")
    result = grade_submission(folder, "in_place", UNCHANGED, sandbox=sandbox, seed=5, trusted_code=True)
    assert all(c.score < c.max_score for c in result.checks)  # credit only for the arrays left alone
    assert all(c.details["misconception"]["id"] == "convert_in_place" for c in result.checks)
    assert "params['W_z'] is not close" in result.checks[0].message
    assert "bias_ih is not close" in result.checks[1].message


def test_a_returned_dict_with_a_missing_key_is_a_structure_failure(sandbox, make_submission):
    folder = make_submission({"conventions.py": '''
        import numpy as np

        def gru_from_keep_gate(params):
            out = {k: np.array(v) for k, v in params.items() if k != "b_h"}
            for k in ("W_z", "U_z", "b_z"):
                out[k] = -out[k]
            return out

        def rnn_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
            return [weight_ih, weight_hh, bias_ih + bias_hh]

        def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
            raise NotImplementedError
    '''})
    checks = [c for c in select_checks(["conventions"]) if c.visibility == "public"]
    result = grade_submission(folder, "learner", checks, sandbox=sandbox, seed=2, trusted_code=True)
    by_function = {c.function: c for c in result.checks}
    assert by_function["gru_from_keep_gate"].score == 0
    assert "should have exactly the keys" in by_function["gru_from_keep_gate"].message
    assert "missing b_h" in by_function["gru_from_keep_gate"].message
    assert "should be a dict with the keys W_x, W_h, b, but it is a list" in by_function["rnn_from_torch"].message
    assert by_function["lstm_from_torch"].details["error_kind"] == "not_implemented"
