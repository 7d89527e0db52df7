"""Expected values, computed from ``solutions/`` in the trusted process only.

``solutions`` is imported on first use, never at module import time: a learner handout ships this
module (the engine imports it) but not the references, and grades from fixtures instead.
"""
from __future__ import annotations

import copy
import importlib
import importlib.util
from typing import Any, Callable


def solutions_available() -> bool:
    """True when the reference package ``solutions`` can be imported (the full grader, not a handout)."""
    try:
        return importlib.util.find_spec("solutions") is not None
    except (ImportError, ValueError):
        return False


def reference_function(exercise: str, function: str) -> Callable[..., Any]:
    module = importlib.import_module(f"solutions.{exercise}")
    return getattr(module, function)


def expected_value(exercise: str, function: str, args: tuple) -> Any:
    """Call the reference on a private copy of ``args`` (a reference must not see edited inputs)."""
    return reference_function(exercise, function)(*copy.deepcopy(args))
