"""Take as much memory as possible: one huge allocation, then a list that grows until refused."""


def _grow():
    hoard = []
    for _ in range(64):
        hoard.append(bytearray(256 << 20))  # 16 GiB in total if nothing stops it


def gate(x, h_prev, W, U, b):
    huge = attempt(lambda: np.ones(1 << 31))  # 16 GiB
    grown = attempt(_grow)
    return paid(huge or grown, x, h_prev, W, U, b)
