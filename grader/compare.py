"""Numeric comparison and its diagnosis, in the order DESIGN.md asks for.

For each part of a returned value: missing → type → shape → dtype → non-finite → values. A value
mismatch reports how many elements differ, the largest absolute difference, where it is (with the
time step, batch row and direction when the axes are known) and the tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.sandbox.wire import ArrayFromSubclass, ForeignObject, SympyText
from grader.suites.base import Tolerance

GRADIENT_PREFIX = "∂L/∂"


@dataclass
class PartResult:
    """The verdict on one named part of an output (e.g. ``h`` or ``hs``)."""

    label: str
    ok: bool
    problem: str = ""  # "", "type", "shape", "dtype", "nonfinite", "values", "structure"
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def describe_type(value: Any) -> str:
    if isinstance(value, ArrayFromSubclass):
        return f"an ndarray subclass ({value.type_name})"
    if isinstance(value, ForeignObject):
        return f"a {value.type_name} object"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, SympyText):
        return "a SymPy expression"
    return f"a {type(value).__name__}"


def flatten(expected: Any, got: Any, names: Any, label: str) -> list[tuple[str, Any, Any]] | PartResult:
    """Pair the leaves of ``expected`` with those of ``got``; a structure mismatch is a ``PartResult``.

    ``names`` mirrors the structure of ``expected``: a string labels a leaf (or a list whose
    items become ``name[k]``), a tuple labels the items of a tuple, e.g. ``("hs", ("h_T", "c_T"))``.
    A dict (a parameter dict) must have exactly the expected keys; its items become ``name['key']``.
    """
    if isinstance(expected, dict):
        return _flatten_dict(expected, got, label)
    if not isinstance(expected, (tuple, list)):
        return [(label, expected, got)]
    wanted = f" ({_names_text(names)})" if isinstance(names, tuple) else ""
    if not isinstance(got, (tuple, list)):
        return PartResult(label, False, "structure",
                          f"{label} should be a {type(expected).__name__} of {len(expected)} values{wanted}, "
                          f"but it is {describe_type(got)}.")
    if len(got) != len(expected):
        return PartResult(label, False, "structure",
                          f"{label} should hold {len(expected)} values{wanted}, but it holds {len(got)}.")
    leaves: list[tuple[str, Any, Any]] = []
    for k, (e, g) in enumerate(zip(expected, got)):
        if isinstance(names, tuple) and k < len(names):
            sub_names = names[k]
            sub_label = sub_names if isinstance(sub_names, str) else f"({_names_text(sub_names)})"
        else:
            sub_names, sub_label = None, f"{label}[{k}]"
        nested = flatten(e, g, sub_names, sub_label)
        if isinstance(nested, PartResult):
            return nested
        leaves.extend(nested)
    return leaves


# How the entries of a dict output are labelled: a gradient dict's as the derivatives they are.
DICT_ENTRY_LABELS = {"grads": GRADIENT_PREFIX + "{key}"}


def _flatten_dict(expected: dict, got: Any, label: str) -> list[tuple[str, Any, Any]] | PartResult:
    """The leaves of a string-keyed dict output (e.g. ``grads``), which must have exactly ``expected``'s keys."""
    keys = ", ".join(expected)
    if not isinstance(got, dict):
        return PartResult(label, False, "structure",
                          f"{label} should be a dict with the keys {keys}, but it is {describe_type(got)}.")
    missing = [k for k in expected if k not in got]
    extra = [str(k) for k in got if k not in expected]
    if missing or extra:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else [])
        return PartResult(label, False, "structure",
                          f"{label} should have exactly the keys {keys} ({'; '.join(problems)}).")
    pattern = DICT_ENTRY_LABELS.get(label, label + "[{key!r}]")
    leaves: list[tuple[str, Any, Any]] = []
    for key, value in expected.items():
        nested = flatten(value, got[key], None, pattern.format(key=key))
        if isinstance(nested, PartResult):
            return nested
        leaves.extend(nested)
    return leaves


def gradient_summary(parts: list[PartResult]) -> str:
    """One line saying which parameter gradients are off and which are right, gate by gate:
    "Gate f: ∂L/∂U_f is off; ∂L/∂W_f and ∂L/∂b_f are right. Gates i, c~ and o are right."
    Empty unless some of two or more gradient parts fail."""
    grads = [p for p in parts if p.label.startswith(GRADIENT_PREFIX)]
    if len(grads) < 2 or all(p.ok for p in grads):
        return ""
    keys = [p.label[len(GRADIENT_PREFIX):] for p in grads]
    gated = all("_" in key for key in keys)
    groups: dict[str, list[PartResult]] = {}
    for key, part in zip(keys, grads):
        groups.setdefault(key.split("_", 1)[1] if gated else "", []).append(part)
    sentences, right_gates = [], []
    for gate, members in groups.items():
        wrong = [p.label for p in members if not p.ok]
        fine = [p.label for p in members if p.ok]
        if not wrong:
            right_gates.append(GATE_WORDS.get(gate, gate))
            continue
        lead = f"Gate {GATE_WORDS.get(gate, gate)}: " if gated else ""
        if not fine:
            sentences.append(f"{lead}{_and(wrong)} {'are all' if len(wrong) > 1 else 'is'} off.")
        else:
            sentences.append(f"{lead}{_and(wrong)} {'are' if len(wrong) > 1 else 'is'} off; "
                             f"{_and(fine)} {'are' if len(fine) > 1 else 'is'} right.")
    if right_gates:
        sentences.append(f"Gate{'s' if len(right_gates) > 1 else ''} {_and(right_gates)} "
                         f"{'are' if len(right_gates) > 1 else 'is'} right.")
    return " ".join(sentences)


GATE_WORDS = {"h": "h~ (the candidate)", "c": "c~ (the candidate)"}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _names_text(names: Any) -> str:
    if isinstance(names, str):
        return names
    return ", ".join(_names_text(n) for n in names)


def compare_array(label: str, expected: np.ndarray, got: Any, tolerance: Tolerance,
                  axes: tuple[str, ...] = (), hidden: bool = False, verdict_only: bool = False) -> PartResult:
    """Compare one array leaf; checks run in the order type, shape, dtype, non-finite, values.

    ``verdict_only``: a value mismatch comes back without its message and details (for callers that
    only need ``ok``, e.g. misconception matching); every verdict is the same either way.
    ``hidden``: a value mismatch says how many elements differ, where the first one is and the
    tolerance, but no magnitude (``|learner − expected|`` is ``|expected|`` where a learner returns
    zeros, so a largest difference or an error curve would reveal hidden values).
    """
    expected = np.asarray(expected)
    if isinstance(got, ArrayFromSubclass):
        return PartResult(label, False, "type",
                          f"{label} is {describe_type(got)}; return a plain numpy.ndarray "
                          "(for example with np.asarray).")
    if not isinstance(got, np.ndarray):
        return PartResult(label, False, "type",
                          f"{label} should be a numpy array of shape {expected.shape}, but it is {describe_type(got)}.")
    if got.shape != expected.shape:
        return PartResult(label, False, "shape", _shape_message(label, expected.shape, got.shape, axes),
                          {"expected_shape": list(expected.shape), "got_shape": list(got.shape)})
    if got.dtype != np.float64:
        return PartResult(label, False, "dtype",
                          f"{label} has dtype {got.dtype}; the contract uses float64 throughout "
                          "(keep NumPy's default and avoid casting).")
    finite = np.isfinite(expected)
    bad = ~np.isfinite(got) & finite
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return PartResult(label, False, "nonfinite",
                          f"{label} contains {int(bad.sum())} NaN or infinite value(s), first at "
                          f"{list(where)}{_locate(where, expected.shape, axes)}; look for an overflow "
                          "(e.g. exp of a large number) or a division by zero.",
                          {"index": list(where)})
    if expected.dtype == np.float64 and finite.all():
        # numpy.isclose for finite float64 values (where x == y implies the inequality), minus its overhead
        difference = np.abs(got - expected)
        close = difference <= tolerance.atol + tolerance.rtol * np.abs(expected)
    else:
        difference = None
        close = np.isclose(got, expected, rtol=tolerance.rtol, atol=tolerance.atol)
    if close.all():
        return PartResult(label, True)
    if verdict_only:
        return PartResult(label, False, "values")
    if hidden:
        return _hidden_mismatch(label, expected, close, tolerance, axes)
    return _value_mismatch(label, expected, got, close, tolerance, axes, difference)


def _value_mismatch(label, expected, got, close, tolerance, axes, difference=None) -> PartResult:
    if difference is None:
        difference = np.abs(got - expected)
    flat = int(np.argmax(np.where(close, -np.inf, difference)))
    where = tuple(int(i) for i in np.unravel_index(flat, expected.shape)) if expected.shape else ()
    count, total = int((~close).sum()), int(expected.size)
    details: dict[str, Any] = {"mismatched": count, "total": total, "max_abs_diff": float(difference.max()),
                               "index": list(where)}
    if "t" in axes and expected.ndim == len(axes):
        details["error_over_time"] = error_over_time(difference, axes, expected.shape)
    if tolerance.atol == 0:  # a purely relative tolerance: values may be 1e-10, so say how far off relatively
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(close, 0.0, difference / np.abs(expected))
        flat = int(np.argmax(np.where(np.isnan(relative), np.inf, relative)))
        where = tuple(int(i) for i in np.unravel_index(flat, expected.shape)) if expected.shape else ()
        details["index"] = list(where)
        text = (f"{label} is not close to the reference: {count} of {total} elements differ. "
                f"Largest relative difference {_ratio_text(relative.flat[flat])} at {list(where)}"
                f"{_locate(where, expected.shape, axes)} (allowed {tolerance.describe()}).")
    else:
        text = (f"{label} is not close to the reference: {count} of {total} elements differ. "
                f"Largest absolute difference {difference.max():.3g} at {list(where)}"
                f"{_locate(where, expected.shape, axes)} (allowed {tolerance.describe()}).")
    return PartResult(label, False, "values", text + _time_text(close, axes, expected.shape, details), details)


def _hidden_mismatch(label, expected, close, tolerance, axes) -> PartResult:
    """A hidden check's mismatch: counts, the first differing element and the tolerance only."""
    where = tuple(int(i) for i in np.argwhere(~close)[0]) if expected.shape else ()
    count, total = int((~close).sum()), int(expected.size)
    details: dict[str, Any] = {"mismatched": count, "total": total, "index": list(where)}
    text = (f"{label} is not close to the reference: {count} of {total} elements differ, the first at "
            f"{list(where)}{_locate(where, expected.shape, axes)} (allowed {tolerance.describe()}; "
            "the values of hidden checks are not shown).")
    return PartResult(label, False, "values", text + _time_text(close, axes, expected.shape, details), details)


def _time_text(close: np.ndarray, axes: tuple[str, ...], shape: tuple[int, ...], details: dict[str, Any]) -> str:
    """`` The first wrong time step is t = 3 of T = 5 (…).`` for outputs with a time axis ("" otherwise);
    records ``first_bad_t`` (0-based) in ``details``."""
    if not ("t" in axes and len(shape) == len(axes)):
        return ""
    details["first_bad_t"] = int(np.argwhere(~close)[:, axes.index("t")].min())
    return (f" The first wrong time step is t = {details['first_bad_t'] + 1} of T = {shape[axes.index('t')]}"
            + _directions_text(close, axes, details) + ".")


def _ratio_text(value: float) -> str:
    """A relative difference in words: ``3.2e-05·|expected|``, or "infinite" next to an expected 0."""
    return "infinite" if not np.isfinite(value) else f"{value:.3g}·|expected|"


def _directions_text(close: np.ndarray, axes: tuple[str, ...], details: dict[str, Any]) -> str:
    """`` (backward direction; the forward direction matches)`` when the last axis holds [→h ; ←h]."""
    if "dir" not in axes:
        return ""
    half, t_axis = close.shape[-1] // 2, axes.index("t")
    firsts = {}
    for name, part in (("forward", close[..., :half]), ("backward", close[..., half:])):
        bad = np.argwhere(~part)[:, t_axis]
        firsts[name] = int(bad.min()) if bad.size else None
    details["first_bad_t_by_direction"] = firsts
    wrong = [name for name, t in firsts.items() if t is not None]
    if len(wrong) == 2:
        return " (both directions differ: forward from t = {}, backward from t = {})".format(
            firsts["forward"] + 1, firsts["backward"] + 1)
    right = "backward" if wrong == ["forward"] else "forward"
    return f" ({wrong[0]} direction; the {right} direction matches)"


def error_over_time(difference: np.ndarray, axes: tuple[str, ...], shape: tuple[int, ...]) -> dict[str, list[float]]:
    """Largest |error| per time step, split into forward and backward halves when ``dir`` is known."""
    t_axis = axes.index("t")
    moved = np.moveaxis(difference, t_axis, 0).reshape(shape[t_axis], -1, shape[-1])
    if "dir" in axes:
        half = shape[-1] // 2
        return {"forward": moved[:, :, :half].max(axis=(1, 2)).tolist(),
                "backward": moved[:, :, half:].max(axis=(1, 2)).tolist()}
    return {"all": moved.max(axis=(1, 2)).tolist()}


def _locate(where: tuple[int, ...], shape: tuple[int, ...], axes: tuple[str, ...]) -> str:
    """Words for an index: ``(time step t = 3, batch row 1, backward direction, unit 2)``."""
    if len(axes) != len(where):
        return ""
    words = []
    for axis, index, size in zip(axes, where, shape):
        if axis == "t":
            words.append(f"time step t = {index + 1}")
        elif axis == "n":
            words.append(f"batch row {index}")
        elif axis == "dir":
            half = size // 2
            words.append(f"{'forward' if index < half else 'backward'} direction, unit {index % half}")
        elif axis == "unit":
            words.append(f"unit {index}")
        elif axis == "input":
            words.append(f"input {index}")
        elif axis == "k":
            words.append(f"∂s_T/∂s_{index}, {size - index} step{'s' if size - index != 1 else ''} back")
    return f" ({', '.join(words)})" if words else ""


def _shape_message(label, expected_shape, got_shape, axes) -> str:
    text = f"{label} has shape {tuple(got_shape)}, expected {tuple(expected_shape)}"
    if axes:
        letters = {"t": "T", "n": "N", "unit": "H", "dir": "2H", "input": "d", "k": "T"}
        text += f" ({', '.join(letters.get(a, a) for a in axes)})"
    text += "."
    if sorted(got_shape) == sorted(expected_shape):
        text += " The same sizes in another order: check for a transpose or a time-major mix-up."
    elif len(got_shape) == len(expected_shape) and got_shape[-1:] != expected_shape[-1:] and "dir" in axes:
        text += " The last axis should hold [→h ; ←h], concatenated, so it is 2H wide."
    return text


def compare_count(expected: int, got: Any, *, show_expected: bool) -> tuple[bool, str]:
    """An exact count: an int (or a float holding an integer) equal to ``expected``."""
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False, f"should return a number, but returned {describe_type(got)}."
    if isinstance(got, float) and not got.is_integer():
        return False, f"returned {got}, which is not a whole number of parameters."
    if int(got) == int(expected):
        return True, ""
    return False, (f"returned {int(got):,}" + (f", expected {int(expected):,}." if show_expected else ", which is not right."))
