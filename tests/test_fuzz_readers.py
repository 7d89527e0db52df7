"""Property tests of every reader of untrusted bytes: any input gives a valid value or the one
documented error, in bounded time and memory.

* ``wire.decode``: a value made only of the wire's types, or ``WireError``;
* the frame readers (the fork-server's ``ChildReader`` of a child's result pipe, ``wire.read_frame``
  and the client's reader of the fork-server's replies): frames or their documented verdicts;
* ``read_submission`` (the archive reader): a vetted ``(manifest, contents)`` or ``ArchiveError``.
"""
from __future__ import annotations

import io
import json
import math
import os
import struct
import time
import zipfile
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grader.archive import MANIFEST_NAME, ArchiveError, build_manifest, read_submission
from grader.sandbox import client, server, wire

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_LEN = struct.Struct(">Q")


def message(tree, *buffers: bytes, sizes=None) -> bytes:
    """A wire message with this header tree and these buffers (``sizes`` overrides the header's list)."""
    header = json.dumps({"tree": tree, "buffers": [len(b) for b in buffers] if sizes is None else sizes}).encode()
    return _LEN.pack(len(header)) + header + b"".join(buffers)


def raw_message(header: bytes, *buffers: bytes) -> bytes:
    return _LEN.pack(len(header)) + header + b"".join(buffers)


def is_wire_value(value) -> bool:
    """Only the types the wire format promises (module docstring of ``wire``)."""
    if value is None or type(value) in (bool, int, float, str, bytes):
        return True
    if type(value) in (list, tuple):
        return all(is_wire_value(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and is_wire_value(v) for k, v in value.items())
    if type(value) is np.ndarray:
        return value.dtype.kind in wire.ALLOWED_DTYPE_KINDS
    if isinstance(value, wire.ArrayFromSubclass):
        return type(value.array) is np.ndarray and type(value.type_name) is str
    return type(value) in (wire.SympyText, wire.ForeignObject)


def decodes_or_refuses(data: bytes, **kwargs) -> None:
    started = time.monotonic()
    try:
        value = wire.decode(data, **kwargs)
    except wire.WireError:
        pass
    else:
        assert is_wire_value(value), repr(value)[:200]
    assert time.monotonic() - started < 5.0


# ---------------------------------------------------------------- the wire decoder

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                      st.text(max_size=12), st.sampled_from(["<f8", "|O", "x", "$float", "1e999", "nan"]))
node_keys = st.sampled_from(["$float", "$int", "$tuple", "$dict", "$bytes", "$array", "dtype", "shape",
                             "subclass", "$symbol", "$sympy", "$object", "tree", "buffers", "x"])
json_tree = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(node_keys, inner, max_size=4)), max_leaves=30)


@FUZZ
@given(st.binary(max_size=2048))
def test_any_bytes_decode_to_a_value_or_a_wire_error(data):
    decodes_or_refuses(data)
    decodes_or_refuses(data, copy_arrays=False)


@FUZZ
@given(tree=json_tree, buffers=st.lists(st.binary(max_size=64), max_size=3),
       sizes=st.one_of(st.none(), st.lists(json_leaf, max_size=4)))
def test_any_json_header_decodes_to_a_value_or_a_wire_error(tree, buffers, sizes):
    data = message(tree, *buffers, sizes=sizes)
    decodes_or_refuses(data, make_symbol=str)
    decodes_or_refuses(data, copy_arrays=False)


@FUZZ
@given(st.binary(max_size=512), st.binary(max_size=64))
def test_any_header_bytes_decode_to_a_value_or_a_wire_error(header, tail):
    decodes_or_refuses(raw_message(header, tail))


@pytest.mark.parametrize("tree, sizes", [
    ({"$float": "x"}, None), ({"$float": ["1"]}, None), ({"$int": "x"}, None), ({"$int": 7}, None),
    ({"$int": "9" * 5000}, None), ({"$dict": [["a", 1, 2]]}, None), ({"$dict": [[1, 2]]}, None),
    ({"$dict": [["a"]]}, None), ({"$dict": "ab"}, None), ({"$tuple": {"a": 1}}, None),
    ({"$sympy": ["d"]}, None), ({"$object": {"$int": "1"}}, None), ([1], [math.inf]), ([1], [1.5]),
    ([1], [-1]), ([1], [True]), ([1], "3"), ({"$array": 0, "dtype": ["<f8"], "shape": [1]}, [8]),
    ({"$array": 0, "dtype": "<f8", "shape": [1], "subclass": 3}, [8]),
])
def test_malformed_leaves_are_wire_errors(tree, sizes):
    data = message(tree, b"\x00" * 8, sizes=sizes) if sizes is not None else message(tree)
    with pytest.raises(wire.WireError):
        wire.decode(data)


@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"$tuple": [', "]}"), ('{"a": ', "}")])
def test_a_header_nested_20000_deep_is_refused_before_parsing(opener, closer):
    header = ('{"tree": ' + opener * 20000 + "1" + closer * 20000 + ', "buffers": []}').encode()
    started = time.monotonic()
    with pytest.raises(wire.WireError, match="nests deeper"):
        wire.decode(raw_message(header))
    assert time.monotonic() - started < 2.0


def test_one_buffer_cannot_be_copied_many_times():
    tree = [{"$array": 0, "dtype": "<f8", "shape": [1024]}] * 3
    with pytest.raises(wire.WireError, match="twice"):
        wire.decode(message(tree, b"\x00" * 8192))
    with pytest.raises(wire.WireError, match="twice"):
        wire.decode(message([{"$bytes": 0}, {"$bytes": 0}], b"x"))


def _nested(depth: int, kinds: list[str]) -> str:
    text = '"leaf [ { ] } \\" \\\\"'
    for level in range(depth):
        kind = kinds[level % len(kinds)]
        text = {"list": "[" + text + ', "]"]', "dict": '{"k[": ' + text + "}", "pair": "[[], " + text + "]"}[kind]
    return text


@FUZZ
@given(st.integers(0, 200), st.lists(st.sampled_from(["list", "dict", "pair"]), min_size=1, max_size=4))
def test_the_nesting_scan_bounds_the_depth_json_sees(depth, kinds):
    text = _nested(depth, kinds)  # valid JSON whose strings hold brackets and escapes
    levels = _depth(json.loads(text))
    within = wire.nesting_within(text.encode(), 40)
    if levels <= 40:
        assert within
    if levels > 80:
        assert not within


def _depth(value) -> int:
    """How many lists and objects deep ``value`` nests (a scalar: 0)."""
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@FUZZ
@given(st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=8),
              st.binary(max_size=8),
              st.lists(st.floats(), max_size=6).map(lambda v: np.array(v, dtype=np.float64))),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=20))
def test_every_encodable_value_still_decodes_to_itself(value):
    back = wire.decode(wire.encode(value))
    assert wire.encode(back) == wire.encode(value)


# ---------------------------------------------------------------- the frame readers

@contextmanager
def pipe_holding(data: bytes) -> Iterator[int]:
    """The read end of a pipe holding ``data``, its write end closed (end of file after it)."""
    read_fd, write_fd = os.pipe()
    wire.write_all(write_fd, data)
    os.close(write_fd)
    try:
        yield read_fd
    finally:
        os.close(read_fd)


def _frame(kind: bytes, index: int, payload: bytes) -> bytes:
    body = struct.pack(">cI", kind, index) + payload
    return _LEN.pack(len(body)) + body


frames = st.lists(st.one_of(
    st.builds(_frame, st.sampled_from([b"L", b"X", b"I", b"D", b"E", b"W", b"C", b"\x00"]),
              st.integers(0, 2**32 - 1), st.binary(max_size=64)),
    st.binary(max_size=32)), max_size=8).map(b"".join)


@FUZZ
@given(st.one_of(frames, st.binary(max_size=4096)), st.integers(0, 4096))
def test_the_result_pipe_reader_only_answers_frames_or_verdicts(data, budget):
    with pipe_holding(data) as fd:
        reader = server.ChildReader(fd, 2.0, budget)
        for _ in range(len(data) + 2):
            frame = reader.next_frame()
            if isinstance(frame, str):
                assert frame in ("eof", "timeout", "oversize", "garbled")
                break
            kind, index, payload = frame
            assert type(kind) is bytes and len(kind) == 1 and 0 <= index < 2**32 and type(payload) is bytes
        else:
            pytest.fail("the reader never reached a verdict")


@FUZZ
@given(st.one_of(frames, st.binary(max_size=4096)))
def test_the_frame_reader_answers_frames_end_of_file_or_wire_error(data):
    with pipe_holding(data) as fd:
        for _ in range(len(data) + 2):
            try:
                body = wire.read_frame(fd, max_bytes=1 << 16)
            except wire.WireError:
                break
            if body is None:
                break
            assert type(body) is bytes


@FUZZ
@given(st.one_of(frames, st.binary(max_size=4096)))
def test_the_reply_reader_answers_one_frame_or_an_os_error(data):
    with pipe_holding(data) as fd:
        try:
            body = client._read_frame(fd, time.monotonic() + 2.0, max_bytes=1 << 16)
        except (OSError, wire.WireError):
            return
        assert type(body) is bytes


def test_the_reply_reader_refuses_a_huge_length_without_reading_it():
    with pipe_holding(_LEN.pack(1 << 62) + b"x" * 100) as fd, pytest.raises(wire.WireError, match="exceeds"):
        client._read_frame(fd, time.monotonic() + 2.0)


# ---------------------------------------------------------------- the archive reader

GATES = b"def sigmoid(a):\n    return a\n"


def _good_archive() -> bytes:
    files = {"gates.py": GATES}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST_NAME, json.dumps(build_manifest("ada", files)))
        zf.writestr("gates.py", GATES)
    return buffer.getvalue()


GOOD = _good_archive()


def reads_or_refuses(tmp_path, data: bytes) -> None:
    path = tmp_path / "fuzzed.zip"
    path.write_bytes(data)
    try:
        manifest, contents = read_submission(path)
    except ArchiveError as exc:
        assert type(exc.code) is str and str(exc)
        return
    assert contents[MANIFEST_NAME] and isinstance(manifest, dict)
    assert set(contents) <= {MANIFEST_NAME, "gates.py"}


@FUZZ
@given(st.binary(max_size=4096))
def test_any_bytes_read_as_a_vetted_submission_or_an_archive_error(tmp_path_factory, data):
    reads_or_refuses(tmp_path_factory.mktemp("archive"), data)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=6),
       st.integers(0, len(GOOD)))
@example(edits=[(0, 0x50)], cut=len(GOOD))
def test_damaged_archives_read_as_vetted_submissions_or_archive_errors(tmp_path_factory, edits, cut):
    data = bytearray(GOOD)
    for position, value in edits:
        data[position] = value
    reads_or_refuses(tmp_path_factory.mktemp("archive"), bytes(data[:cut]))


def test_a_fifo_named_like_an_archive_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "bob.zip"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ArchiveError) as info:
        read_submission(fifo)
    assert info.value.code == "unreadable" and "not a regular file" in str(info.value)
    assert time.monotonic() - started < 2.0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_are_a_folder_payload_or_refused(tmp_path_factory, data):
    from grader.cluster.payload import BadFolderPayload, unpack_folder

    folder = tmp_path_factory.mktemp("unpacked")
    try:
        unpack_folder(data, folder)
    except BadFolderPayload:
        return
    assert all(p.is_file() and p.suffix == ".py" for p in folder.iterdir())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), min_size=1,
                               max_size=30) | st.sampled_from(["gru.py", "_helper.py", "a/b.py", "../up.py", ".hidden.py"]),
                       st.binary(max_size=64), max_size=5))
def test_packed_folders_come_back_whole_and_only_plain_python_names_pass(tmp_path_factory, files):
    import os

    from grader.cluster.payload import BadFolderPayload, pack_folder, unpack_folder

    folder = tmp_path_factory.mktemp("unpacked")
    packed = pack_folder(files)
    plain = all(os.path.basename(n) == n and n.endswith(".py") and not n.startswith(".") for n in files)
    try:
        unpack_folder(packed, folder)
    except BadFolderPayload:
        assert not plain
        return
    assert plain
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
