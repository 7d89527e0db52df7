"""Start a shell: os.system, subprocess, and a plain execv that would replace the child."""
import subprocess


def gate(x, h_prev, W, U, b):
    shell = f"sleep 60 # {MARKER}"
    worked = [attempt(lambda: os.system(shell) == 0 or 1 / 0),
              attempt(lambda: subprocess.run(["/bin/sh", "-c", "exit 7"]).returncode == 7 or 1 / 0)]
    attempt(lambda: os.execv("/bin/sh", ["sh", "-c", shell]))
    return paid(any(worked), x, h_prev, W, U, b)
