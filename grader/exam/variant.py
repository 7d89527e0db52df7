"""One concrete instance of a bank question (a *variant*), and the seeded randomness behind it.

A variant holds everything needed to print the question and to grade it: the prompt, the given
numbers, the shuffled choices and the answer in the shuffled order. It round-trips through the JSON
key file, so a key alone is enough to grade a sheet.
"""
from __future__ import annotations

import dataclasses
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["single", "multi", "tf", "numeric", "formula"]
KINDS: tuple[str, ...] = ("single", "multi", "tf", "numeric", "formula")
KIND_LABELS = {
    "single": "single choice",
    "multi": "multiple choice",
    "tf": "true / false",
    "numeric": "numeric",
    "formula": "formula",
}
LETTERS = "ABCDEFGH"
PARTIAL_BAND = 10  # with partial credit, a numeric answer within 10 × tolerance of the key earns half


def match_slack(value: float) -> float:
    """Rounding slack added to every numeric comparison with ``value``."""
    return 1e-9 * max(1.0, abs(float(value)))


def derived_rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``parts`` through SHA-256, identical on every platform."""
    text = "\x1f".join(str(p) for p in parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class Variant:
    """A question as one learner sees it.

    ``answer`` depends on ``kind``: ``single`` a letter (``"B"``), ``multi`` a sorted list of
    letters, ``tf`` a bool, ``numeric`` a float, ``formula`` the expected expression as text in
    the formula grammar of :mod:`grader.formula` (read back with the same whitelist parser).
    ``misconceptions`` are wrong answers with targeted feedback (numeric and formula kinds), each a
    dict ``{"answer", "feedback", "id"}`` (``id`` names the catalogued mistake; keys written before it
    existed have none).
    """

    qid: str
    topic: str
    kind: Kind
    prompt: str
    given: list[list[str]] = field(default_factory=list)  # [label, value] rows
    choices: list[str] = field(default_factory=list)
    answer: Any = None
    tolerance: float = 0.0
    symbols: list[str] = field(default_factory=list)
    misconceptions: list[dict[str, Any]] = field(default_factory=list)
    hint: str = ""
    explanation: str = ""
    answer_format: str = ""  # how to write the answer on the sheet

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Variant":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def lettered_choices(self) -> list[tuple[str, str]]:
        return list(zip(LETTERS, self.choices))

    def answer_text(self) -> str:
        """The correct answer as a person would read it (for keys, feedback and exports)."""
        if self.kind == "single":
            return f"{self.answer}) {self.choices[LETTERS.index(self.answer)]}"
        if self.kind == "multi":
            return ", ".join(self.answer)
        if self.kind == "tf":
            return "true" if self.answer else "false"
        if self.kind == "numeric":
            return format_number(self.answer, self.tolerance)
        return str(self.answer)


def format_number(value: float, tolerance: float = 0.0) -> str:
    """A number printed to the precision its tolerance implies (integers stay integers)."""
    if float(value).is_integer() and tolerance < 1e-12:
        return str(int(value))
    return f"{value:.4f}"
