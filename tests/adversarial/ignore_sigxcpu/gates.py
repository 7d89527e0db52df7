"""Ignore SIGXCPU (and every catchable stop signal), then spin forever."""
import signal


def gate(x, h_prev, W, U, b):
    for sig in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGVTALRM):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        pass
