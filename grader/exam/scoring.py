"""Scoring one answer against its variant's key: from an answer sheet or the quiz prompt.

Each answer is read for its kind with narrow rules; formulas go through the whitelist reader in
:mod:`grader.formula`, never through ``eval`` or ``sympify``. An answer that cannot be read costs
that answer only (status ``error``, with the reason).

Numbers are read the same way from a sheet and at the quiz prompt: ``010`` is 10; a minus sign may
be ``−``; ``79.58%`` is 0.7958; a decimal comma (``0,462``) is read as a decimal point; thousands
may be grouped with commas or spaces (``5,088``, ``5 088``, ``1,234.5``) — but ``5,088`` in a
question whose answer has decimals could be 5.088 or 5088, so it is refused with the fix spelled out,
as are ``5_088``, ``nan`` and ``inf``.

This module needs no question bank, so a learner handout's practice quiz ships it.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from ..formula import Formula, FormulaError, FormulaUndecided, read_formula, same
from .sheet import Unreadable
from .variant import LETTERS, PARTIAL_BAND, Variant, format_number, match_slack

NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?\Z")


class AnswerError(ValueError):
    """One answer that cannot be read (wrong type or syntax); the message is meant for the learner."""


@dataclass
class Outcome:
    fraction: float          # share of the points earned, 0 … 1
    status: str              # passed / failed / error
    message: str             # what the learner wrote and what was expected
    misconception: str = ""  # targeted feedback when a known wrong answer matched
    given: Any = None        # the learner's answer, normalised, for the record
    undecided: bool = False  # a formula whose equivalence could not be decided within the bounds


@functools.lru_cache(maxsize=1024)
def key_formula(text: str, symbols: tuple[str, ...]) -> Formula:
    """A key's (or a catalogued mistake's) formula, read once per process."""
    return read_formula(text, symbols)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == []


def _letter(value: Any, n: int) -> str:
    if not isinstance(value, str):
        raise AnswerError(f"write one letter between A and {LETTERS[n - 1]}")
    text = value.strip().strip("()").rstrip(").").strip().upper()
    if len(text) != 1 or text not in LETTERS[:n]:
        raise AnswerError(f"{value!r} is not one of the letters A to {LETTERS[n - 1]}")
    return text


def _letters(value: Any, n: int) -> list[str]:
    if isinstance(value, str):
        parts = [p for p in re.split(r"[\s,;]+", value.strip().strip("[]")) if p]
        if len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalpha():
            parts = list(parts[0])  # "AC"
    elif isinstance(value, list):
        parts = value
    else:
        raise AnswerError("write a list of letters, e.g. [A, C]")
    return sorted({_letter(p, n) for p in parts})


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise AnswerError(f"{value!r} is not true or false")


_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\Z")
_SPACED = re.compile(r"[+-]?\d{1,3}(?: \d{3})+(?:\.\d+)?\Z")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+\Z")
_MINUS = str.maketrans({"−": "-", "–": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " "})


def _number(value: Any, whole: bool = False) -> float:
    """A number from a sheet or the prompt. ``whole``: the answer is a whole number (a count), which
    decides what ``5,088`` means; see the module docstring."""
    if isinstance(value, bool):
        raise AnswerError("write a number, not true/false")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = " ".join(value.translate(_MINUS).split())
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1].strip(), 0.01
        if "_" in text:
            raise AnswerError(f"{value!r}: write the number without '_', e.g. {text.replace('_', '')}")
        if _SPACED.match(text):
            text = text.replace(" ", "")
        elif _GROUPED.match(text) and not (text.lstrip("+-").startswith("0,") and "." not in text):
            if not whole and "." not in text and text.count(",") == 1:
                plain, point = text.replace(",", ""), text.replace(",", ".")
                raise AnswerError(f"{value!r} could be {plain} or {point}: write {plain} for a whole number, "
                                  f"or {point} with a decimal point")
            text = text.replace(",", "")
        elif _DECIMAL_COMMA.match(text):
            if whole:
                raise AnswerError(f"{value!r}: the answer is a whole number; write it without a comma")
            text = text.replace(",", ".")
        text = text.replace(" ", "") if re.fullmatch(r"[+-] \S+", text) else text
        if not NUMBER.match(text):
            raise AnswerError(f"{value!r} is not a number (write it like 0.123 or 702)")
        number = float(text) * scale
    else:
        raise AnswerError("write a number")
    if not math.isfinite(number):
        raise AnswerError("the number must be finite")
    return number


def score_answer(variant: Variant, value: Any, partial_credit: bool = False) -> Outcome:
    """Score one answer (already loaded from YAML, or a string typed at the quiz prompt)."""
    expected = variant.answer_text()
    if isinstance(value, Unreadable):
        return Outcome(0.0, "error", f"Your answer could not be read: {value.reason}. The answer is {expected}.",
                       given=None)
    if _blank(value):
        return Outcome(0.0, "failed", f"No answer given. The answer is {expected}.")
    try:
        if variant.kind == "single":
            got = _letter(value, len(variant.choices))
            if got == variant.answer:
                return Outcome(1.0, "passed", f"Correct: {expected}.", given=got)
            return Outcome(0.0, "failed", f"You chose {got}; the answer is {expected}.", given=got)

        if variant.kind == "multi":
            got = _letters(value, len(variant.choices))
            right = set(variant.answer)
            if set(got) == right:
                return Outcome(1.0, "passed", f"Correct: {expected}.", given=got)
            hits = len(right & set(got))
            false_picks = sorted(set(got) - right)
            missed = sorted(right - set(got))
            fraction = max(0.0, (hits - len(false_picks)) / len(right)) if partial_credit else 0.0
            parts = [f"You chose {', '.join(got) or 'nothing'}; the right options are {expected}."]
            if false_picks:
                parts.append(f"Wrongly chosen: {', '.join(false_picks)}.")
            if missed:
                parts.append(f"Missed: {', '.join(missed)}.")
            return Outcome(fraction, "failed", " ".join(parts), given=got)

        if variant.kind == "tf":
            got = _bool(value)
            if got == variant.answer:
                return Outcome(1.0, "passed", f"Correct: the statement is {expected}.", given=got)
            return Outcome(0.0, "failed", f"You answered {str(got).lower()}; the statement is {expected}.",
                           given=got)

        if variant.kind == "numeric":
            got = _number(value, whole=float(variant.tolerance) == 0 and float(variant.answer).is_integer())
            key = float(variant.answer)
            tol = float(variant.tolerance)
            if abs(got - key) <= tol + match_slack(key):
                return Outcome(1.0, "passed", f"Correct: {format_number(key, tol)}.", given=got)
            miscon = ""
            for m in variant.misconceptions:
                if abs(got - float(m["answer"])) <= tol + match_slack(m["answer"]):
                    miscon = m["feedback"]
                    break
            fraction = 0.0
            near = ""
            # a recognised mistake is wrong however close it lands; only an unexplained slip is "close"
            if partial_credit and tol > 0 and not miscon and abs(got - key) <= PARTIAL_BAND * tol:
                fraction = 0.5
                near = " It is close, so it earns half the points."
            tol_text = f" (tolerance ±{tol:g})" if tol > 0 else " (exact)"
            return Outcome(fraction, "failed",
                           f"You wrote {got:g}; the answer is {format_number(key, tol)}{tol_text}.{near}",
                           misconception=miscon, given=got)

        if variant.kind == "formula":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            try:
                got = read_formula(value, variant.symbols)
            except FormulaError as err:
                raise AnswerError(str(err)) from None
            text = value.strip()
            try:  # the learner's formula is read once; each comparison is one exact polynomial product
                if same(got, key_formula(variant.answer, tuple(variant.symbols))):
                    return Outcome(1.0, "passed", f"Correct: {text} equals {expected}.", given=value)
                miscon = next((m["feedback"] for m in variant.misconceptions
                               if same(got, key_formula(m["answer"], tuple(variant.symbols)))), "")
            except FormulaUndecided as why:
                return Outcome(0.0, "error", f"Your formula {text} could not be compared automatically ({why}); "
                                             "it is flagged for your instructor to check by hand.",
                               given=value, undecided=True)
            return Outcome(0.0, "failed", f"You wrote {text}, which is not equal to {expected}.",
                           misconception=miscon, given=value)
    except AnswerError as err:
        return Outcome(0.0, "error", f"Your answer could not be read: {err}. The answer is {expected}.",
                       given=value if isinstance(value, (str, int, float, bool, list)) else repr(value))
    raise ValueError(f"unknown question kind {variant.kind!r}")
