"""Repeated call lists (learners sharing their inputs): encoded once by the client, decoded once by
the fork-server, and never served stale or shared in a writable form."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from grader.sandbox import server, wire
from grader.sandbox.client import Call, CallsEncoding, ForkServer


def test_the_same_argument_objects_reuse_the_encoding_and_anything_else_does_not():
    x = (np.arange(3.0),)
    encoding = CallsEncoding()
    first, repeated = encoding.encode([Call("gates", "sigmoid", x)])
    again, repeated_again = encoding.encode([Call("gates", "sigmoid", x)])
    assert not repeated and repeated_again and again is first
    equal_but_new, repeated_new = encoding.encode([Call("gates", "sigmoid", (np.arange(3.0),))])
    assert not repeated_new and equal_but_new == first  # same bytes, but not taken on trust
    other_function, repeated_other = encoding.encode([Call("gates", "gate", x)])
    assert not repeated_other and other_function != first


def _request(calls: list, repeat: bool) -> bytes:
    return wire.encode({"work_dir": "/nowhere", "calls_message": wire.encode(calls), "repeat_calls": repeat,
                        "limits": {}, "without": []})


def test_the_server_decodes_a_repeated_call_list_once_and_only_when_asked(monkeypatch):
    calls = [{"module": "gates", "function": "sigmoid", "args": [np.ones((2, 3))]}]
    decoded = []
    real_decode = wire.decode
    monkeypatch.setattr(server.wire, "decode", lambda message, **kw: decoded.append(len(message)) or real_decode(message, **kw))
    kept = server.KeptCalls()
    assert kept.calls_of(_request(calls, repeat=False)) is None  # the worker decodes it, as for any learner
    first = kept.calls_of(_request(calls, repeat=True))
    decodes_so_far = len(decoded)
    second = kept.calls_of(_request(calls, repeat=True))
    assert second is first and len(decoded) == decodes_so_far + 1  # only the small outer request again
    assert np.array_equal(first[0]["args"][0], np.ones((2, 3))) and not first[0]["args"][0].flags.writeable
    changed = kept.calls_of(_request([{**calls[0], "args": [np.zeros((2, 3))]}], repeat=True))
    assert changed is not first and np.array_equal(changed[0]["args"][0], np.zeros((2, 3)))
    assert kept.calls_of(b"not a wire message") is None
    assert kept.calls_of(_request([{"module": 3}], repeat=True)) is None  # not calls: the worker reports it


@pytest.fixture(scope="module")
def sandbox():
    with ForkServer() as fork_server:
        fork_server.layers()
        yield fork_server


def test_repeated_runs_give_each_child_fresh_writable_copies_and_new_inputs_are_not_served_stale(tmp_path, sandbox):
    (tmp_path / "gates.py").write_text(textwrap.dedent("""
        def poke(a):
            total = float(a.sum())
            a[...] = 99.0  # an edit in place must reach no later call and no later learner
            return total
    """))
    arguments = (np.arange(6.0).reshape(2, 3),)
    calls = [Call("gates", "poke", arguments), Call("gates", "poke", arguments)]
    totals = [[o.value for o in sandbox.run(tmp_path, calls).outcomes] for _ in range(3)]
    assert totals == [[15.0, 15.0]] * 3
    fresh = [Call("gates", "poke", (np.ones((2, 3)),))]
    assert [o.value for o in sandbox.run(tmp_path, fresh).outcomes] == [6.0]
    assert [o.value for o in sandbox.run(tmp_path, calls).outcomes] == [15.0, 15.0]
