"""Start threads that keep running after ``gate`` returns, to outlive the run or spoil later calls."""
import threading
import time


def _linger():
    name_this_thread()
    while True:
        time.sleep(0.01)


def gate(x, h_prev, W, U, b):
    started = 0
    for _ in range(8):
        if attempt(lambda: threading.Thread(target=_linger, daemon=False).start()):
            started += 1
    return paid(False, x, h_prev, W, U, b)
