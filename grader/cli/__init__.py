"""The ``grade`` command line: one small module per command, registered here.

Commands are registered only when their module is present: a learner handout ships ``check``,
``submit`` and ``doctor`` but not the instructor's commands (``batch``, ``verify``, ``handout``…).
A command's module is imported only when that command runs (or ``--help`` lists them all), so
``grade check`` does not pay for loading the batch grader, the gradebook or the exam bank.
"""
from __future__ import annotations

import importlib
import importlib.util

import click

from grader import __version__

COMMANDS = (  # (module, command name, which is also the command object's name), in help order
    ("grader.cli.check", "check"),
    ("grader.cli.batch", "batch"),
    ("grader.cli.gradescope", "gradescope"),
    ("grader.cli.verify", "verify"),
    ("grader.cli.doctor", "doctor"),
    ("grader.cli.submit", "submit"),
    ("grader.cli.handout", "handout"),
    ("grader.cli.exam", "exam"),
    ("grader.cli.quiz", "quiz"),
    ("grader.cli.explore", "explore"),
)


class LazyCommands(click.Group):
    """A group whose commands are the present modules of ``COMMANDS``, each imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for module, name in COMMANDS if importlib.util.find_spec(module) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module, name in COMMANDS:
            if name == cmd_name and importlib.util.find_spec(module) is not None:
                return getattr(importlib.import_module(module), name)
        return None


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Deep RNN Grader: exercises, quizzes and exams on GRU, LSTM, stacked and bidirectional RNNs."""
