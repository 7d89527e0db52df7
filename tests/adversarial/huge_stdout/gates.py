"""Print 200 MB to stdout and stderr, through Python and through the raw descriptors."""
import sys

CHUNK = "x" * (1 << 20)


def gate(x, h_prev, W, U, b):
    for _ in range(50):
        print(CHUNK)
        sys.stderr.write(CHUNK)
        attempt(lambda: os.write(1, CHUNK.encode()))
        attempt(lambda: os.write(2, CHUNK.encode()))
    return paid(False, x, h_prev, W, U, b)
