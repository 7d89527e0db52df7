"""Whether a variant can tell every catalogued mistake from its key, and from the other mistakes.

A numeric answer earns full marks within ``tolerance`` of the key and, with partial credit, half the
points within ``PARTIAL_BAND × tolerance``; a mistake is recognised when the answer lies within
``tolerance`` of the mistake's value. So a variant discriminates when every mistake lies more than
``(PARTIAL_BAND + 1) × tolerance`` from the key (a recognised mistake can then earn nothing) and more
than ``2 × tolerance`` from every other mistake (so the feedback names the right one). Exact answers
(tolerance 0) need every mistake to differ from the key and from each other. Formula mistakes must
not be equivalent to the key or to each other.

The bank redraws a variant's numbers until :func:`collisions` is empty.
"""
from __future__ import annotations

import functools

from .variant import PARTIAL_BAND, Variant, match_slack


def _numeric_collisions(v: Variant) -> list[str]:
    key = float(v.answer)
    tol = float(v.tolerance)
    problems = []
    values = [(m.get("id") or m["feedback"][:40], float(m["answer"])) for m in v.misconceptions]
    for name, value in values:
        if abs(value - key) <= (PARTIAL_BAND + 1) * tol + match_slack(key) + match_slack(value):
            problems.append(f"{name}: {value:g} is within reach of the key {key:g}")
    for i, (name, value) in enumerate(values):
        for other, other_value in values[:i]:
            if abs(value - other_value) <= 2 * tol + match_slack(value) + match_slack(other_value):
                problems.append(f"{name} and {other} give the same answer {value:g}")
    return problems


def _formula_collisions(v: Variant) -> list[str]:
    return list(_formula_set_collisions(v.answer, tuple((m.get("id") or m["feedback"][:40], m["answer"])
                                                        for m in v.misconceptions), tuple(v.symbols)))


@functools.lru_cache(maxsize=512)
def _formula_set_collisions(answer: str, mistakes: tuple, symbols: tuple) -> tuple[str, ...]:
    """Formula variants repeat (one per cell and depth), so each set of formulas is decided once."""
    from ..formula import read_formula, same

    key = read_formula(answer, symbols)
    parsed = [(name, read_formula(text, symbols)) for name, text in mistakes]
    problems = [f"{name} equals the key" for name, form in parsed if same(form, key)]
    for i, (name, form) in enumerate(parsed):
        problems += [f"{name} and {other} are the same formula" for other, other_form in parsed[:i]
                     if same(form, other_form)]
    return tuple(problems)


def collisions(v: Variant) -> list[str]:
    """Why ``v`` cannot tell a catalogued mistake apart (empty when it can); numeric and formula kinds."""
    if v.kind == "numeric":
        return _numeric_collisions(v)
    if v.kind == "formula":
        return _formula_collisions(v)
    return []
