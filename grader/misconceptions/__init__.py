"""The library of known misconceptions, per exercise (see ``base.Misconception``).

``all_misconceptions()`` imports every exercise's module (each registers its variants) and
returns them in catalogue order; ``for_function(name)`` those that change ``name``'s output.
Trusted side only: this package imports ``solutions``, and no learner ever receives it.
"""
from __future__ import annotations

import importlib

from grader.catalog import EXERCISES
from grader.misconceptions.base import Misconception, registered

__all__ = ["Misconception", "all_misconceptions", "by_id", "for_function"]


def all_misconceptions() -> list[Misconception]:
    for exercise in EXERCISES:
        importlib.import_module(f"grader.misconceptions.{exercise}")
    order = {name: i for i, name in enumerate(EXERCISES)}
    return sorted(registered(), key=lambda m: order[m.exercise])


def by_id(misconception_id: str) -> Misconception:
    found = {m.id: m for m in all_misconceptions()}
    if misconception_id not in found:
        raise KeyError(f"unknown misconception {misconception_id!r}; known: {', '.join(found)}")
    return found[misconception_id]


def for_function(function: str) -> list[Misconception]:
    return [m for m in all_misconceptions() if function in m.targets]
