"""Two mistakes at once: composites of two catalogued cell misconceptions.

A learner who follows one source's convention often differs from the course in two places (PyTorch's
GRU resets after the product *and* keeps with z). Matching one variant at a time names nothing
then, or only half. A pair is the two variants' patches applied together (they must replace
different functions), named ``"a+b"``, with both messages, numbered. Pairs are tried only on the
cell-level checks (``PAIR_FUNCTIONS``), after every single misconception failed to match, and on any
later check of a submission once a pair was named there (``grader.misconceptions.match``).
"""
from __future__ import annotations

import functools
import itertools

from grader.misconceptions import Misconception, all_misconceptions, for_function

CELL_EXERCISES = ("gates", "vanilla", "gru", "lstm")
PAIR_FUNCTIONS = ("rnn_cell", "candidate_state", "gru_cell", "candidate_cell", "lstm_cell")


def compose(first: Misconception, second: Misconception) -> Misconception:
    """``first`` and ``second`` made together; their patches must replace different functions."""
    if set(first.patches) & set(second.patches):
        raise ValueError(f"{first.id} and {second.id} replace the same function")
    return Misconception(
        f"{first.id}+{second.id}", first.exercise, {**first.patches, **second.patches},
        tuple(dict.fromkeys((*first.targets, *second.targets))),
        mixup=f"{first.mixup}; and {second.mixup}", equation=f"{first.equation}; {second.equation}",
        fix=f"{first.fix}; {second.fix}", parts=(first, second))


@functools.lru_cache(maxsize=None)
def pairs_for(function: str) -> tuple[Misconception, ...]:
    """Every pair of cell misconceptions that both change ``function`` and replace different functions,
    except those a registered misconception already is (e.g. ``follow_pytorch_gru``)."""
    singles = [m for m in for_function(function) if m.exercise in CELL_EXERCISES]
    registered = {frozenset(m.patches.items()) for m in all_misconceptions()}
    found = []
    for first, second in itertools.combinations(singles, 2):
        if set(first.patches) & set(second.patches):
            continue
        pair = compose(first, second)
        if frozenset(pair.patches.items()) not in registered:
            found.append(pair)
    return tuple(found)


def by_pair_id(pair_id: str) -> Misconception | None:
    """The pair named ``"a+b"`` (from any function's pairs), or None."""
    first, _, second = pair_id.partition("+")
    known = {m.id: m for m in all_misconceptions()}
    if first not in known or second not in known:
        return None
    return compose(known[first], known[second])
