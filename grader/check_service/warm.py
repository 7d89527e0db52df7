"""What the check service keeps warm: the ``check`` command imported and one fork-server started.

``WarmGrader.check`` runs ``grade check`` with a request's arguments, in the request's working
folder, with its output captured instead of printed, on the warm fork-server.
"""
from __future__ import annotations

import contextlib
import io
import os

import click

from grader.check_service.protocol import Reply, Request
from grader.cli.check import check
from grader.local_check import public_run
from grader.sandbox.client import ForkServer


class WarmGrader:
    def __init__(self) -> None:
        public_run(None, seed=0)  # imports every suite and reference once
        self.sandbox = ForkServer()  # SymPy preloaded: a long-lived server pays it once
        try:
            self.sandbox.start()
        except BaseException:
            self.sandbox.close()  # its work root too
            raise

    def check(self, request: Request) -> Reply:
        os.chdir(request.cwd)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = _run(request, self.sandbox)
        return Reply(stdout.getvalue(), stderr.getvalue(), code)

    def close(self) -> None:
        self.sandbox.close()


def _run(request: Request, sandbox: ForkServer) -> int:
    """``grade check ARGV`` as the command line would run it; its exit code."""
    try:
        returned = check.main(args=request.argv, prog_name="grade check", standalone_mode=False,
                              color=request.colour, obj={"sandbox": sandbox})
        return returned if isinstance(returned, int) else 0
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
