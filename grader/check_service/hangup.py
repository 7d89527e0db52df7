"""Give up a check whose client hung up: Ctrl-C in ``grade check`` closes its connection.

    install()                               # once, in the service's main thread
    with given_up_on_hang_up(connection):
        ...                                 # raises HungUp in here once the client's end closes

A watcher thread polls the connection for the peer's hang-up, then sends ``SIGNAL`` to the thread
that runs the block; the handler raises ``HungUp`` there, so a wait in a system call (for the
fork-server's reply, say) ends too. Outside such a block the signal does nothing. A client that
closes its sending end after its request has hung up as well.
"""
from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import threading

SIGNAL = signal.SIGUSR1
POLL_MILLISECONDS = 200  # the watcher also looks this often whether its block has ended
_ARMED = threading.Event()  # set while a block runs


class HungUp(BaseException):
    """The client is gone, so what it asked for is not worth finishing (not an ``Exception``, which
    a check's own handlers would take for a failure of its own)."""


def _raise_if_armed(signum, frame) -> None:
    if _ARMED.is_set():
        _ARMED.clear()
        raise HungUp


def install() -> None:
    signal.signal(SIGNAL, _raise_if_armed)


@contextlib.contextmanager
def given_up_on_hang_up(connection: socket.socket):
    """Run the block in the calling (main) thread; ``HungUp`` is raised in it when the peer hangs up.

    The block's end wakes the watcher through a pipe, so leaving the block (and the reply that
    follows) waits for no poll interval."""
    done, target, fd = threading.Event(), threading.get_ident(), connection.fileno()
    wake_read, wake_write = os.pipe()

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, select.POLLRDHUP)  # POLLHUP and POLLERR are reported anyway
        poller.register(wake_read, select.POLLIN)
        while not done.is_set():
            events = poller.poll(POLL_MILLISECONDS)
            if any(ready == fd for ready, _ in events) and not done.is_set():
                signal.pthread_kill(target, SIGNAL)
                return  # the one signal it sends: a HungUp raised anywhere means the watcher is done

    watcher = threading.Thread(target=watch, name="hang-up watcher", daemon=True)
    _ARMED.set()
    watcher.start()
    try:
        yield
    finally:
        _ARMED.clear()
        done.set()
        os.write(wake_write, b"!")
        watcher.join()
        os.close(wake_read)
        os.close(wake_write)
