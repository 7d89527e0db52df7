"""Shared head of every attack's ``gates.py``: an honest ``sigmoid`` and a paid-only-on-success ``gate``.

The test harness prepends this file to each ``<attack>/gates.py`` and replaces the placeholders
``@MARKER@`` (a unique name, at most 15 bytes), ``@OUTSIDE@`` (a world-writable directory owned by
the test), ``@REPO@`` (the repository root), ``@PORT@`` (a listening TCP port on 127.0.0.1) and
``@GRADER_PID@`` (the trusted grader's pid).

Every attack computes the right ``gate`` only through ``paid(worked, ...)``: the correct value when
the attack worked, zeros otherwise.  A ``gate`` check that scores anything therefore means an
attack got through.  The process names itself ``@MARKER@`` at import, so anything it leaves
running can be found in ``/proc``.
"""
import ctypes
import os

import numpy as np

MARKER = "@MARKER@"
OUTSIDE = "@OUTSIDE@"
REPO = "@REPO@"
PORT = int("@PORT@")
GRADER_PID = int("@GRADER_PID@")
LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME = 15


def name_this_thread():
    """Name the calling thread (and what it starts) after the marker, for the stray-process scan."""
    LIBC.prctl(PR_SET_NAME, MARKER.encode(), 0, 0, 0)


name_this_thread()


def sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def paid(worked, x, h_prev, W, U, b):
    """The right answer if the attack worked, zeros of the right shape otherwise."""
    if worked:
        return sigmoid(x @ W.T + h_prev @ U.T + b)
    return np.zeros((x.shape[0], W.shape[0]))


def attempt(action):
    """Run ``action``; True when it completed without raising."""
    try:
        action()
        return True
    except BaseException:  # noqa: BLE001 - any refusal counts as a failed attack
        return False


# ---- the attack ----
