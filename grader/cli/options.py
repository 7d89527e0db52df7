"""Shared click parameter types: exercise ids that fail with the list of valid ones."""
from __future__ import annotations

import click

from grader.catalog import EXERCISES, UnknownExercise, resolve_exercise


class ExerciseType(click.ParamType):
    """An exercise id from the catalogue (``gru``, ``lstm`` …); a typo lists the valid ids."""

    name = "exercise"

    def convert(self, value, param, ctx):
        try:
            return resolve_exercise(str(value))
        except UnknownExercise as exc:
            self.fail(str(exc), param, ctx)

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        return [CompletionItem(name) for name in EXERCISES if name.startswith(incomplete)]


EXERCISE = ExerciseType()
