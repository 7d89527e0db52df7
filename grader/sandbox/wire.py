"""The wire format that crosses the trust line: a JSON header plus raw array buffers.

Layout of one message: ``8-byte big-endian header length | JSON header | buffer 0 | buffer 1 | …``.
Values are ``None``, ``bool``, ``int``, ``float``, ``str``, lists, tuples, string-keyed dicts,
``bytes``, NumPy arrays of plain numeric dtypes, and (trusted → child only) SymPy symbols.
Anything else a child produces is described, not transported: ``{"$object": "TypeName"}``.

Decoding never unpickles and never evaluates: arrays are rebuilt over the message's bytes after the
dtype, shape and byte count are checked against limits.  By default each decoded array is a copy that
owns its memory; ``decode(..., copy_arrays=False)`` (the fork-server's request path) returns read-only
views of the message instead, for a receiver that copies every argument before use anyway.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

import numpy as np

from .frames import LENGTH as _LEN
from .frames import read_exact, write_all, write_frame  # noqa: F401 - the sandbox's framing, used through wire

# json.dumps(..., allow_nan=False) builds an encoder per call; one built once writes the same bytes.
# The tree it writes is built afresh by _Encoder and so has no cycles (a cyclic value recurses
# without end there first): the encoder's cycle check, which costs ~30%, is left out.
_HEADER_JSON = json.JSONEncoder(allow_nan=False, check_circular=False)
ALLOWED_DTYPE_KINDS = "biufc"  # bool, int, uint, float, complex: never object or void
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + 64  # a message and a small frame head of its own
MAX_ARRAY_DIMS = 8


class WireError(ValueError):
    """A message that does not follow the wire format (truncated, oversized, or malformed)."""


class _Encoder:
    def __init__(self, lenient: bool) -> None:
        self.lenient = lenient
        self.buffers: list[bytes] = []

    def _buffer(self, data: bytes) -> int:
        self.buffers.append(data)
        return len(self.buffers) - 1

    def tree(self, value: Any) -> Any:
        # Fast paths for the exact built-in types that make up almost every message; each gives the
        # same node as the general code below, which handles subclasses and everything else.
        kind = type(value)
        if kind is np.ndarray:
            dtype = value.dtype
            if value.ndim and dtype.kind in ALLOWED_DTYPE_KINDS:  # as _array, without its calls
                buffers = self.buffers
                buffers.append(value.tobytes())
                return {"$array": len(buffers) - 1, "dtype": _DTYPE_TEXT.get(dtype) or _dtype_text(dtype),
                        "shape": list(value.shape)}
            return self._array(value)
        if kind is float:
            return {"$float": repr(value)}
        if kind is list:
            return [self.tree(v) for v in value]
        if kind is tuple:
            return {"$tuple": [self.tree(v) for v in value]}
        if kind is dict and all(type(k) is str for k in value):
            return {"$dict": [[k, self.tree(v)] for k, v in value.items()]}
        if kind is str or kind is bool or value is None:
            return value
        if kind is int:
            return {"$int": str(value)}
        return self._general(value)

    def _general(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
            return {"$int": str(int(value))}  # exact, whatever the size
        if isinstance(value, (float, np.floating)):
            return {"$float": repr(float(value))}  # keeps nan and inf exact
        if isinstance(value, np.ndarray):
            return self._array(value)
        if isinstance(value, (bytes, bytearray)):
            return {"$bytes": self._buffer(bytes(value))}
        if isinstance(value, tuple):
            return {"$tuple": [self.tree(v) for v in value]}
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"$dict": [[k, self.tree(v)] for k, v in value.items()]}
        return self._other(value)

    def _array(self, array: np.ndarray) -> Any:
        if type(array) is np.ndarray and array.ndim and array.dtype.kind in ALLOWED_DTYPE_KINDS:
            # the common case, as below without its copies: tobytes() is C order whatever the strides
            return {"$array": self._buffer(array.tobytes()), "dtype": _dtype_text(array.dtype),
                    "shape": list(array.shape)}
        if array.dtype.kind not in ALLOWED_DTYPE_KINDS:
            if self.lenient:
                return {"$object": f"ndarray[{array.dtype}]"}
            raise WireError(f"arrays of dtype {array.dtype} cannot be sent")
        plain = np.ascontiguousarray(array).view(np.ndarray)  # subclasses travel as plain data
        # the array's own shape: ascontiguousarray turns a 0-d array into a 1-d one of the same bytes
        info = {"dtype": plain.dtype.str, "shape": list(array.shape)}
        if type(array) is not np.ndarray:
            info["subclass"] = type(array).__name__
        return {"$array": self._buffer(plain.tobytes()), **info}

    def _other(self, value: Any) -> Any:
        symbol_name = _sympy_symbol_name(value)
        if symbol_name is not None and not self.lenient:
            return {"$symbol": symbol_name}
        expression = _sympy_text(value)
        if expression is not None:
            return {"$sympy": expression}
        if self.lenient:
            return {"$object": type(value).__name__}
        raise WireError(f"values of type {type(value).__name__} cannot be sent")


_DTYPE_TEXT: dict[np.dtype, str] = {}


def _dtype_text(dtype: np.dtype) -> str:
    """``dtype.str``, remembered per dtype (asking NumPy for it is slow next to a small array)."""
    text = _DTYPE_TEXT.get(dtype)
    if text is None:
        text = dtype.str
        if len(_DTYPE_TEXT) < 64:
            _DTYPE_TEXT[dtype] = text
    return text


def _sympy_symbol_name(value: Any) -> str | None:
    module = type(value).__module__ or ""
    if module.startswith("sympy") and type(value).__name__ == "Symbol":
        return str(value.name)
    return None


def _sympy_text(value: Any) -> str | None:
    """SymPy expressions cross as text; the trusted side parses them with a whitelist."""
    module = type(value).__module__ or ""
    if not module.startswith("sympy"):
        return None
    try:
        import sympy

        return sympy.sstr(value)
    except Exception:  # a broken expression is described, not transported
        return None


def encode(value: Any, *, lenient: bool = False) -> bytes:
    """Encode ``value``. ``lenient`` (used by children) describes unsupported objects instead of failing."""
    encoder = _Encoder(lenient)
    tree = encoder.tree(value)
    sizes = list(map(len, encoder.buffers))
    header = _HEADER_JSON.encode({"tree": tree, "buffers": sizes}).encode()
    return b"".join([_LEN.pack(len(header)), header, *encoder.buffers])


def decode(message: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES, make_symbol=None,
           copy_arrays: bool = True) -> Any:
    """Decode a message, checking every length. ``make_symbol(name)`` rebuilds ``$symbol`` leaves.

    Whatever the bytes, the answer is a value of the types listed in the module docstring or a
    ``WireError``, in time and memory linear in ``len(message)``: the header's nesting is bounded
    (``MAX_NESTING``) before it is parsed, every node is checked for its exact types, and each
    buffer is used at most once (so a header cannot make many copies of one large buffer).

    ``copy_arrays=False`` gives read-only arrays that view ``message`` (which must be ``bytes``, so
    nothing can change them) instead of copies: for the fork-server, whose child copies each
    argument before every call, so a second copy of ~1000 small arrays per request is waste.
    """
    if len(message) > max_bytes:
        raise WireError(f"message of {len(message)} bytes exceeds the {max_bytes}-byte limit")
    if len(message) < _LEN.size:
        raise WireError("message is truncated before its header")
    (header_len,) = _LEN.unpack_from(message)
    if header_len > MAX_HEADER_BYTES or _LEN.size + header_len > len(message):
        raise WireError("message header length is out of range")
    text = bytes(message[_LEN.size:_LEN.size + header_len])
    if not nesting_within(text, MAX_NESTING):
        raise WireError(f"message header nests deeper than {MAX_NESTING} levels (or is unbalanced)")
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"message header is not valid JSON: {str(exc)[:200]}") from None
    if type(header) is not dict or "tree" not in header or type(header.get("buffers")) is not list:
        raise WireError("message header is not {\"tree\", \"buffers\"}")
    sizes = header["buffers"]
    if not all(type(n) is int and n >= 0 for n in sizes):
        raise WireError("buffer sizes are not non-negative integers")
    offsets = list(accumulate(sizes, initial=_LEN.size + header_len))
    position = offsets.pop()  # where the last buffer ends
    if position != len(message):
        raise WireError("buffer sizes do not add up to the message length")
    if not copy_arrays and type(message) is not bytes:
        message = bytes(message)  # views must not see later changes to a mutable buffer
    try:
        return _Decoder(message, offsets, sizes, make_symbol, copy_arrays).tree(header["tree"])
    except WireError:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed leaf (e.g. "$float": "x"), whatever it raised
        raise WireError(f"message holds a malformed value ({type(exc).__name__}: {str(exc)[:200]})") from None


MAX_NESTING = 64  # JSON levels of a header; real messages nest about ten deep
_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'[]{}"')))


def nesting_within(text: bytes, limit: int) -> bool:
    """Whether the JSON ``text`` nests at most about ``limit`` levels deep, found without parsing it.

    True for every text nested at most ``limit`` deep; False for every text nested more than
    ``2 * limit`` deep and for unbalanced brackets (which no JSON parser accepts).  Escaped
    quotes and strings are taken out first (their brackets are not structure), then matched
    bracket pairs are peeled off, a level or two per pass; each step is one C loop over the text.
    """
    if text.count(b"[") + text.count(b"{") <= limit:
        return True
    if b"\\" in text:  # escaped backslashes first, so that in \\" the quote is the string's end
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    # brackets and quotes only; two adjacent quotes are an empty string or two strings' boundary
    marks = text.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    brackets = _STRING.sub(b"", marks) if b'"' in marks else marks
    for _ in range(limit):
        if not brackets:
            return True
        peeled = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(peeled) == len(brackets):
            return False
        brackets = peeled
    return not brackets


class _Decoder:
    def __init__(self, message: bytes, offsets: list[int], sizes: list[int], make_symbol,
                 copy_arrays: bool = True) -> None:
        self.message, self.offsets, self.sizes, self.make_symbol = message, offsets, sizes, make_symbol
        self.copy_arrays = copy_arrays
        self.used: set[int] = set()

    def _take(self, index: Any) -> int:
        """A buffer's index, checked: in range and not used by another node before."""
        if type(index) is not int or not 0 <= index < len(self.sizes):
            raise WireError("buffer reference out of range")
        if index in self.used:
            raise WireError("a buffer is referenced twice")
        self.used.add(index)
        return index

    def _buffer(self, index: Any) -> bytes:
        start = self.offsets[self._take(index)]
        return self.message[start:start + self.sizes[index]]

    def tree(self, node: Any) -> Any:
        # Fast paths for the nodes almost every message is made of (a header is parsed JSON, so its
        # types are exact): a dict with a single key, dispatched on it, and an array node with exactly
        # its three keys. Each gives what _general gives for the same node, checks included.
        kind = type(node)
        if kind is dict:
            size = len(node)
            if size == 3 and "$array" in node and "dtype" in node and "shape" in node:
                return self._array(node)
            if size == 1:
                (key,) = node
                if key == "$dict":
                    return self._dict(node[key])
                if key == "$float":
                    return float(_text(node[key]))
                if key == "$int":
                    return _int(node[key])
                if key == "$tuple":
                    return tuple([self.tree(v) for v in _as_list(node[key])])
            return self._general(node)
        if kind is list:
            return [self.tree(v) for v in node]
        if kind is str or kind is bool or node is None:
            return node
        return self._general(node)

    def _dict(self, pairs: Any) -> dict:
        out = {}
        for pair in _as_list(pairs):
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise WireError("a $dict entry is not a [name, value] pair")
            out[pair[0]] = self.tree(pair[1])
        return out

    def _general(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, str)):
            return node
        if isinstance(node, list):
            return [self.tree(v) for v in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise WireError(f"unexpected node {type(node).__name__}")
        if len(node) == 1 and "$float" in node:  # the commonest node, as below
            return float(_text(node["$float"]))
        if "$int" in node:
            return _int(node["$int"])
        if "$float" in node:
            return float(_text(node["$float"]))
        if "$tuple" in node:
            return tuple([self.tree(v) for v in _as_list(node["$tuple"])])
        if "$dict" in node:
            return self._dict(node["$dict"])
        if "$bytes" in node:
            return self._buffer(node["$bytes"])
        if "$array" in node:
            return self._array(node)
        if "$symbol" in node and self.make_symbol is not None:
            return self.make_symbol(_text(node["$symbol"]))
        if "$sympy" in node:
            return SympyText(_text(node["$sympy"]))
        if "$object" in node:
            return ForeignObject(_text(node["$object"]))
        raise WireError(f"unknown node {sorted(node)[:8]!r}"[:200])

    def _array(self, node: dict) -> np.ndarray:
        text = node.get("dtype")
        dtype = _DTYPES.get(text) if type(text) is str else None  # a name allowed before
        if dtype is None:
            dtype = _allowed_dtype(_text(text)[:32])
        shape = node.get("shape")
        # _shape's checks, written out for the common one- and two-dimensional shapes
        if type(shape) is list and len(shape) == 2:
            rows, columns = shape
            if type(rows) is not int or type(columns) is not int or \
                    not 0 <= rows < _MAX_DIM or not 0 <= columns < _MAX_DIM:
                _refuse_shape(shape)
            count = rows * columns
        elif type(shape) is list and len(shape) == 1:
            (count,) = shape
            if type(count) is not int or not 0 <= count < _MAX_DIM:
                _refuse_shape(shape)
        else:
            shape = _shape(shape)
            count = math.prod(shape)
        index = self._take(node["$array"])
        size = self.sizes[index]
        if count * dtype.itemsize != size:
            shape = tuple(shape)
            raise WireError(f"array of shape {shape} and dtype {dtype} does not match its {size} bytes")
        # built over the message in place (no slice of it); positional arguments are the fast call
        array = np.ndarray(shape, dtype, self.message, self.offsets[index])
        if self.copy_arrays:
            array = array.copy()  # owns its memory: the message can be freed, the array written
        if "subclass" in node:
            return ArrayFromSubclass(array, _text(node["subclass"]))
        return array


def _text(value: Any) -> str:
    if type(value) is not str:
        raise WireError(f"expected text in the message, found {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    """An ``$int`` leaf: decimal text of at most Python's 4300-digit conversion limit."""
    if type(value) is not str or len(value) > 4301:
        raise WireError("an $int is not decimal text of at most 4300 digits")
    return int(value)


_MAX_DIM = 1 << 31  # one array dimension is below this


def _shape(raw: Any) -> tuple[int, ...]:
    """An array shape from the header: at most ``MAX_ARRAY_DIMS`` non-negative ints, else ``WireError``."""
    if type(raw) is not list or len(raw) > MAX_ARRAY_DIMS or \
            not all(type(n) is int and 0 <= n < _MAX_DIM for n in raw):
        _refuse_shape(raw)
    return tuple(raw)


def _refuse_shape(raw: Any) -> None:
    raise WireError(f"array shape {str(raw)[:80]} is not allowed")


_DTYPES: dict[str, np.dtype] = {}


def _allowed_dtype(text: str) -> np.dtype:
    """The dtype named by ``text`` if arrays of it may cross (remembered per name), else ``WireError``."""
    found = _DTYPES.get(text)
    if found is None:
        dtype = np.dtype(text)
        if dtype.kind not in ALLOWED_DTYPE_KINDS or dtype.itemsize > 16:
            raise WireError(f"array dtype {dtype} is not allowed")
        if len(_DTYPES) < 64:
            _DTYPES[text] = dtype
        found = dtype
    return found


def _as_list(value: Any) -> list:
    if not isinstance(value, list):
        raise WireError("expected a list in the message")
    return value


class SympyText(str):
    """A SymPy expression as text, produced by learner code; parse it with ``grader.formula``."""


class ForeignObject:
    """An object a child returned that cannot cross the wire; only its type name is known."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


class ArrayFromSubclass:
    """Data of an ``ndarray`` subclass: the values arrived, but the contract asks for a plain ndarray."""

    def __init__(self, array: np.ndarray, type_name: str) -> None:
        self.array, self.type_name = array, type_name


def read_frame(fd: int, max_bytes: int = MAX_FRAME_BYTES) -> bytes | None:
    """One length-prefixed frame, read exactly (never a byte of the next), or None at end of file.

    A length over ``max_bytes`` raises ``WireError`` before anything is read into memory; the
    stream is then out of step and must be dropped."""
    head = read_exact(fd, _LEN.size)
    if head is None:
        return None
    (length,) = _LEN.unpack(head)
    if length > max_bytes:
        raise WireError(f"a frame of {length} bytes exceeds the {max_bytes}-byte limit")
    return read_exact(fd, length)
