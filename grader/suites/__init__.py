"""The suites: every check of every exercise, public and hidden.

``all_checks()`` imports the per-exercise modules (each registers its checks) and returns them in
catalogue order. This package is trusted-side only: the fork-server never imports it.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable

from grader.catalog import EXERCISES
from grader.suites.base import Check, Tolerance, registered

__all__ = ["Check", "Tolerance", "all_checks", "select_checks"]


def all_checks() -> list[Check]:
    for exercise in EXERCISES:
        importlib.import_module(f"grader.suites.{exercise}")
    order = {name: i for i, name in enumerate(EXERCISES)}
    return sorted(registered(), key=lambda c: order[c.exercise])


def select_checks(exercises: Iterable[str] | None = None, visibilities: Iterable[str] = ("public", "hidden")) -> list[Check]:
    wanted = set(exercises) if exercises is not None else set(EXERCISES)
    shown = set(visibilities)
    return [c for c in all_checks() if c.exercise in wanted and c.visibility in shown]
