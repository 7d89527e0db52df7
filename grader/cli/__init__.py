"""The ``grade`` command line: one small module per command, registered here."""
from __future__ import annotations

import click

from grader import __version__
from grader.cli.batch import batch
from grader.cli.check import check
from grader.cli.doctor import doctor
from grader.cli.submit import submit
from grader.cli.verify import verify


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Deep RNN Grader: exercises, quizzes and exams on GRU, LSTM, stacked and bidirectional RNNs."""


for command in (check, batch, verify, doctor, submit):
    main.add_command(command)
