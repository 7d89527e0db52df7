"""The question bank as data: one YAML file per topic, validated with pydantic.

A bank folder holds files ``*.yaml`` (read in name order; questions keep their order in the file,
which is the order papers list them in)::

    topic: gru                      # one of the unit's topics (bank.TOPICS)
    questions:
      - id: gru-small-z             # stable: papers, keys and gradebooks refer to it
        kind: single                # single | multi | tf | numeric | formula
        prompt: What happens when z_t is close to 0?
        correct: "h_t ≈ h_{t−1}: the old state is kept"
        wrong: [...]                # distractors; options - 1 of them are drawn per paper
        hint: ...
        explanation: ...
      - id: gru-parts
        kind: multi
        prompt: Which of these belong to a GRU cell?
        right: [...]                # n_right: [2, 3] of them are drawn
        wrong: [...]
      - id: gru-z-tf
        kind: tf
        statements: [{text: ..., true: true, why: ...}]
        hint: ...
      - id: gru-update-gate
        kind: numeric               # numeric and formula keys come from solutions/ through a
        title: Compute a GRU update gate by hand
        generator: gru_update_gate  # named generator (``grade exam bank --generators``)
        tier: 1                     # 1: one step or one idea (default), 2: several steps chained

This module reads and validates the files (:func:`read_folder`); :mod:`.bank` turns the entries into
questions. Errors name the file, the question and the field.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: Id
    tier: Literal[1, 2] = 1


class SingleChoice(_Entry):
    kind: Literal["single"]
    prompt: Text
    correct: Text
    wrong: list[Text] = Field(min_length=1)
    hint: Text
    explanation: Text
    options: int = Field(4, ge=2, le=8)

    @model_validator(mode="after")
    def _distinct(self):
        if self.correct in self.wrong or len(set(self.wrong)) != len(self.wrong):
            raise ValueError("the options must all differ (is the correct answer also listed as wrong?)")
        return self


class MultipleChoice(_Entry):
    kind: Literal["multi"]
    prompt: Text
    right: list[Text] = Field(min_length=1)
    wrong: list[Text] = Field(min_length=1)
    hint: Text
    explanation: Text
    n_right: tuple[int, int] = (2, 3)
    options: int = Field(5, ge=2, le=8)

    @model_validator(mode="after")
    def _sizes(self):
        low, high = self.n_right
        if not 1 <= low <= high:
            raise ValueError("n_right must be [low, high] with 1 ≤ low ≤ high")
        if low > len(self.right):
            raise ValueError(f"n_right asks for at least {low} right options but only {len(self.right)} are listed")
        if set(self.right) & set(self.wrong):
            raise ValueError("an option is listed as both right and wrong")
        if min(high, len(self.right)) >= self.options:
            raise ValueError("every drawn option could be right: raise options or lower n_right")
        return self


class Statement(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    text: Text
    truth: bool = Field(alias="true")
    why: Text


class TrueFalse(_Entry):
    kind: Literal["tf"]
    statements: list[Statement] = Field(min_length=1)
    hint: Text


class Computed(_Entry):
    kind: Literal["numeric", "formula"]
    title: Text
    generator: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]


Entry = Annotated[Union[SingleChoice, MultipleChoice, TrueFalse, Computed], Field(discriminator="kind")]


class TopicFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: Id
    questions: list[Entry] = Field(min_length=1)


class BankFileError(ValueError):
    """A bank folder that cannot be used; ``problems`` lists every error, each naming file and field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _where(data: object, loc: tuple) -> str:
    """A pydantic error location as ``question 3 (gru-parts), wrong.1``."""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        entries = data.get("questions") if isinstance(data, dict) else None
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        qid = entry.get("id") if isinstance(entry, dict) else None
        rest = [str(step) for step in loc[2:] if step not in _KINDS]
        head = f"question {loc[1] + 1}" + (f" ({qid})" if qid else "")
        return head + (f", {'.'.join(rest)}" if rest else "")
    return ".".join(str(step) for step in loc)


_KINDS = ("single", "multi", "tf", "numeric", "formula")


def read_folder(folder: Path) -> list[tuple[Path, TopicFile]]:
    """Every ``*.yaml`` file of ``folder``, validated; raises :class:`BankFileError` listing all problems."""
    files = sorted(folder.glob("*.yaml"))
    if not folder.is_dir() or not files:
        raise BankFileError([f"{folder}: no question files (*.yaml) found"])
    read: list[tuple[Path, TopicFile]] = []
    problems: list[str] = []
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{path.name}: cannot be read ({err})")
            continue
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            problems.append(f"{path.name}: not valid YAML{where}: {getattr(err, 'problem', None) or err}")
            continue
        try:
            read.append((path, TopicFile.model_validate(data)))
        except ValidationError as err:
            for e in err.errors():
                where = _where(data, tuple(e["loc"])) or "the file"
                problems.append(f"{path.name}: {where}: {e['msg']}")
    if problems:
        raise BankFileError(problems)
    return read
