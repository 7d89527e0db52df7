"""The ``grade`` executable: ``grade check`` goes to the user's warm check service when one answers
(``grader.check_service``); everything else, and a check no service answered, runs here."""
from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] != ["check"] or any(arg in ("-h", "--help") for arg in argv):
        return _in_process()
    from grader.check_service.client import served, start_service

    try:
        code = served(argv[1:])
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    if code is not None:
        raise SystemExit(code)
    try:
        _in_process()
    finally:
        start_service()  # warm for the next check, while this one's feedback is read


def _in_process() -> None:
    from grader.cli import main as grade

    grade(prog_name="grade")
