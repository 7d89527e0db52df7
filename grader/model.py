"""The one result model. Every rendering (terminal, HTML, Markdown, JSON, exports) reads these.

A ``CheckResult`` is one named check on one function; a ``SubmissionResult`` is everything one
learner got in one grading run. Exams reuse the same model (``exercise="exam"``, ``function`` = the
question id), so reports, gradebook and exports need no second code path.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Status = Literal["passed", "failed", "error"]
Visibility = Literal["public", "hidden"]


@dataclass
class CheckResult:
    """Outcome of one check.

    ``status`` is ``passed`` (full marks), ``failed`` (the learner's output was wrong or partly
    wrong) or ``error`` (it could not be evaluated: missing function, crash, timeout, bad type).
    ``message`` is learner-facing text, already in the order DESIGN.md asks for.
    ``details`` carries structured extras for renderers (mismatch location, misconception id,
    per-time-step error curves). ``to_dict`` makes it strictly JSON-safe whatever it holds:
    NaN and infinities become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``, NumPy
    scalars and arrays plain numbers and lists, and keys strings.
    """

    exercise: str
    function: str
    name: str
    score: float
    max_score: float
    status: Status
    message: str = ""
    visibility: Visibility = "public"
    seed: int | None = None
    hint: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def check_id(self) -> str:
        return f"{self.exercise}.{self.function}: {self.name}"

    def to_dict(self) -> dict[str, Any]:
        """The fields as a new dict, as ``dataclasses.asdict`` makes it (``details`` copied, not shared)."""
        return {"exercise": self.exercise, "function": self.function, "name": self.name, "score": self.score,
                "max_score": self.max_score, "status": self.status, "message": self.message,
                "visibility": self.visibility, "seed": self.seed, "hint": self.hint,
                "details": _plain(self.details)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CheckResult":
        return cls(**{k: v for k, v in data.items() if k in _CHECK_FIELDS})


@dataclass
class SubmissionResult:
    """Everything one learner got in one grading run."""

    learner: str
    checks: list[CheckResult] = field(default_factory=list)
    seed: int | None = None
    graded_at: str = ""
    duration_s: float = 0.0
    grader_version: str = ""
    sandbox: dict[str, str] = field(default_factory=dict)  # layer -> "active" / why not
    notes: list[str] = field(default_factory=list)  # submission-level messages (e.g. hidden suites skipped)
    exercise_notes: dict[str, list[str]] = field(default_factory=dict)  # exercise -> notes for its top

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 6)

    def by_exercise(self) -> dict[str, list[CheckResult]]:
        groups: dict[str, list[CheckResult]] = {}
        for check in self.checks:
            groups.setdefault(check.exercise, []).append(check)
        return groups

    def to_dict(self) -> dict[str, Any]:
        """The fields as a new dict (as ``dataclasses.asdict`` makes it), plus ``score`` and ``max_score``."""
        return {"learner": self.learner, "checks": [c.to_dict() for c in self.checks], "seed": self.seed,
                "graded_at": self.graded_at, "duration_s": self.duration_s, "grader_version": self.grader_version,
                "sandbox": _plain(self.sandbox), "notes": _plain(self.notes),
                "exercise_notes": _plain(self.exercise_notes),
                "score": self.score, "max_score": self.max_score}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SubmissionResult":
        result = cls(**{k: v for k, v in data.items() if k in _SUBMISSION_FIELDS})
        result.checks = [CheckResult.from_dict(c) for c in data.get("checks", [])]
        return result


_CHECK_FIELDS = frozenset(f.name for f in dataclasses.fields(CheckResult))
_SUBMISSION_FIELDS = frozenset(f.name for f in dataclasses.fields(SubmissionResult)) - {"checks"}
_ATOMIC = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """A copy of ``value`` as ``dataclasses.asdict`` copies a field's value, minus its overhead on the
    JSON-like trees results hold (dicts, lists and tuples rebuilt, atoms shared, the rest
    deep-copied), and strictly JSON-safe: what a strict encoder (``allow_nan=False``) accepts."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else json_text_of(value)
    if kind in _ATOMIC:
        return value
    if kind is dict:
        return {(k if type(k) is str else str(k)): _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    if kind is tuple:
        return tuple([_plain(v) for v in value])
    if isinstance(value, (np.generic, np.ndarray)):
        return _plain(value.tolist())
    if isinstance(value, float):  # a float subclass
        return _plain(float(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):  # a dict subclass, as asdict keeps it
        return kind((_plain(k), _plain(v)) for k, v in value.items())
    return copy.deepcopy(value)


def json_text_of(number: float) -> str:
    """How a non-finite float is recorded in JSON: ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``."""
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def json_safe(value: Any) -> Any:
    """``value`` (a tree of dicts, lists and atoms) made strictly JSON-safe, as ``to_dict`` does."""
    return _plain(value)


def require_finite_scores(result: SubmissionResult) -> None:
    """Raise ``ValueError`` unless every check's score and max_score is a finite number: anything
    else is a grader fault, never a grade to record."""
    for check in result.checks:
        for value in (check.score, check.max_score):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"check {check.check_id!r} has a score that is not a finite number "
                                 f"({check.score!r} of {check.max_score!r})")
