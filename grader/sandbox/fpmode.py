"""Notice when a graded call changes NumPy's floating-point error handling.

The child runs every call under ``np.errstate(all="call", call=...)``, so each overflow, invalid
operation or division by zero NumPy detects is reported with the call's outcome. Learner code can
change that mode for its own stretch of code (``with np.errstate(all="ignore"):``, ``np.seterr``,
``np.seterrcall``, ``@np.errstate(...)``): a naive sigmoid wrapped that way overflows without a
report. Every one of those NumPy functions stores the new mode through the context variable that
``numpy._core._ufunc_config`` (and ``umath``) look up by name when they run, and NumPy's ufuncs read
the variable from C. ``install`` puts a stand-in under those names that forwards everything to the
real variable and notes each ``set`` that changes how overflow, invalid operations or divisions by
zero are handled, made on behalf of code outside NumPy (NumPy's own functions, e.g. ``np.isclose``,
relax the mode internally; those do not count, nor does silencing underflow, which is exact here).
``watch`` tells whether one call made such a change, or left the handling other than it found it.

Sound for the ways NumPy offers to change the mode. Code that digs the real variable out of the
interpreter (a ``contextvars.Context`` listing, ``gc``) and restores it before returning is not
seen; such code could as well write the child's result frames itself, so no child-side
observation is proof against it (the trusted side judges only what a child reports).
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator

import numpy

MODE_CHANGED = "error handling changed"  # reported among a call's floating-point problems
_NUMPY_DIR = os.path.dirname(numpy.__file__) + os.sep
_MODULES = ("numpy._core._ufunc_config", "numpy._core.umath", "numpy._core._multiarray_umath")


COUNTED = ("over", "invalid", "divide")  # what the grader holds against a call (underflow to 0 is exact)


class _WatchedMode:
    """Stands in for NumPy's error-mode ``ContextVar`` where NumPy's Python code looks it up."""

    def __init__(self, var, read_mode) -> None:
        self._var = var
        self._read_mode = read_mode  # NumPy's own reader of the mode in force (a C function)
        self.expected: tuple | None = None  # the counted kinds' handling a watched call must keep
        self.changed = False

    @property
    def name(self) -> str:
        return self._var.name

    def get(self, *default):
        return self._var.get(*default)

    def set(self, value):
        token = self._var.set(value)
        if self.expected is not None and self.counted() != self.expected and not _set_by_numpy_itself(sys._getframe(1)):
            self.changed = True
        return token

    def reset(self, token):
        return self._var.reset(token)

    def counted(self) -> tuple:
        """How the counted kinds are handled now: their modes and the callback."""
        mode = self._read_mode()
        return tuple(mode[kind] for kind in COUNTED) + (mode["call"],)


def _set_by_numpy_itself(frame) -> bool:
    """Whether the first caller outside NumPy's error-configuration module is NumPy's own code."""
    while frame is not None and frame.f_code.co_filename.endswith("_ufunc_config.py"):
        frame = frame.f_back
    return frame is not None and frame.f_code.co_filename.startswith(_NUMPY_DIR)


_watched: _WatchedMode | None = None


def install() -> None:
    """Put the stand-in in place (once per process; the fork-server does it, children inherit it)."""
    global _watched
    if _watched is not None:
        return
    from numpy._core import _ufunc_config

    real = getattr(_ufunc_config, "_extobj_contextvar", None)
    read_mode = getattr(_ufunc_config, "_get_extobj_dict", None)
    if real is None or read_mode is None:
        return  # another NumPy layout: nothing to watch (the mode set around each call still holds)
    _watched = _WatchedMode(real, read_mode)
    for name in _MODULES:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "_extobj_contextvar", None) is real:
            module._extobj_contextvar = _watched


class Watch:
    """The verdict on one call: ``changed`` is true when it changed how overflow, invalid
    operations or divisions by zero are handled (switching off underflow reports is fine)."""

    changed = False


@contextmanager
def watch() -> Iterator[Watch]:
    """Watch the handling in force on entry (``np.errstate`` already entered) during one call."""
    verdict = Watch()
    if _watched is None:
        yield verdict
        return
    _watched.expected, _watched.changed = _watched.counted(), False
    try:
        yield verdict
    finally:
        verdict.changed = _watched.changed or _watched.counted() != _watched.expected or not _in_place()
        _watched.expected, _watched.changed = None, False


def _in_place() -> bool:
    """Whether NumPy's error-configuration module still looks the variable up through the stand-in."""
    return getattr(sys.modules.get(_MODULES[0]), "_extobj_contextvar", None) is _watched
