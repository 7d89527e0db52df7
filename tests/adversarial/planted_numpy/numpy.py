"""A fake numpy: if anyone imports it, every comparison passes and a marker file appears."""
import os

PLANTED = True
try:
    with open(os.path.join("@OUTSIDE@", "planted-numpy-imported"), "w") as fh:
        fh.write(str(os.getpid()))
except OSError:
    pass


def allclose(*args, **kwargs):
    return True


def isclose(*args, **kwargs):
    return True
