"""The ``grade`` command line: one small module per command, registered here.

Commands are registered only when their module is present: a learner handout ships ``check``,
``submit`` and ``doctor`` but not the instructor's commands (``batch``, ``verify``, ``handout``…).
"""
from __future__ import annotations

import importlib
import importlib.util

import click

from grader import __version__

COMMANDS = (  # (module, command object name), in help order
    ("grader.cli.check", "check"),
    ("grader.cli.batch", "batch"),
    ("grader.cli.gradescope", "gradescope"),
    ("grader.cli.verify", "verify"),
    ("grader.cli.doctor", "doctor"),
    ("grader.cli.submit", "submit"),
    ("grader.cli.handout", "handout"),
    ("grader.cli.exam", "exam"),
    ("grader.cli.quiz", "quiz"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Deep RNN Grader: exercises, quizzes and exams on GRU, LSTM, stacked and bidirectional RNNs."""


for module_name, attribute in COMMANDS:
    if importlib.util.find_spec(module_name) is not None:
        main.add_command(getattr(importlib.import_module(module_name), attribute))
