"""Root causes first: one mistake, reported once, where it starts, and referred to from what it breaks.

Runs after every failing check has its own diagnosis (``grader.diagnose``). Two rules:

1. A cause named on several checks is written out in full on the first of them only; the later
   ones say "the same cause as on …" (one swapped z fails a dozen checks downstream).
2. A check whose function builds on a failing prerequisite (``sigmoid`` under every gate, a gate
   under its cell, the cell under the sequences, stacks and bidirectional layers built from it)
   refers to that prerequisite, and its hint becomes "fix that first"; each exercise gets one note
   at the top naming the prerequisites that explain its failing checks. A prerequisite fails when
   one of its own checks fails on values or errors (a warning alone breaks nothing downstream), or
   when a localisation probe of it disagreed with the reference.

Needs no references: it reads results, the checks' cell types and the probes' verdicts only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.catalog import EXERCISES
from grader.model import CheckResult

EXERCISE_OF = {function: exercise for exercise, functions in EXERCISES.items() for function in functions}
PREREQUISITES: dict[str, tuple[str, ...]] = {
    "gate": ("sigmoid",),
    **{g: ("gate",) for g in ("reset_gate", "update_gate", "forget_gate", "input_gate", "output_gate")},
    "gru_cell": ("reset_gate", "update_gate", "candidate_state"),
    "lstm_cell": ("forget_gate", "input_gate", "output_gate", "candidate_cell", "cell_update", "hidden_state"),
    "rnn_forward": ("rnn_cell",), "gru_forward": ("gru_cell",), "lstm_forward": ("lstm_cell",),
    "deep_bidirectional_forward": ("bidirectional_forward",),
}
CELL_FUNCTION = {"rnn": "rnn_cell", "gru": "gru_cell", "lstm": "lstm_cell"}
LAYERS_OF_CELLS = ("stacked_forward", "bidirectional_forward", "deep_bidirectional_forward", "masked_forward",
                   "masked_bidirectional_forward")  # built on the cell named by their ``cell`` argument
ORDER = {function: k for k, function in enumerate(EXERCISE_OF)}
# every function a failing check can be sent back to
ROOT_CANDIDATES = tuple(dict.fromkeys([*(f for fs in PREREQUISITES.values() for f in fs), *CELL_FUNCTION.values()]))


@dataclass
class Checked:
    """One graded check as root-cause analysis sees it: its result and the cell type it runs (if any)."""

    result: CheckResult
    cell: str | None = None


def prerequisites(function: str, cell: str | None = None) -> list[str]:
    """Every function ``function`` builds on, nearest first (a stack's cell comes from ``cell``)."""
    direct = list(PREREQUISITES.get(function, ()))
    if function in LAYERS_OF_CELLS and cell in CELL_FUNCTION:
        direct.append(CELL_FUNCTION[cell])
    found: list[str] = []
    for name in direct:
        for candidate in (name, *prerequisites(name, cell)):
            if candidate not in found:
                found.append(candidate)
    return found


def _breaks_downstream(result: CheckResult) -> bool:
    return result.status != "passed" and result.details.get("problem") != "fp"


def explain_roots(checked: list[Checked], piece_verdicts: dict[str, bool],
                  hints: dict[str, str]) -> dict[str, list[str]]:
    """Apply both rules in place; return the note(s) for the top of each exercise.

    ``piece_verdicts``: function → whether the learner's own version agreed with the reference on
    the localisation probes. ``hints``: function → its checks' hint, for "fix that first"."""
    first_named = _deduplicate(checked)
    failing = {c.result.function for c in checked if _breaks_downstream(c.result)}
    failing |= {f for f, ok in piece_verdicts.items() if ok is False}
    failing -= {f for f, ok in piece_verdicts.items() if ok is True and f not in _functions(checked)}
    notes: dict[str, dict[str, list[CheckResult]]] = {}
    for item in checked:
        result = item.result
        if result.status == "passed":
            continue
        chain = prerequisites(result.function, item.cell)
        root = _root(result, chain, failing, first_named, item.cell)
        if root is None:
            continue
        result.details["root_cause"] = {"function": root, "exercise": EXERCISE_OF.get(root, "")}
        where = "" if EXERCISE_OF.get(root) == result.exercise else f" (exercise {EXERCISE_OF.get(root, '?')})"
        if result.details.get("misconception"):  # "the same cause as on …" already says where it starts
            result.hint = f"Fix {root}{where} first; the note at the top of {result.exercise} says why."
        else:
            result.message = "\n".join(line for line in [
                result.message, f"This check builds on {root}{where}, which fails too: see the note at the "
                                f"top of {result.exercise}."] if line)
            result.hint = f"Fix {root} first" + (f": {hints[root]}" if hints.get(root) else ".")
        notes.setdefault(result.exercise, {}).setdefault(root, []).append(result)
    return {exercise: [_note(root, explained, checked) for root, explained in roots.items()]
            for exercise, roots in notes.items()}


def _functions(checked: list[Checked]) -> set[str]:
    return {c.result.function for c in checked}


def _deduplicate(checked: list[Checked]) -> dict[str, CheckResult]:
    """Rule 1; returns misconception id → the result that names it in full."""
    first: dict[str, CheckResult] = {}
    for item in checked:
        cause = item.result.details.get("misconception")
        if not cause:
            continue
        if cause["id"] not in first:
            first[cause["id"]] = item.result
            continue
        earlier = first[cause["id"]]
        short = (f"The same cause as on {earlier.function} · {earlier.name} ({cause['id']}); "
                 "the full explanation is there.")
        full = cause["message"]
        item.result.message = item.result.message.replace(full, short)
        item.result.details["misconception"] = {**cause, "message": short, "same_as": earlier.check_id}
        item.result.hint = ""
    return first


def _root(result: CheckResult, chain: list[str], failing: set[str], first_named: dict[str, CheckResult],
          cell: str | None) -> str | None:
    """The prerequisite that explains ``result``: where its own named cause was first named, else the
    most basic failing one; None when the check has a cause of its own or nothing below it fails."""
    cause = result.details.get("misconception")
    if cause:
        origin = first_named.get(cause["id"])
        return origin.function if origin is not None and origin.function in chain else None
    roots = [f for f in chain if f in failing and not any(p in failing for p in prerequisites(f, cell))]
    return min(roots, key=lambda f: ORDER.get(f, 0)) if roots else None


def _note(root: str, explained: list[CheckResult], checked: list[Checked]) -> str:
    own = [c.result for c in checked if c.result.function == root and c.result.status != "passed"]
    named = next((r.details["misconception"]["id"] for r in own if r.details.get("misconception")), None)
    if named:
        why = f"it matches {named}, explained on its own check"
    elif own:
        why = f"{len(own)} of its own checks fail"
    else:
        why = "your own version of it differs from the reference on fresh inputs"
    functions = ", ".join(dict.fromkeys(r.function for r in explained))
    count = len(explained)
    return (f"Start with {root} ({EXERCISE_OF.get(root, '?')}): {why}. "
            f"{count} failing check{'s' if count != 1 else ''} here build{'s' if count == 1 else ''} on it "
            f"({functions}) and may pass once it is fixed.")


def notes_as_json(notes: dict[str, list[str]]) -> dict[str, Any]:
    """The notes as the result model stores them (a plain dict of lists)."""
    return {exercise: list(lines) for exercise, lines in notes.items() if lines}
