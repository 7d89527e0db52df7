"""The hot path's shortcuts give exactly what the general code gives: input copies, closeness,
verdict-only judging and the wire format's fast paths."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import sympy

from grader.compare import compare_array
from grader.engine import prepare
from grader.judge import judge
from grader.reference import fresh_copy
from grader.sandbox import wire
from grader.sandbox.client import Outcome
from grader.suites import Tolerance, select_checks


def test_fresh_copy_copies_every_array_and_keeps_everything_else():
    d = sympy.Symbol("d", positive=True, integer=True)
    args = (np.arange(6.0).reshape(2, 3), [{"W": np.ones((2, 2)), "b": np.zeros(2)}], "gru", 3, 2.5, True, None,
            np.float64(1.5), d, (np.zeros(1),))
    copied = fresh_copy(args)
    assert type(copied) is tuple and type(copied[1]) is list and type(copied[1][0]) is dict
    assert copied[0] is not args[0] and copied[1][0]["W"] is not args[1][0]["W"] and copied[9][0] is not args[9][0]
    np.testing.assert_array_equal(copied[0], args[0])
    assert copied[2:9] == args[2:9]
    copied[0][0, 0] = 99.0
    copied[1][0]["W"][0, 0] = 99.0
    assert args[0][0, 0] == 0.0 and args[1][0]["W"][0, 0] == 1.0


def test_fresh_copy_deep_copies_what_it_does_not_know():
    class Box:
        def __init__(self):
            self.items = [np.zeros(2)]

    box, objects = Box(), np.array([[1.0], [2.0]], dtype=object)
    copied_box, copied_objects = fresh_copy((box, objects))
    assert copied_box is not box and copied_box.items[0] is not box.items[0]
    assert copied_objects[0] is not objects[0]


@pytest.mark.parametrize("check", [c for c in select_checks() if c.kind != "array"][:3] +
                         [c for c in select_checks() if c.kind == "array"], ids=lambda c: c.check_id)
def test_fresh_copy_matches_deepcopy_on_every_suite_input(check):
    for args in prepare(check, 7).cases:
        assert wire.encode(fresh_copy(args)) == wire.encode(copy.deepcopy(args))


def _isclose_verdicts(expected, got, tolerance):
    return np.isclose(got, expected, rtol=tolerance.rtol, atol=tolerance.atol)


@pytest.mark.parametrize("seed", range(20))
def test_closeness_is_numpy_isclose(seed):
    rng = np.random.default_rng(seed)
    tolerance = Tolerance(atol=10.0 ** -rng.integers(3, 10), rtol=10.0 ** -rng.integers(3, 8))
    expected = rng.normal(size=(4, 3, 5)) * 10.0 ** rng.integers(-3, 4)
    # differences around the tolerance, exact zeros and exact matches
    bound = tolerance.atol + tolerance.rtol * np.abs(expected)
    got = expected + bound * rng.choice([0.0, 0.5, 0.999999, 1.0, 1.000001, 2.0, -1.0, -1.5], size=expected.shape)
    got[0, 0, :2] = expected[0, 0, :2]
    expected[1, 1, 1] = got[1, 1, 1] = 0.0
    part = compare_array("x", expected, got, tolerance, ("t", "n", "unit"))
    want = _isclose_verdicts(expected, got, tolerance)
    assert part.ok == bool(want.all())
    if not part.ok:
        assert part.details["mismatched"] == int((~want).sum())


def test_non_finite_expected_values_still_use_isclose():
    expected = np.array([np.inf, 1.0, -np.inf])
    assert compare_array("x", expected, expected.copy(), Tolerance()).ok
    with np.errstate(invalid="ignore"):  # inf − inf in the mismatch report, as with isclose
        assert not compare_array("x", expected, np.array([np.inf, 1.0, np.inf]), Tolerance()).ok


def test_zero_dimensional_arrays():
    assert compare_array("x", np.array(1.0), np.array(1.0 + 1e-12), Tolerance()).ok
    part = compare_array("x", np.array(1.0), np.array(2.0), Tolerance())
    assert not part.ok and part.problem == "values"


def _shift(value, offset):
    if isinstance(value, (tuple, list)):
        return type(value)(_shift(v, offset) for v in value)
    return value + offset


@pytest.mark.parametrize("offset", [0.0, 1e-12, 1e-3, np.nan])
def test_verdict_only_judging_gives_the_same_status_and_score(offset):
    for check in select_checks(["gru", "stacked"]):
        item = prepare(check, 5)
        outcomes = [Outcome(ok=True, value=_shift(item.expected[0], offset))]
        full, quick = judge(item, outcomes), judge(item, outcomes, verdict_only=True)
        assert (full.status, full.score) == (quick.status, quick.score)


class _GeneralOnly(wire._Encoder):
    """The encoder without its fast paths: every value takes the general route."""

    def tree(self, value):
        return self._general(value)


def _general_encode(value, lenient=False) -> bytes:
    encoder = _GeneralOnly(lenient)
    tree = encoder.tree(value)
    header = json.dumps({"tree": tree, "buffers": [len(b) for b in encoder.buffers]}, allow_nan=False).encode()
    return b"".join([len(header).to_bytes(8, "big"), header, *encoder.buffers])


class _Key(str):
    pass


class _Float(float):
    pass


WIRE_VALUES = [1.5, -0.0, float("nan"), float("inf"), 10 ** 40, -3, True, False, None, "s", np.float64(2.5),
               np.int32(7), [1, (2.0, "x")], {"a": np.arange(3.0), "b": [np.zeros((2, 0))]}, {_Key("k"): 1},
               _Float(0.25), np.arange(6.0).reshape(2, 3).T, np.array(3.0), np.arange(4, dtype=np.int8), b"raw", (),
               [], {}, np.arange(3.0).view(np.recarray)]


@pytest.mark.parametrize("value", WIRE_VALUES, ids=range(len(WIRE_VALUES)))
def test_wire_fast_paths_encode_exactly_as_the_general_code(value):
    assert wire.encode(value) == _general_encode(value)
    assert wire.encode(value, lenient=True) == _general_encode(value, lenient=True)


def test_wire_encodes_every_suite_input_as_the_general_code():
    for check in select_checks():
        cases = prepare(check, 3).cases
        assert wire.encode(cases) == _general_encode(cases)


def test_wire_decoding_refuses_bad_array_references():
    message = wire.encode([np.arange(3.0)])
    header_len = int.from_bytes(message[:8], "big")
    for bad in (b'"$array": 1', b'"$array": -1', b'"$array": "0"'):
        forged_header = message[8:8 + header_len].replace(b'"$array": 0', bad)
        forged = len(forged_header).to_bytes(8, "big") + forged_header + message[8 + header_len:]
        with pytest.raises(wire.WireError, match="buffer reference"):
            wire.decode(forged)
    short = message[8:8 + header_len].replace(b'"shape": [3]', b'"shape": [4]')
    with pytest.raises(wire.WireError, match="does not match"):
        wire.decode(len(short).to_bytes(8, "big") + short + message[8 + header_len:])


def test_the_childs_copies_of_read_only_request_arrays_are_writable_and_private():
    from grader.sandbox import child

    d = sympy.Symbol("d", positive=True, integer=True)
    args = wire.decode(wire.encode([np.arange(3.0), [{"W": np.ones((2, 2))}], (np.zeros(1), 2.5, 3, "gru", d)]),
                       copy_arrays=False, make_symbol=lambda name: sympy.Symbol(name, positive=True, integer=True))
    copied = child._fresh_copies(args)
    assert wire.encode(copied) == wire.encode(args)
    for original, copy_ in ((args[0], copied[0]), (args[1][0]["W"], copied[1][0]["W"]), (args[2][0], copied[2][0])):
        assert not original.flags.writeable and copy_.flags.writeable and not np.shares_memory(original, copy_)
    assert copied[2][1:] == args[2][1:] and type(copied[2]) is tuple


class _NoScan(dict):
    """sys.modules stand-in that fails the test if anyone iterates over it."""

    def __iter__(self):
        raise AssertionError("sys.modules was scanned")

    def keys(self):
        raise AssertionError("sys.modules was scanned")


def test_exposing_the_package_drops_stale_learner_modules_and_scans_nothing_without_them(monkeypatch, tmp_path):
    import types

    from grader.sandbox import child

    clean = _NoScan(numpy=np)
    monkeypatch.setattr(child, "sys", types.SimpleNamespace(modules=clean, path=["/lib"], dont_write_bytecode=False))
    child._expose_package(str(tmp_path))  # no exercises package: nothing to drop, and no scan
    assert clean["exercises"].__path__ == [str(tmp_path)] and child.sys.path == ["/lib", str(tmp_path)]

    stale = {"numpy": np, "exercises": types.ModuleType("exercises"), "exercises.gru": types.ModuleType("x"),
             "exercises_other": np}
    monkeypatch.setattr(child, "sys", types.SimpleNamespace(modules=stale, path=[], dont_write_bytecode=False))
    child._expose_package(str(tmp_path))
    assert "exercises.gru" not in stale and stale["exercises"].__path__ == [str(tmp_path)]
    assert stale["exercises_other"] is np and stale["numpy"] is np


def test_formula_verdicts_are_remembered_and_the_same_as_deciding_afresh():
    from grader.judge import formula_verdict

    d, h = sympy.symbols("d h", positive=True, integer=True)
    reference = 3 * (h * d + h**2 + h)
    formula_verdict.cache_clear()
    assert formula_verdict("3*h*(d + h + 1)", reference) == (True, "")
    ok, message = formula_verdict("3*d*h + 3*h**2", reference)
    assert not ok and "not the right formula" in message and "3*d*h" in message.replace(" ", "")
    ok, message = formula_verdict("__import__('os')", reference)
    assert not ok and "could not be read" in message
    assert formula_verdict.cache_info().misses == 3
    assert formula_verdict("3*h*(d + h + 1)", reference) == (True, "")
    assert formula_verdict.cache_info().hits == 1
    assert formula_verdict("3*h*(d + h + 1)", 4 * (h * d + h**2 + h))[0] is False  # keyed by the reference too


def test_the_cases_digest_follows_the_cases():
    check = select_checks()[0]
    first, again, other = prepare(check, 1), prepare(check, 1), prepare(check, 2)
    assert first.cases_digest == again.cases_digest != other.cases_digest
    assert first.__dict__["cases_digest"] == first.cases_digest  # worked out once, kept on the object
