"""Expected values, computed from ``solutions/`` in the trusted process only.

``solutions`` is imported on first use, never at module import time: a learner handout ships this
module (the engine imports it) but not the references, and grades from fixtures instead.
"""
from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
from typing import Any, Callable

import numpy as np


def solutions_available() -> bool:
    """True when the reference package ``solutions`` can be imported (the full grader, not a handout)."""
    try:
        return importlib.util.find_spec("solutions") is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=None)
def reference_function(exercise: str, function: str) -> Callable[..., Any]:
    module = importlib.import_module(f"solutions.{exercise}")
    return getattr(module, function)


def expected_value(exercise: str, function: str, args: tuple) -> Any:
    """Call the reference on ``args`` themselves: the references are our own code and never modify
    their inputs (``tests/test_reference.py`` checks every suite's inputs), so the arguments need no
    private copy; the learner's code gets its own copies on the far side of the sandbox."""
    return reference_function(exercise, function)(*args)


_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, np.generic)


def fresh_copy(value: Any) -> Any:
    """A private copy of a check's inputs: arrays copied, lists, tuples and dicts rebuilt, immutable
    leaves (numbers, strings, NumPy scalars, SymPy objects) shared; anything else deep-copied.

    Much cheaper than ``copy.deepcopy`` on the array trees the suites draw. Unlike it, an array
    that appears twice becomes two copies, as it does for the learner's code on the far side of
    the sandbox.
    """
    kind = type(value)
    if kind is np.ndarray and not value.dtype.hasobject:
        return value.copy()
    if kind is tuple:
        return tuple([fresh_copy(v) for v in value])
    if kind is list:
        return [fresh_copy(v) for v in value]
    if kind is dict:
        return {k: fresh_copy(v) for k, v in value.items()}
    if isinstance(value, _IMMUTABLE) or (kind.__module__ or "").startswith("sympy"):
        return value
    return copy.deepcopy(value)
