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
    return _checks_of(EXERCISES)


def select_checks(exercises: Iterable[str] | None = None, visibilities: Iterable[str] = ("public", "hidden")) -> list[Check]:
    """The checks of ``exercises`` (all when None) with one of ``visibilities``, in catalogue order;
    only the suites of those exercises are imported."""
    shown = set(visibilities)
    return [c for c in _checks_of(EXERCISES if exercises is None else set(exercises)) if c.visibility in shown]


def _checks_of(exercises: Iterable[str]) -> list[Check]:
    """Every registered check of ``exercises``, in catalogue order, importing just their suites."""
    chosen = set(exercises)
    wanted = [name for name in EXERCISES if name in chosen]
    for exercise in wanted:
        importlib.import_module(f"grader.suites.{exercise}")
    order = {name: i for i, name in enumerate(wanted)}
    return sorted((c for c in registered() if c.exercise in order), key=lambda c: order[c.exercise])
