"""The wire format: round trips, and strict refusal of malformed or hostile messages."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from grader.sandbox import wire


def test_round_trip_keeps_structure_types_and_bits():
    value = {"hs": np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7, "pair": (1, [2.5, float("nan")]),
             "big": 10**40, "flag": True, "none": None, "name": "gru", "raw": b"\x00\x01"}
    back = wire.decode(wire.encode(value))
    assert np.array_equal(back["hs"], value["hs"]) and back["hs"].dtype == np.float64
    assert isinstance(back["pair"], tuple) and back["pair"][0] == 1 and np.isnan(back["pair"][1][1])
    assert back["big"] == 10**40 and back["flag"] is True and back["none"] is None
    assert back["raw"] == b"\x00\x01" and back["name"] == "gru"


def test_subclass_arrives_as_plain_data_marked_as_subclass():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True

    sneaky = np.zeros(3).view(Sneaky)
    back = wire.decode(wire.encode(sneaky, lenient=True))
    assert isinstance(back, wire.ArrayFromSubclass) and back.type_name == "Sneaky"
    assert np.array_equal(back.array, np.zeros(3))


def test_unknown_objects_are_described_not_transported():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    back = wire.decode(wire.encode({"value": AlwaysEqual()}, lenient=True))
    assert isinstance(back["value"], wire.ForeignObject) and back["value"].type_name == "AlwaysEqual"
    with pytest.raises(wire.WireError):
        wire.encode(AlwaysEqual())


def _message(tree, *buffers):
    header = json.dumps({"tree": tree, "buffers": [len(b) for b in buffers]}).encode()
    return struct.pack(">Q", len(header)) + header + b"".join(buffers)


@pytest.mark.parametrize("message, words", [
    (b"\x00\x00", "truncated"),
    (struct.pack(">Q", 10**9) + b"{}", "header length"),
    (_message({"$array": 0, "dtype": "|O", "shape": [1]}, b"\x00" * 8), "not allowed"),
    (_message({"$array": 0, "dtype": "<f8", "shape": [3]}, b"\x00" * 8), "does not match"),
    (_message({"$array": 5, "dtype": "<f8", "shape": [1]}, b"\x00" * 8), "out of range"),
    (_message({"$pickle": "gASV"}), "unknown node"),
    (_message([1, 2]) + b"extra", "do not add up"),
])
def test_malformed_messages_are_refused(message, words):
    with pytest.raises(wire.WireError, match=words):
        wire.decode(message)



def test_arrays_decode_to_private_writable_copies_by_default():
    message = wire.encode({"a": np.arange(6.0).reshape(2, 3)})
    array = wire.decode(message)["a"]
    assert array.flags.writeable and array.flags.owndata
    array[0, 0] = 99.0  # the message is not changed
    assert wire.decode(message)["a"][0, 0] == 0.0


def test_arrays_decoded_without_copies_are_read_only_views_of_the_message():
    message = wire.encode({"a": np.arange(6.0).reshape(2, 3), "b": [np.ones(2, dtype=np.int32)]})
    back = wire.decode(message, copy_arrays=False)
    for array in (back["a"], back["b"][0]):
        assert not array.flags.writeable and not array.flags.owndata
        with pytest.raises(ValueError):
            array[0] = 5
        with pytest.raises(ValueError):
            array.flags.writeable = True
    assert back["a"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and back["b"][0].dtype == np.int32


def test_views_never_see_later_changes_to_a_mutable_message():
    buffer = bytearray(wire.encode(np.zeros(3)))
    array = wire.decode(buffer, copy_arrays=False)
    buffer[-8:] = np.float64(7.0).tobytes()
    assert array.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("shape", [["3"], [3.0], [True], [-1], [1] * 9, "3", None, [1 << 40]])
def test_array_shapes_must_be_small_lists_of_non_negative_ints(shape):
    with pytest.raises(wire.WireError, match="shape"):
        wire.decode(_message({"$array": 0, "dtype": "<f8", "shape": shape}, b"\x00" * 24))
