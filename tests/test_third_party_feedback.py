"""Feedback on code written the way other sources write it (CS231n, Dive into Deep Learning, PyTorch's
formulas, ONNX's reference helpers) and on bugs seen in real submissions, wrapped in the contract
and graded through the real sandbox. Each test asserts the named cause, that nothing false is
named, and that diagnosis leaves the score as judging alone gives it.

The implementations are written for these tests from each source's published conventions (shapes,
gate order, which side z keeps); the rest of each submission is the reference, so every failing
check comes from the one piece under test.
"""
from __future__ import annotations

import pytest

from grader import engine
from grader.engine import grade_submission
from grader.suites import select_checks

LOOPS = '''
import numpy as np
from exercises.gru import gru_cell
from exercises.lstm import lstm_cell
from exercises.vanilla import rnn_cell


def rnn_forward(xs, h0, params):
    h, hs = h0, []
    for x in xs:
        h = rnn_cell(x, h, params)
        hs.append(h)
    return np.stack(hs), h


def gru_forward(xs, h0, params):
    h, hs = h0, []
    for x in xs:
        h = gru_cell(x, h, params)
        hs.append(h)
    return np.stack(hs), h
'''

# CS231n (assignment 3, rnn_layers.py): batch-major x (N, T, D), Wx (D, 4H), Wh (H, 4H), b (4H,),
# gates sliced i, f, o, g from one affine map; lstm_forward(x, h0, Wx, Wh, b) has no c0 argument.
CS231N_SEQUENCE = LOOPS + '''

def _sigmoid(x):
    pos = x >= 0
    z = np.zeros_like(x)
    z[pos] = np.exp(-x[pos])
    z[~pos] = np.exp(x[~pos])
    top = np.ones_like(x)
    top[~pos] = z[~pos]
    return top / (1 + z)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    return o * np.tanh(next_c), next_c


def cs231n_lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    prev_h, prev_c = h0, np.zeros_like(h0)
    h = np.zeros((N, T, h0.shape[1]))
    for t in range(T):
        prev_h, prev_c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
    return h, prev_c


def lstm_forward(xs, h0, c0, params):
    gates = ("i", "f", "o", "c")
    Wx = np.concatenate([params["W_" + g] for g in gates]).T
    Wh = np.concatenate([params["U_" + g] for g in gates]).T
    b = np.concatenate([params["b_" + g] for g in gates])
    h, c = cs231n_lstm_forward(np.transpose(xs, (1, 0, 2)), h0, Wx, Wh, b)
    hs = np.transpose(h, (1, 0, 2))
    return hs, (hs[-1], c)
'''

# Dive into Deep Learning, "Gated Recurrent Units (GRU)", implementation from scratch: weights stored
# (inputs, hiddens), Z = σ(X W_xz + H W_hz + b_z), H = Z ⊙ H + (1 − Z) ⊙ H~ (z near 1 keeps).
D2L_GRU = '''
import numpy as np


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _d2l_params(params):
    return {"W_xz": params["W_z"].T, "W_hz": params["U_z"].T, "b_z": params["b_z"],
            "W_xr": params["W_r"].T, "W_hr": params["U_r"].T, "b_r": params["b_r"],
            "W_xh": params["W_h"].T, "W_hh": params["U_h"].T, "b_h": params["b_h"]}


def reset_gate(x, h_prev, params):
    p = _d2l_params(params)
    return _sigmoid(x @ p["W_xr"] + h_prev @ p["W_hr"] + p["b_r"])


def update_gate(x, h_prev, params):
    p = _d2l_params(params)
    return _sigmoid(x @ p["W_xz"] + h_prev @ p["W_hz"] + p["b_z"])


def candidate_state(x, h_prev, r, params):
    p = _d2l_params(params)
    return np.tanh(x @ p["W_xh"] + (r * h_prev) @ p["W_hh"] + p["b_h"])


def gru_cell(x, H, params):
    Z = update_gate(x, H, params)
    R = reset_gate(x, H, params)
    H_tilde = candidate_state(x, H, R, params)
    return Z * H + (1 - Z) * H_tilde
'''

# PyTorch's nn.GRU documentation formulas, with the contract's one bias per map as b_i* (b_h* = 0):
# n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
TORCH_GRU = '''
import numpy as np


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def reset_gate(x, h_prev, params):
    return _sigmoid(x @ params["W_r"].T + params["b_r"] + h_prev @ params["U_r"].T)


def update_gate(x, h_prev, params):
    return _sigmoid(x @ params["W_z"].T + params["b_z"] + h_prev @ params["U_z"].T)


def candidate_state(x, h_prev, r, params):
    b_hn = np.zeros_like(params["b_h"])
    return np.tanh(x @ params["W_h"].T + params["b_h"] + r * (h_prev @ params["U_h"].T + b_hn))


def gru_cell(x, h, params):
    r, z = reset_gate(x, h, params), update_gate(x, h, params)
    n = candidate_state(x, h, r, params)
    return (1 - z) * n + z * h
'''

# ONNX's backend test helpers (onnx/backend/test/case/node/gru.py): sigmoid 1 / (1 + exp(−x)),
# np.dot(x, transpose(w)), linear_before_reset = 0, H = (1 − z) ⊙ h~ + z ⊙ H_prev.
ONNX_GATES = '''
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(np.negative(a)))


def gate(x, h_prev, W, U, b):
    return sigmoid(np.dot(x, np.transpose(W)) + np.dot(h_prev, np.transpose(U)) + b)
'''

ONNX_GRU = '''
import numpy as np
from exercises.gates import sigmoid


def reset_gate(x, H_t, params):
    return sigmoid(np.dot(x, np.transpose(params["W_r"])) + np.dot(H_t, np.transpose(params["U_r"])) + params["b_r"])


def update_gate(x, H_t, params):
    return sigmoid(np.dot(x, np.transpose(params["W_z"])) + np.dot(H_t, np.transpose(params["U_z"])) + params["b_z"])


def candidate_state(x, H_t, r, params):
    return np.tanh(np.dot(x, np.transpose(params["W_h"])) + np.dot(r * H_t, np.transpose(params["U_h"]))
                   + params["b_h"])


def gru_cell(x, H_t, params):
    z, r = update_gate(x, H_t, params), reset_gate(x, H_t, params)
    h_default = candidate_state(x, H_t, r, params)
    return (1 - z) * h_default + z * H_t
'''

# The common "stable" sigmoid of tutorials and Q&A answers: np.where over two formulas.
TWO_BRANCH_GATES = '''
import numpy as np


def sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    return np.where(a >= 0, 1 / (1 + np.exp(-a)), np.exp(a) / (1 + np.exp(a)))


def gate(x, h_prev, W, U, b):
    return sigmoid(x @ W.T + h_prev @ U.T + b)
'''

NAIVE_GATES = '''
import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gate(x, h_prev, W, U, b):
    return sigmoid(x @ W.T + h_prev @ U.T + b)
'''


def _grade(folder, sandbox, exercises, monkeypatch=None, seed=5):
    checks = select_checks(exercises)
    return grade_submission(folder, "learner", checks, sandbox=sandbox, seed=seed, trusted_code=True)


def _undiagnosed_score(folder, sandbox, exercises, monkeypatch, seed=5):
    with monkeypatch.context() as patch:
        patch.setattr(engine, "_diagnose", lambda *args, **kwargs: None)
        return _grade(folder, sandbox, exercises, seed=seed).score


def _named(result):
    return {c.check_id: c.details["misconception"]["id"] for c in result.checks if "misconception" in c.details}


def _graded(make_submission, sandbox, monkeypatch, files, exercises):
    folder = make_submission(files)
    result = _grade(folder, sandbox, exercises)
    assert result.score < result.max_score
    assert result.score == _undiagnosed_score(folder, sandbox, exercises, monkeypatch)
    return result


def test_cs231n_lstm_forward_without_c0_is_named_ignore_initial_cell(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"sequence.py": CS231N_SEQUENCE}, ["sequence"])
    failing = [c for c in result.checks if c.status != "passed"]
    assert {c.function for c in failing} == {"lstm_forward"}
    named = _named(result)
    assert set(named.values()) == {"ignore_initial_cell"}
    assert all(c.check_id in named for c in failing)
    message = failing[0].details["misconception"]["message"]
    assert "CS231n" in message and "c0" in message and "mix-up" not in message


def test_dive_into_deep_learning_gru_is_told_it_follows_the_keep_gate_convention(make_submission, sandbox,
                                                                                 monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"gru.py": D2L_GRU}, ["gru"])
    cell = [c for c in result.checks if c.function == "gru_cell"]
    assert all(c.status == "failed" for c in cell)
    assert {c.details["misconception"]["id"] for c in cell} == {"swap_update_gate"}
    message = cell[0].message
    assert "another source's convention" in message and "Dive into Deep Learning" in message
    assert "σ(−a) = 1 − σ(a)" in message and "mix-up" not in message
    assert all(c.status == "passed" for c in result.checks if c.function != "gru_cell")


def test_the_pytorch_gru_formulas_are_named_with_both_of_their_parts(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"gru.py": TORCH_GRU},
                     ["gru", "sequence", "bidirectional"])
    named = _named(result)
    cell = [c for c in result.checks if c.function in ("gru_cell", "gru_forward")]
    assert cell and all(named.get(c.check_id) == "follow_pytorch_gru" for c in cell if c.status != "passed")
    assert {named[c.check_id] for c in result.checks if c.function == "candidate_state"} == {"reset_after_matmul"}
    text = next(c.message for c in cell if c.status != "passed")
    assert "PyTorch" in text and "(1) reset before the product" in text and "(2) swap the roles of z" in text
    assert "swap_update_gate" not in named.values()  # half of the truth is not named on its own


def test_onnx_reference_helpers_get_their_sigmoid_and_their_z_convention_named(make_submission, sandbox,
                                                                               monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"gates.py": ONNX_GATES, "gru.py": ONNX_GRU},
                     ["gates", "gru"])
    named = _named(result)
    assert named == {
        "gates.sigmoid: large pre-activations up to ±1e4 without overflow": "naive_sigmoid_overflow",
        **{c.check_id: "swap_update_gate" for c in result.checks if c.function == "gru_cell"},
    }
    assert "ONNX" in next(c.message for c in result.checks if c.function == "gru_cell")


def test_a_two_branch_where_sigmoid_is_not_told_to_use_the_form_it_uses(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"gates.py": TWO_BRANCH_GATES}, ["gates"])
    overflow = next(c for c in result.checks if c.status != "passed")
    assert overflow.details["misconception"]["id"] == "where_evaluates_both_branches"
    assert "a ≫ 0 and on a ≪ 0" in overflow.message
    assert "np.exp(-np.abs(a))" in overflow.message


def test_a_naive_sigmoid_is_named_by_the_side_it_overflows_on(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"gates.py": NAIVE_GATES}, ["gates"])
    overflow = next(c for c in result.checks if c.status != "passed")
    assert overflow.details["misconception"]["id"] == "naive_sigmoid_overflow"
    assert "warns on a ≪ 0 " in overflow.message


INPUT_GATE_REUSES_FORGET = '''
import numpy as np
from exercises.gates import gate


def forget_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])


def input_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])   # copied from forget_gate


def output_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])


def candidate_cell(x, h_prev, params):
    return np.tanh(x @ params["W_c"].T + h_prev @ params["U_c"].T + params["b_c"])


def cell_update(c_prev, f, i, c_tilde):
    return f * c_prev + i * c_tilde


def hidden_state(o, c):
    return o * np.tanh(c)


def lstm_cell(x, h_prev, c_prev, params):
    f, i, o = forget_gate(x, h_prev, params), input_gate(x, h_prev, params), output_gate(x, h_prev, params)
    c = cell_update(c_prev, f, i, candidate_cell(x, h_prev, params))
    return hidden_state(o, c), c
'''


def test_an_input_gate_with_the_forget_weights_is_not_called_a_swap_of_f_and_i(make_submission, sandbox,
                                                                               monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"lstm.py": INPUT_GATE_REUSES_FORGET},
                     ["lstm", "stacked", "bidirectional"])
    named = _named(result)
    assert "swap_forget_input" not in named.values()
    assert all(c.status == "passed" for c in result.checks if c.function == "cell_update")
    assert {named[c.check_id] for c in result.checks if c.function == "input_gate"} == {"input_gate_forget_weights"}
    one_step = next(c for c in result.checks if c.name == "one LSTM layer, one time step")  # c_prev = 0 there
    assert named.get(one_step.check_id) in (None, "input_gate_forget_weights")


def test_an_lstm_cell_returning_c_then_h_is_named(make_submission, sandbox, monkeypatch):
    swapped = INPUT_GATE_REUSES_FORGET.replace('params["W_f"], params["U_f"], params["b_f"])   # copied',
                                               'params["W_i"], params["U_i"], params["b_i"])   # fixed')
    swapped = swapped.replace("    return hidden_state(o, c), c", "    return c, hidden_state(o, c)")
    result = _graded(make_submission, sandbox, monkeypatch, {"lstm.py": swapped}, ["lstm"])
    cell = [c for c in result.checks if c.function == "lstm_cell"]
    assert {c.details["misconception"]["id"] for c in cell} == {"return_c_before_h"}


SHIFTED_RNN = LOOPS.replace('''    h, hs = h0, []
    for x in xs:
        h = rnn_cell(x, h, params)
        hs.append(h)
    return np.stack(hs), h''', '''    T = xs.shape[0]
    hs = np.zeros((T, *h0.shape))
    h = h0
    for t in range(T):
        hs[t] = h
        h = rnn_cell(xs[t], h, params)
    return hs, h''', 1) + '''

def lstm_forward(xs, h0, c0, params):
    h, c, hs = h0, c0, []
    for x in xs:
        h, c = lstm_cell(x, h, c, params)
        hs.append(h)
    return np.stack(hs), (h, c)
'''


def test_outputs_one_step_late_are_named_as_a_time_shift(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"sequence.py": SHIFTED_RNN}, ["sequence"])
    failing = [c for c in result.checks if c.status != "passed"]
    assert {c.function for c in failing} == {"rnn_forward"}
    assert set(_named(result).values()) == {"store_previous_state"}


SHARED_UPPER = '''
import numpy as np
from exercises.sequence import gru_forward, lstm_forward, rnn_forward


def _run(xs, params, cell):
    H = params["W_x" if cell == "rnn" else "W_r" if cell == "gru" else "W_f"].shape[0]
    h0 = np.zeros((xs.shape[1], H))
    if cell == "lstm":
        return lstm_forward(xs, h0, h0.copy(), params)
    return (rnn_forward if cell == "rnn" else gru_forward)(xs, h0, params)


def stacked_forward(xs, layers, cell):
    first, upper = layers[0], layers[1:2] * (len(layers) - 1)   # every upper layer gets layers[1]
    hs, finals = xs, []
    for params in [first, *upper]:
        hs, final = _run(hs, params, cell)
        finals.append(final)
    return hs, finals
'''


def test_upper_layers_sharing_one_dict_are_named_on_the_public_three_layer_stack(make_submission, sandbox,
                                                                                monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"stacked.py": SHARED_UPPER}, ["stacked"])
    public = next(c for c in result.checks if c.visibility == "public" and c.status != "passed")
    assert public.name == "a GRU stack three layers deep"
    assert public.details["misconception"]["id"] == "share_upper_layer_params"
    assert public.details["first_bad_layer"] == 3


BIDIRECTIONAL_TEMPLATE = '''
import numpy as np
from exercises.stacked import stacked_forward


def bidirectional_forward(xs, params_fwd, params_bwd, cell):
    forward, _ = stacked_forward(xs, [params_fwd], cell)
    BODY


def deep_bidirectional_forward(xs, layers, cell):
    for params_fwd, params_bwd in layers:
        xs = bidirectional_forward(xs, params_fwd, params_bwd, cell)
    return xs
'''


def _bidirectional(body):
    return BIDIRECTIONAL_TEMPLATE.replace("BODY", body.strip().replace("\n", "\n    "))


@pytest.mark.parametrize(("body", "expected"), [
    ('''backward, _ = stacked_forward(xs[::-1], [params_bwd], cell)
return np.concatenate([forward, backward[::-1]], axis=1)''', "concat_batch_axis"),
    ('''backward, _ = stacked_forward(np.flip(xs, axis=1), [params_bwd], cell)   # time is axis 1 in CS231n
return np.concatenate([forward, np.flip(backward, axis=1)], axis=-1)''', "backward_reads_forward"),
    ('''backward, _ = stacked_forward(xs[::-1], [params_bwd], cell)
return forward + backward[::-1]''', "sum_directions"),
])
def test_bidirectional_axis_mistakes_are_named_by_values(make_submission, sandbox, monkeypatch, body, expected):
    result = _graded(make_submission, sandbox, monkeypatch, {"bidirectional.py": _bidirectional(body)},
                     ["bidirectional"])
    named = _named(result)
    assert expected in named.values()
    assert set(named.values()) == {expected}  # the deep checks' shape errors name nothing else
    if expected == "sum_directions":
        message = next(c.message for c in result.checks if named.get(c.check_id) == expected)
        assert "another source's convention" in message and "course notes" in message


BIAS_OUTSIDE = '''
import numpy as np


def rnn_cell(x, h_prev, params):
    return np.tanh(x @ params["W_x"].T + h_prev @ params["W_h"].T) + params["b"]
'''


def test_a_bias_added_after_the_tanh_is_named(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"vanilla.py": BIAS_OUTSIDE}, ["vanilla"])
    assert set(_named(result).values()) == {"bias_outside_tanh"}
    assert all(c.status != "passed" for c in result.checks)


# --- root causes first, hints by the diagnosis, two mistakes at once ---

SIGN_SLIP_GATES = '''
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(np.asarray(a, dtype=np.float64)))     # sign of the exponent slipped


def gate(x, h_prev, W, U, b):
    return sigmoid(x @ W.T + h_prev @ U.T + b)
'''


@pytest.mark.parametrize("exercises", [["gates", "gru"], ["gru"]])
def test_a_wrong_sigmoid_is_reported_once_at_the_top_not_as_a_gate_bug(make_submission, sandbox, monkeypatch,
                                                                        exercises):
    result = _graded(make_submission, sandbox, monkeypatch, {"gates.py": SIGN_SLIP_GATES}, exercises)
    notes = result.exercise_notes["gru"]
    assert len(notes) == 1 and notes[0].startswith("Start with sigmoid (gates)")
    gru = [c for c in result.checks if c.exercise == "gru" and c.status != "passed"]
    assert gru and all(c.details["root_cause"]["function"] == "sigmoid" for c in gru)
    assert all(c.hint.startswith("Fix sigmoid first") for c in gru)
    cell = next(c for c in gru if c.function == "gru_cell")
    assert "The first wrong piece is σ: fix sigmoid first." in cell.message
    assert "fix reset_gate first" not in cell.message


NO_BIAS_GRU = '''
import numpy as np
from exercises.gates import sigmoid


def reset_gate(x, h_prev, params):
    return sigmoid(x @ params["W_r"].T + h_prev @ params["U_r"].T)


def update_gate(x, h_prev, params):
    return sigmoid(x @ params["W_z"].T + h_prev @ params["U_z"].T)


def candidate_state(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T)


def gru_cell(x, h_prev, params):
    z, r = update_gate(x, h_prev, params), reset_gate(x, h_prev, params)
    return (1 - z) * h_prev + z * candidate_state(x, h_prev, r, params)
'''


def test_a_gru_without_biases_is_not_given_the_z_role_hint(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"gru.py": NO_BIAS_GRU}, ["gru"])
    failing = [c for c in result.checks if c.status != "passed"]
    assert {c.details["misconception"]["id"] for c in failing} == {"drop_bias"}
    assert not any("a small z keeps the old state" in c.hint for c in failing)
    assert sum("This matches a known mix-up" in c.message for c in failing) == 1  # in full once


def test_a_keep_gate_gru_without_biases_is_named_as_two_mistakes(make_submission, sandbox, monkeypatch):
    keep_gate = NO_BIAS_GRU.replace("return (1 - z) * h_prev + z * candidate_state(x, h_prev, r, params)",
                                    "return z * h_prev + (1 - z) * candidate_state(x, h_prev, r, params)")
    result = _graded(make_submission, sandbox, monkeypatch, {"gru.py": keep_gate}, ["gru"])
    cell = [c for c in result.checks if c.function == "gru_cell"]
    assert {c.details["misconception"]["id"] for c in cell} == {"drop_bias+swap_update_gate"}
    text = cell[0].message
    assert "2 mistakes made at once" in text and "1. This matches a known mix-up: x Wᵀ + h_prev Uᵀ" in text
    assert "2. This matches another source's convention: h = z ⊙ h_prev" in text


def test_pytorch_formulas_with_the_bias_inside_the_reset_name_both_parts(make_submission, sandbox, monkeypatch):
    inside = TORCH_GRU.replace(
        'return np.tanh(x @ params["W_h"].T + params["b_h"] + r * (h_prev @ params["U_h"].T + b_hn))',
        'return np.tanh(x @ params["W_h"].T + r * (h_prev @ params["U_h"].T + params["b_h"]))')
    result = _graded(make_submission, sandbox, monkeypatch, {"gru.py": inside}, ["gru"])
    cell = {c.details["misconception"]["id"] for c in result.checks if c.function == "gru_cell"}
    assert cell == {"swap_update_gate+reset_after_matmul_and_bias"}


WRONG_Z_WEIGHTS_GRU = '''
import numpy as np
from exercises.gates import gate


def reset_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_r"], params["U_r"], params["b_r"])


def update_gate(x, h_prev, params):
    return gate(x, h_prev, params["W_z"], params["U_z"], params["b_z"])


def candidate_state(x, h_prev, r, params):
    return np.tanh(x @ params["W_h"].T + (r * h_prev) @ params["U_h"].T + params["b_h"])


def gru_cell(x, h_prev, params):
    r = reset_gate(x, h_prev, params)
    z = gate(x, h_prev, params["W_r"], params["U_z"], params["b_z"])   # W_r: a copy-paste slip
    return (1 - z) * h_prev + z * candidate_state(x, h_prev, r, params)
'''


def test_a_cell_bug_sends_the_sequence_checks_to_the_cell_not_to_the_loop(make_submission, sandbox, monkeypatch):
    result = _graded(make_submission, sandbox, monkeypatch, {"gru.py": WRONG_Z_WEIGHTS_GRU}, ["sequence"])
    failing = [c for c in result.checks if c.status != "passed"]
    assert {c.function for c in failing} == {"gru_forward"}
    assert all(c.details["root_cause"]["function"] == "gru_cell" for c in failing)
    assert all(c.hint.startswith("Fix gru_cell first") and "Loop t = 1" not in c.hint for c in failing)
    assert result.exercise_notes["sequence"][0].startswith("Start with gru_cell (gru): your own version of it")
    assert not any("misconception" in c.details for c in failing)


def test_exercise_notes_travel_in_result_json_and_older_files_read_as_none(make_submission, sandbox, monkeypatch):
    from grader.model import SubmissionResult
    from grader.report.render import render_markdown, render_terminal

    result = _graded(make_submission, sandbox, monkeypatch, {"gates.py": SIGN_SLIP_GATES}, ["gru"])
    data = result.to_dict()
    assert data["exercise_notes"]["gru"] == result.exercise_notes["gru"]
    assert SubmissionResult.from_dict(data).exercise_notes == result.exercise_notes
    del data["exercise_notes"]
    assert SubmissionResult.from_dict(data).exercise_notes == {}
    note = result.exercise_notes["gru"][0]
    assert render_terminal(result).count(note) == 1 and f"**Start here:** {note}" in render_markdown(result)
