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


# -- the byte format is frozen: messages written by earlier versions must decode the same, and the
# same values must encode to the very same bytes (hex computed with the implementation of 2026-11).

class _Marked(np.ndarray):
    pass


def _pinned_values() -> dict:
    return {
        "call_list": [{"module": "rnn_cells", "function": "gru_step",
                       "args": [np.arange(6, dtype=np.float64).reshape(2, 3) / 7,
                                {"Wz": np.ones((2, 2)), "bz": np.zeros(2)}, 3, -1.5]}],
        "scalars": (None, True, False, 0, -7, 10**30, 0.1, float("nan"), float("-inf"), "h\u00e9\"\n",
                    b"\x00\xff"),
        "arrays": [np.arange(24, dtype=np.float32).reshape(2, 3, 4), np.array([1, -2], dtype=np.int64),
                   np.array([True, False]), np.array([1 + 2j], dtype=np.complex128), np.zeros((0, 3)),
                   np.arange(6.0).reshape(2, 3).T, np.arange(5, dtype=np.uint8)[::2], np.array(2.5),
                   np.array([3], dtype=">i4"), [np.float64(1.25), np.int32(4), np.uint8(255)]],
        "nested": {"": [[], {}, ()], "k": {"inner": (1, [2.0])}},
        "lenient": {"odd": [np.bool_(True), object(), np.array([None], dtype=object),
                            np.arange(3.0).view(_Marked)]},
    }


_PINNED = {
    ("call_list", False): (
        "000000000000013c7b2274726565223a205b7b222464696374223a205b5b226d6f64756c65222c2022726e6e"
        "5f63656c6c73225d2c205b2266756e6374696f6e222c20226772755f73746570225d2c205b2261726773222c"
        "205b7b22246172726179223a20302c20226474797065223a20223c6638222c20227368617065223a205b322c"
        "20335d7d2c207b222464696374223a205b5b22577a222c207b22246172726179223a20312c20226474797065"
        "223a20223c6638222c20227368617065223a205b322c20325d7d5d2c205b22627a222c207b22246172726179"
        "223a20322c20226474797065223a20223c6638222c20227368617065223a205b325d7d5d5d7d2c207b222469"
        "6e74223a202233227d2c207b2224666c6f6174223a20222d312e35227d5d5d5d7d5d2c202262756666657273"
        "223a205b34382c2033322c2031365d7d0000000000000000922449922449c23f922449922449d23fdbb66ddb"
        "b66ddb3f922449922449e23fb76ddbb66ddbe63f000000000000f03f000000000000f03f000000000000f03f"
        "000000000000f03f00000000000000000000000000000000"
    ),
    ("scalars", False): (
        "00000000000000dd7b2274726565223a207b22247475706c65223a205b6e756c6c2c20747275652c2066616c"
        "73652c207b2224696e74223a202230227d2c207b2224696e74223a20222d37227d2c207b2224696e74223a20"
        "2231303030303030303030303030303030303030303030303030303030303030227d2c207b2224666c6f6174"
        "223a2022302e31227d2c207b2224666c6f6174223a20226e616e227d2c207b2224666c6f6174223a20222d69"
        "6e66227d2c2022685c75303065395c225c6e222c207b22246279746573223a20307d5d7d2c20226275666665"
        "7273223a205b325d7d00ff"
    ),
    ("arrays", False): (
        "000000000000020d7b2274726565223a205b7b22246172726179223a20302c20226474797065223a20223c66"
        "34222c20227368617065223a205b322c20332c20345d7d2c207b22246172726179223a20312c202264747970"
        "65223a20223c6938222c20227368617065223a205b325d7d2c207b22246172726179223a20322c2022647479"
        "7065223a20227c6231222c20227368617065223a205b325d7d2c207b22246172726179223a20332c20226474"
        "797065223a20223c633136222c20227368617065223a205b315d7d2c207b22246172726179223a20342c2022"
        "6474797065223a20223c6638222c20227368617065223a205b302c20335d7d2c207b22246172726179223a20"
        "352c20226474797065223a20223c6638222c20227368617065223a205b332c20325d7d2c207b222461727261"
        "79223a20362c20226474797065223a20227c7531222c20227368617065223a205b335d7d2c207b2224617272"
        "6179223a20372c20226474797065223a20223c6638222c20227368617065223a205b5d7d2c207b2224617272"
        "6179223a20382c20226474797065223a20223e6934222c20227368617065223a205b315d7d2c205b7b222466"
        "6c6f6174223a2022312e3235227d2c207b2224696e74223a202234227d2c207b2224696e74223a2022323535"
        "227d5d5d2c202262756666657273223a205b39362c2031362c20322c2031362c20302c2034382c20332c2038"
        "2c20345d7d000000000000803f0000004000004040000080400000a0400000c0400000e04000000041000010"
        "41000020410000304100004041000050410000604100007041000080410000884100009041000098410000a0"
        "410000a8410000b0410000b8410100000000000000feffffffffffffff0100000000000000f03f0000000000"
        "00004000000000000000000000000000000840000000000000f03f0000000000001040000000000000004000"
        "00000000001440000204000000000000044000000003"
    ),
    ("nested", False): (
        "00000000000000a07b2274726565223a207b222464696374223a205b5b22222c205b5b5d2c207b2224646963"
        "74223a205b5d7d2c207b22247475706c65223a205b5d7d5d5d2c205b226b222c207b222464696374223a205b"
        "5b22696e6e6572222c207b22247475706c65223a205b7b2224696e74223a202231227d2c205b7b2224666c6f"
        "6174223a2022322e30227d5d5d7d5d5d7d5d5d7d2c202262756666657273223a205b5d7d"
    ),
    ("lenient", True): (
        "00000000000000c17b2274726565223a207b222464696374223a205b5b226f6464222c205b7b22246f626a65"
        "6374223a2022626f6f6c227d2c207b22246f626a656374223a20226f626a656374227d2c207b22246f626a65"
        "6374223a20226e6461727261795b6f626a6563745d227d2c207b22246172726179223a20302c202264747970"
        "65223a20223c6638222c20227368617065223a205b335d2c2022737562636c617373223a20225f4d61726b65"
        "64227d5d5d5d7d2c202262756666657273223a205b32345d7d0000000000000000000000000000f03f000000"
        "0000000040"
    ),
}


@pytest.mark.parametrize("name, lenient", sorted(_PINNED))
def test_encoding_is_byte_for_byte_the_pinned_format(name, lenient):
    assert wire.encode(_pinned_values()[name], lenient=lenient).hex() == _PINNED[name, lenient]


@pytest.mark.parametrize("name", [name for name, lenient in sorted(_PINNED) if not lenient])
@pytest.mark.parametrize("copy_arrays", [True, False])
def test_pinned_messages_decode_to_values_that_encode_back_the_same(name, copy_arrays):
    message = bytes.fromhex(_PINNED[name, False])
    back = wire.decode(message, copy_arrays=copy_arrays)
    assert wire.encode(back) == message


def test_pinned_lenient_message_decodes_to_descriptions():
    back = wire.decode(bytes.fromhex(_PINNED["lenient", True]))
    flag, thing, objects, marked = back["odd"]
    assert isinstance(flag, wire.ForeignObject) and flag.type_name == type(np.bool_(True)).__name__
    assert isinstance(thing, wire.ForeignObject) and thing.type_name == "object"
    assert isinstance(objects, wire.ForeignObject) and objects.type_name == "ndarray[object]"
    assert isinstance(marked, wire.ArrayFromSubclass) and marked.type_name == "_Marked"
    assert marked.array.tolist() == [0.0, 1.0, 2.0]


def test_pinned_values_decode_exactly():
    back = wire.decode(bytes.fromhex(_PINNED["arrays", False]), copy_arrays=False)
    expected = _pinned_values()["arrays"]
    for got, want in zip(back[:-1], expected[:-1]):
        assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == want.shape  # 0-d too
        assert got.tobytes() == np.ascontiguousarray(want).tobytes()
    assert back[-1] == [1.25, 4, 255] and [type(v) for v in back[-1]] == [float, int, int]
    scalars = wire.decode(bytes.fromhex(_PINNED["scalars", False]))
    assert scalars[:7] == (None, True, False, 0, -7, 10**30, 0.1) and scalars[9:] == ("h\u00e9\"\n", b"\x00\xff")
    assert np.isnan(scalars[7]) and scalars[8] == float("-inf")


@pytest.mark.parametrize("shape", [[3, True], [True, 1], [1, -1], [2, "1"], [1.0, 3], [1, 1, 1 << 40],
                                   [1, False, 3], [3, 1, -1], [[1], 3], [None, None]])
def test_multi_dimensional_shapes_are_checked_entry_by_entry(shape):
    with pytest.raises(wire.WireError, match="shape"):
        wire.decode(_message({"$array": 0, "dtype": "<f8", "shape": shape}, b"\x00" * 24),
                    copy_arrays=False)


@pytest.mark.parametrize("node, words", [
    ({"$array": 0, "dtype": 8, "shape": [1]}, None),  # not a dtype name
    ({"$array": 0, "dtype": ["<f8"], "shape": [1]}, None),
    ({"$array": 0, "dtype": "<f8", "shape": [2, 2]}, "does not match"),
    ({"$array": 0, "dtype": "<f8", "shape": [1, 1, 2]}, "does not match"),
    ({"$array": True, "dtype": "<f8", "shape": [1]}, "out of range"),
    ({"$array": -1, "dtype": "<f8", "shape": [1]}, "out of range"),
    ({"$array": 0, "dtype": "|V8", "shape": [1]}, "not allowed"),
    ({"$array": 0, "dtype": "<f8"}, "shape"),
    ({"$dict": [["a", {"$array": 1, "dtype": "<f8", "shape": [1]}]]}, "out of range"),
])
def test_malformed_array_nodes_are_refused(node, words):
    with pytest.raises((wire.WireError, TypeError), match=words):
        wire.decode(_message(node, b"\x00" * 8), copy_arrays=False)


def test_nodes_with_extra_keys_follow_the_documented_precedence():
    # the first known key in the order $int, $float, $tuple, $dict, $bytes, $array, ... wins
    assert wire.decode(_message({"$array": 0, "dtype": "<f8", "shape": [1], "$int": "7"}, b"\x00" * 8)) == 7
    assert wire.decode(_message({"$float": "2.5", "x": 1})) == 2.5
    assert wire.decode(_message({"$dict": [["a", "s"]], "$tuple": ["s"]})) == ("s",)
    back = wire.decode(_message({"$array": 0, "dtype": "<f8", "shape": [1], "extra": 1}, b"\x00" * 8))
    assert back.tolist() == [0.0]
