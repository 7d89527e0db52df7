"""The reference solutions checked against computations written separately in this file.

Nothing here imports a helper from ``solutions``: cells are recomputed element by element with
``math.exp``/``math.tanh``, sequences are unrolled by hand, the GRU is also computed from one
stacked weight matrix, the backward pass of a bidirectional layer by reversing the input, and
parameter counts by summing the sizes of parameter arrays actually built.

Shapes always have N, d and H pairwise different so that a transposed weight cannot pass, and
biases and states are nonzero so that a dropped term shows.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from solutions import bidirectional, gates, gru, lstm, param_count, sequence, stacked, vanilla

RTOL, ATOL = 1e-10, 1e-12

# (N, d, H, T): N ≠ d ≠ H, plus single-step and single-example cases.
SHAPES = [(3, 4, 5, 6), (1, 2, 3, 1), (2, 5, 3, 1), (1, 3, 2, 4), (4, 3, 2, 2)]
SHAPE_IDS = [f"N{n}-d{d}-H{h}-T{t}" for n, d, h, t in SHAPES]

CELLS = ("rnn", "gru", "lstm")

# Parameter names and their shapes, written out from the contract: "Hd" = (H, d), "HH" = (H, H).
PARAM_LAYOUT = {
    "rnn": {"W_x": "Hd", "W_h": "HH", "b": "H"},
    "gru": {
        "W_r": "Hd", "U_r": "HH", "b_r": "H",
        "W_z": "Hd", "U_z": "HH", "b_z": "H",
        "W_h": "Hd", "U_h": "HH", "b_h": "H",
    },
    "lstm": {
        "W_f": "Hd", "U_f": "HH", "b_f": "H",
        "W_i": "Hd", "U_i": "HH", "b_i": "H",
        "W_c": "Hd", "U_c": "HH", "b_c": "H",
        "W_o": "Hd", "U_o": "HH", "b_o": "H",
    },
}


def make_params(rng, cell, d, H, scale=0.8):
    """A random parameter dict for ``cell`` with input size ``d`` and hidden size ``H``."""
    dims = {"Hd": (H, d), "HH": (H, H), "H": (H,)}
    return {name: scale * rng.standard_normal(dims[kind])
            for name, kind in PARAM_LAYOUT[cell].items()}


def close(actual, expected):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    assert actual.dtype == np.float64, f"dtype {actual.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


# --- scalar building blocks, written with the math module -----------------------------------

def scalar_sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def affine_entry(x, h, W, U, b, n, j):
    """Entry (n, j) of x Wᵀ + h Uᵀ + b, by explicit sums."""
    total = b[j]
    for k in range(x.shape[1]):
        total += W[j, k] * x[n, k]
    for m in range(h.shape[1]):
        total += U[j, m] * h[n, m]
    return total


def elementwise(fn, N, H):
    out = np.empty((N, H))
    for n in range(N):
        for j in range(H):
            out[n, j] = fn(n, j)
    return out


def loop_gate(x, h, W, U, b):
    return elementwise(lambda n, j: scalar_sigmoid(affine_entry(x, h, W, U, b, n, j)),
                       x.shape[0], W.shape[0])


def loop_rnn(x, h, p):
    return elementwise(
        lambda n, j: math.tanh(affine_entry(x, h, p["W_x"], p["W_h"], p["b"], n, j)),
        x.shape[0], p["W_x"].shape[0])


def loop_gru(x, h, p):
    N, H = x.shape[0], p["W_r"].shape[0]
    r = loop_gate(x, h, p["W_r"], p["U_r"], p["b_r"])
    z = loop_gate(x, h, p["W_z"], p["U_z"], p["b_z"])
    rh = np.empty((N, H))
    for n in range(N):
        for j in range(H):
            rh[n, j] = r[n, j] * h[n, j]
    cand = elementwise(
        lambda n, j: math.tanh(affine_entry(x, rh, p["W_h"], p["U_h"], p["b_h"], n, j)), N, H)
    new = elementwise(lambda n, j: (1.0 - z[n, j]) * h[n, j] + z[n, j] * cand[n, j], N, H)
    return r, z, cand, new


def loop_lstm(x, h, c, p):
    N, H = x.shape[0], p["W_f"].shape[0]
    f = loop_gate(x, h, p["W_f"], p["U_f"], p["b_f"])
    i = loop_gate(x, h, p["W_i"], p["U_i"], p["b_i"])
    o = loop_gate(x, h, p["W_o"], p["U_o"], p["b_o"])
    cc = elementwise(
        lambda n, j: math.tanh(affine_entry(x, h, p["W_c"], p["U_c"], p["b_c"], n, j)), N, H)
    c_new = elementwise(lambda n, j: f[n, j] * c[n, j] + i[n, j] * cc[n, j], N, H)
    h_new = elementwise(lambda n, j: o[n, j] * math.tanh(c_new[n, j]), N, H)
    return f, i, o, cc, c_new, h_new


def gru_from_stacked_matrix(x, h, p):
    """GRU step from one product with [W_r; W_z; W_h] and one with [U_r; U_z]."""
    H = p["W_r"].shape[0]
    W_all = np.vstack([p["W_r"], p["W_z"], p["W_h"]])           # (3H, d)
    b_all = np.concatenate([p["b_r"], p["b_z"], p["b_h"]])      # (3H,)
    from_x = np.einsum("nk,jk->nj", x, W_all) + b_all           # (N, 3H)
    from_h = np.einsum("nm,jm->nj", h, np.vstack([p["U_r"], p["U_z"]]))  # (N, 2H)
    r = 1.0 / (1.0 + np.exp(-(from_x[:, :H] + from_h[:, :H])))
    z = 1.0 / (1.0 + np.exp(-(from_x[:, H:2 * H] + from_h[:, H:])))
    cand = np.tanh(from_x[:, 2 * H:] + np.einsum("nm,jm->nj", r * h, p["U_h"]))
    return z * cand + h - z * h


# --- hand-unrolled sequences --------------------------------------------------------------

def unroll_by_hand(cell, xs, p, h0=None, c0=None):
    """Per-time loop over xs (T, N, d) with the element-wise cells; returns (hs, last state)."""
    T, N = xs.shape[0], xs.shape[1]
    H = p[{"rnn": "W_x", "gru": "W_r", "lstm": "W_f"}[cell]].shape[0]
    h = np.zeros((N, H)) if h0 is None else h0.copy()
    c = np.zeros((N, H)) if c0 is None else c0.copy()
    outputs = []
    for t in range(T):
        if cell == "rnn":
            h = loop_rnn(xs[t], h, p)
        elif cell == "gru":
            h = loop_gru(xs[t], h, p)[3]
        else:
            c_next = loop_lstm(xs[t], h, c, p)
            c, h = c_next[4], c_next[5]
        outputs.append(h)
    hs = np.array(outputs).reshape(T, N, H)
    return hs, ((h, c) if cell == "lstm" else h)


def bidirectional_by_reversal(cell, xs, p_fwd, p_bwd):
    forward, _ = unroll_by_hand(cell, xs, p_fwd)
    reversed_out, _ = unroll_by_hand(cell, np.flip(xs, axis=0), p_bwd)
    backward = np.flip(reversed_out, axis=0)
    return np.concatenate([forward, backward], axis=2)


@pytest.fixture
def rng(request):
    # A different, reproducible stream for every test.
    seed = sum(map(ord, request.node.nodeid))
    return np.random.default_rng(seed)


# --- gates ----------------------------------------------------------------------------------

def test_sigmoid_matches_math_on_a_wide_range():
    a = np.linspace(-40.0, 40.0, 161).reshape(7, 23)
    expected = np.vectorize(scalar_sigmoid)(a)
    close(gates.sigmoid(a), expected)


@pytest.mark.parametrize("big", [1e4, 800.0, 745.5, 710.0])
def test_sigmoid_is_silent_and_exact_at_huge_inputs(big):
    a = np.array([[-big, -1.0, 0.0], [1.0, big, -big / 2]])
    with np.errstate(all="raise"):
        out = gates.sigmoid(a)
    assert out.shape == a.shape
    assert np.all(np.isfinite(out))
    assert out[1, 1] == 1.0
    assert 0.0 <= out[0, 0] < 1e-300
    assert out[0, 2] == 0.5
    np.testing.assert_allclose(out[0, 1] + out[1, 0], 1.0, rtol=0, atol=1e-15)


def test_sigmoid_keeps_the_shape_of_its_input(rng):
    a = rng.standard_normal((2, 3, 4))
    assert gates.sigmoid(a).shape == (2, 3, 4)
    assert np.isclose(float(gates.sigmoid(0.0)), 0.5)


@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
def test_gate_elementwise(rng, N, d, H, T):
    x, h = rng.standard_normal((N, d)), rng.standard_normal((N, H))
    W, U, b = rng.standard_normal((H, d)), rng.standard_normal((H, H)), rng.standard_normal(H)
    close(gates.gate(x, h, W, U, b), loop_gate(x, h, W, U, b))


# --- cells ----------------------------------------------------------------------------------

@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
def test_rnn_cell_elementwise(rng, N, d, H, T):
    p = make_params(rng, "rnn", d, H)
    x, h = rng.standard_normal((N, d)), rng.standard_normal((N, H))
    close(vanilla.rnn_cell(x, h, p), loop_rnn(x, h, p))


@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
def test_gru_parts_elementwise(rng, N, d, H, T):
    p = make_params(rng, "gru", d, H)
    x, h = rng.standard_normal((N, d)), rng.standard_normal((N, H))
    r, z, cand, new = loop_gru(x, h, p)
    close(gru.reset_gate(x, h, p), r)
    close(gru.update_gate(x, h, p), z)
    close(gru.candidate_state(x, h, r, p), cand)
    close(gru.gru_cell(x, h, p), new)


@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
def test_candidate_state_uses_the_given_reset_gate(rng, N, d, H, T):
    p = make_params(rng, "gru", d, H)
    x, h = rng.standard_normal((N, d)), rng.standard_normal((N, H))
    r = rng.uniform(0.05, 0.95, size=(N, H))
    expected = elementwise(
        lambda n, j: math.tanh(affine_entry(x, r * h, p["W_h"], p["U_h"], p["b_h"], n, j)), N, H)
    close(gru.candidate_state(x, h, r, p), expected)


@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
def test_gru_cell_matches_the_stacked_matrix_form(rng, N, d, H, T):
    p = make_params(rng, "gru", d, H, scale=1.2)
    x, h = rng.standard_normal((N, d)), rng.standard_normal((N, H))
    close(gru.gru_cell(x, h, p), gru_from_stacked_matrix(x, h, p))


def test_gru_small_update_gate_keeps_the_old_state(rng):
    N, d, H = 2, 3, 4
    p = make_params(rng, "gru", d, H)
    p["b_z"] = np.full(H, -60.0)                      # z ≈ 0
    x, h = rng.standard_normal((N, d)), rng.standard_normal((N, H))
    np.testing.assert_allclose(gru.gru_cell(x, h, p), h, atol=1e-20)


@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
def test_lstm_parts_elementwise(rng, N, d, H, T):
    p = make_params(rng, "lstm", d, H)
    x, h, c = (rng.standard_normal((N, d)), rng.standard_normal((N, H)),
               2.0 * rng.standard_normal((N, H)))
    f, i, o, cc, c_new, h_new = loop_lstm(x, h, c, p)
    close(lstm.forget_gate(x, h, p), f)
    close(lstm.input_gate(x, h, p), i)
    close(lstm.output_gate(x, h, p), o)
    close(lstm.candidate_cell(x, h, p), cc)
    close(lstm.cell_update(c, f, i, cc), c_new)
    close(lstm.hidden_state(o, c_new), h_new)
    got_h, got_c = lstm.lstm_cell(x, h, c, p)
    close(got_h, h_new)
    close(got_c, c_new)


def test_cell_update_and_hidden_state_on_their_own(rng):
    c_prev, f, i, c_tilde, o = (rng.standard_normal((3, 2)) for _ in range(5))
    close(lstm.cell_update(c_prev, f, i, c_tilde),
          elementwise(lambda n, j: f[n, j] * c_prev[n, j] + i[n, j] * c_tilde[n, j], 3, 2))
    close(lstm.hidden_state(o, c_prev),
          elementwise(lambda n, j: o[n, j] * math.tanh(c_prev[n, j]), 3, 2))


# --- sequences ------------------------------------------------------------------------------

@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("cell", CELLS)
def test_sequence_forward_matches_a_hand_unrolled_loop(rng, cell, N, d, H, T):
    p = make_params(rng, cell, d, H)
    xs = rng.standard_normal((T, N, d))
    h0 = rng.standard_normal((N, H))
    if cell == "lstm":
        c0 = rng.standard_normal((N, H))
        expected_hs, (exp_h, exp_c) = unroll_by_hand(cell, xs, p, h0, c0)
        xs_before, h0_before, c0_before = xs.copy(), h0.copy(), c0.copy()
        hs, (h_T, c_T) = sequence.lstm_forward(xs, h0, c0, p)
        close(c_T, exp_c)
        np.testing.assert_array_equal(c0, c0_before)
    else:
        expected_hs, exp_h = unroll_by_hand(cell, xs, p, h0)
        xs_before, h0_before = xs.copy(), h0.copy()
        forward = sequence.rnn_forward if cell == "rnn" else sequence.gru_forward
        hs, h_T = forward(xs, h0, p)
    close(hs, expected_hs)
    close(h_T, exp_h)
    close(h_T, hs[-1])
    np.testing.assert_array_equal(xs, xs_before)
    np.testing.assert_array_equal(h0, h0_before)


def test_lstm_forward_carries_the_cell_state(rng):
    # With the output gate saturated open, h_t = tanh(c_t); dropping c between steps would change h.
    N, d, H, T = 2, 3, 4, 3
    p = make_params(rng, "lstm", d, H)
    p["b_o"] = np.full(H, 60.0)
    p["b_f"] = np.full(H, 60.0)                       # f ≈ 1: c accumulates
    xs = rng.standard_normal((T, N, d))
    c0 = np.full((N, H), 0.5)
    hs, (_, c_T) = sequence.lstm_forward(xs, np.zeros((N, H)), c0, p)
    np.testing.assert_allclose(hs[-1], np.tanh(c_T), rtol=1e-12)
    assert not np.allclose(c_T, c0)


# --- stacked --------------------------------------------------------------------------------

def build_stack(rng, cell, d, H, depth):
    return [make_params(rng, cell, d if layer == 0 else H, H) for layer in range(depth)]


@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("depth", [1, 3])
def test_stacked_forward_layer_by_layer(rng, cell, depth, N, d, H, T):
    layers = build_stack(rng, cell, d, H, depth)
    xs = rng.standard_normal((T, N, d))
    hs_top, finals = stacked.stacked_forward(xs, layers, cell)
    below = xs
    assert len(finals) == depth
    for params, final in zip(layers, finals):
        below, last = unroll_by_hand(cell, below, params)
        if cell == "lstm":
            assert isinstance(final, tuple) and len(final) == 2
            close(final[0], last[0])
            close(final[1], last[1])
        else:
            close(final, last)
    close(hs_top, below)


def test_stacked_layers_do_not_all_read_the_input(rng):
    # When d == H, feeding x to every layer is shape-valid; the output must still differ.
    N, d, H, T = 2, 3, 3, 4
    layers = build_stack(rng, "gru", d, H, 2)
    xs = rng.standard_normal((T, N, d))
    hs_top, _ = stacked.stacked_forward(xs, layers, "gru")
    wrong, _ = unroll_by_hand("gru", xs, layers[1])
    assert not np.allclose(hs_top, wrong)
    right, _ = unroll_by_hand("gru", unroll_by_hand("gru", xs, layers[0])[0], layers[1])
    close(hs_top, right)


# --- bidirectional --------------------------------------------------------------------------

@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_forward_by_reversing_the_input(rng, cell, N, d, H, T):
    p_fwd, p_bwd = make_params(rng, cell, d, H), make_params(rng, cell, d, H)
    xs = rng.standard_normal((T, N, d))
    hs = bidirectional.bidirectional_forward(xs, p_fwd, p_bwd, cell)
    assert hs.shape == (T, N, 2 * H)
    close(hs, bidirectional_by_reversal(cell, xs, p_fwd, p_bwd))


@pytest.mark.parametrize("cell", CELLS)
def test_backward_half_at_the_last_step_has_read_only_the_last_input(rng, cell):
    N, d, H, T = 2, 3, 4, 5
    p_fwd, p_bwd = make_params(rng, cell, d, H), make_params(rng, cell, d, H)
    xs = rng.standard_normal((T, N, d))
    hs = bidirectional.bidirectional_forward(xs, p_fwd, p_bwd, cell)
    one_step, _ = unroll_by_hand(cell, xs[-1:], p_bwd)
    close(hs[-1, :, H:], one_step[0])
    first_fwd, _ = unroll_by_hand(cell, xs[:1], p_fwd)
    close(hs[0, :, :H], first_fwd[0])


@pytest.mark.parametrize("N,d,H,T", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_deep_bidirectional_forward(rng, cell, depth, N, d, H, T):
    layers = [(make_params(rng, cell, d if k == 0 else 2 * H, H),
               make_params(rng, cell, d if k == 0 else 2 * H, H)) for k in range(depth)]
    xs = rng.standard_normal((T, N, d))
    expected = xs
    for p_fwd, p_bwd in layers:
        expected = bidirectional_by_reversal(cell, expected, p_fwd, p_bwd)
    close(bidirectional.deep_bidirectional_forward(xs, layers, cell), expected)


# --- the cell argument ----------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["LSTM", "elman", "", None])
def test_unknown_cell_is_rejected_with_the_valid_choices(rng, bad):
    xs = rng.standard_normal((2, 1, 3))
    p = make_params(rng, "rnn", 3, 2)
    calls = [
        lambda: stacked.stacked_forward(xs, [p], bad),
        lambda: bidirectional.bidirectional_forward(xs, p, p, bad),
        lambda: bidirectional.deep_bidirectional_forward(xs, [(p, p)], bad),
        lambda: param_count.stacked_param_count(bad, 3, 2, 1),
    ]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        for name in CELLS:
            assert name in str(info.value)


# --- parameter counts -----------------------------------------------------------------------

PER_CELL_COUNT = {
    "rnn": param_count.rnn_param_count,
    "gru": param_count.gru_param_count,
    "lstm": param_count.lstm_param_count,
}


def size_of(params):
    return sum(array.size for array in params.values())


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("d,h", [(1, 1), (3, 5), (7, 2), (128, 256)])
def test_cell_counts_equal_the_size_of_built_parameters(rng, cell, d, h):
    got = PER_CELL_COUNT[cell](d, h)
    assert type(got) is int
    assert got == size_of(make_params(rng, cell, d, h))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidir", [False, True])
@pytest.mark.parametrize("d,h,layers", [(3, 5, 1), (4, 2, 2), (6, 3, 4)])
def test_stacked_counts_equal_the_size_of_built_networks(rng, cell, bidir, d, h, layers):
    directions = 2 if bidir else 1
    total = 0
    for layer in range(layers):
        reads = d if layer == 0 else directions * h
        total += sum(size_of(make_params(rng, cell, reads, h)) for _ in range(directions))
    got = param_count.stacked_param_count(cell, d, h, layers, bidirectional=bidir)
    assert type(got) is int
    assert got == total


def test_stacked_count_is_checked_against_networks_the_references_can_run(rng):
    # A network built for the count is also accepted by the forward functions.
    d, h = 3, 4
    layers = [(make_params(rng, "lstm", d if k == 0 else 2 * h, h),
               make_params(rng, "lstm", d if k == 0 else 2 * h, h)) for k in range(2)]
    out = bidirectional.deep_bidirectional_forward(rng.standard_normal((2, 1, d)), layers, "lstm")
    assert out.shape == (2, 1, 2 * h)
    assert param_count.stacked_param_count("lstm", d, h, 2, True) == sum(
        size_of(p) for pair in layers for p in pair)


D, Hs = sympy.symbols("d h", positive=True, integer=True)
GATES_PER_CELL = {"rnn": 1, "gru": 3, "lstm": 4}


@pytest.mark.parametrize("cell", CELLS)
def test_cell_counts_symbolically(cell):
    expected = GATES_PER_CELL[cell] * (Hs * D + Hs ** 2 + Hs)
    assert sympy.expand(PER_CELL_COUNT[cell](D, Hs) - expected) == 0


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidir", [False, True])
@pytest.mark.parametrize("layers", [1, 2, 5])
def test_stacked_counts_symbolically(cell, bidir, layers):
    k = 2 if bidir else 1
    g = GATES_PER_CELL[cell]
    expected = 0
    for layer in range(layers):
        reads = D if layer == 0 else k * Hs
        expected += k * g * (Hs * reads + Hs * Hs + Hs)
    got = param_count.stacked_param_count(cell, D, Hs, layers, bidirectional=bidir)
    assert sympy.expand(got - expected) == 0
    assert not any(isinstance(a, sympy.Float) for a in sympy.preorder_traversal(sympy.expand(got)))


def test_known_counts():
    assert param_count.rnn_param_count(10, 20) == 20 * 10 + 400 + 20
    assert param_count.gru_param_count(10, 20) == 3 * 620
    assert param_count.lstm_param_count(10, 20) == 4 * 620
    # Two bidirectional GRU layers, d = 10, h = 20: 2·3·620 + 2·3·(20·40 + 400 + 20).
    assert param_count.stacked_param_count("gru", 10, 20, 2, bidirectional=True) == 3720 + 7320


# --- the inputs used above can tell known mistakes apart ------------------------------------

def test_inputs_separate_the_swapped_update_gate(rng):
    N, d, H = 3, 4, 5
    p = make_params(rng, "gru", d, H)
    x, h = rng.standard_normal((N, d)), rng.standard_normal((N, H))
    r, z, cand, _ = loop_gru(x, h, p)
    swapped = z * h + (1 - z) * cand
    assert not np.allclose(gru.gru_cell(x, h, p), swapped, rtol=1e-3)


def test_inputs_separate_the_missing_tanh_on_the_cell(rng):
    N, d, H = 3, 4, 5
    p = make_params(rng, "lstm", d, H)
    x, h, c = rng.standard_normal((N, d)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    got_h, got_c = lstm.lstm_cell(x, h, c, p)
    o = loop_gate(x, h, p["W_o"], p["U_o"], p["b_o"])
    assert not np.allclose(got_h, o * got_c, rtol=1e-3)


def test_inputs_separate_the_unreversed_backward_pass(rng):
    N, d, H, T = 2, 3, 4, 5
    p_fwd, p_bwd = make_params(rng, "rnn", d, H), make_params(rng, "rnn", d, H)
    xs = rng.standard_normal((T, N, d))
    hs = bidirectional.bidirectional_forward(xs, p_fwd, p_bwd, "rnn")
    not_reversed, _ = unroll_by_hand("rnn", np.flip(xs, axis=0), p_bwd)
    assert not np.allclose(hs[:, :, H:], not_reversed, rtol=1e-3)
