"""Look through the process's memory for answers: gc.get_objects, caller frames, inspect.stack.

Worth marks if it finds a reference function, anything called ``expected``, or another learner's
results (a fork-server that kept its last reply would hand them to every later child)."""
import gc
import inspect
import sys

SUSPECT_NAMES = {"expected", "reference", "reply", "prepared"}  # never the run's own outcomes


def _from_gc():
    for obj in gc.get_objects():
        if callable(obj) and getattr(obj, "__name__", "") == "gate" and "solutions" in str(getattr(obj, "__module__", "")):
            return True
        if isinstance(obj, dict) and (set(obj) == {"outcomes", "layers"} or "expected" in obj):
            return True  # a fork-server reply (another learner's results) or an expected value
    return False


def _from_frames():
    frame = sys._getframe(0)
    while frame is not None:
        if SUSPECT_NAMES & set(frame.f_locals):
            return True
        frame = frame.f_back
    return any(SUSPECT_NAMES & set(info.frame.f_locals) for info in inspect.stack())


def gate(x, h_prev, W, U, b):
    return paid(_from_gc() or _from_frames(), x, h_prev, W, U, b)
