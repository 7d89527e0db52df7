"""The practice quiz a learner handout carries: the bank's conceptual questions as data, no bank.

A handout ships neither the question bank nor ``solutions/``, so ``grade handout`` writes the
conceptual questions (single and multiple choice, true/false) as variants into
``practice_quiz.json`` beside this module, with the topic names; ``grade quiz`` in the handout
reads them back. Numeric and formula questions stay out: their keys are computed from
``solutions/``. The answers are in the file by necessity (the quiz gives immediate feedback), so
an instructor who reuses these questions on a graded exam builds the handout with ``--no-quiz``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .variant import Variant, derived_rng

FORMAT = 1
PRACTICE_FILE = Path(__file__).resolve().with_name("practice_quiz.json")
CONCEPTUAL_KINDS = ("single", "multi", "tf")


class PracticeError(RuntimeError):
    """The practice quiz file is missing or not one this grader wrote."""


def practice_document(questions: list[Any], topics: dict[str, str]) -> dict[str, Any]:
    """The file's content: one variant per conceptual question of ``questions`` (bank questions)."""
    chosen = [q for q in questions if q.kind in CONCEPTUAL_KINDS]
    return {"format": FORMAT, "topics": dict(topics),
            "questions": [q.variant(derived_rng("practice", q.qid)).to_dict() for q in chosen]}


def write_practice(path: Path, questions: list[Any], topics: dict[str, str]) -> int:
    """Write the practice file to ``path``; returns how many questions it holds."""
    document = practice_document(questions, topics)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(document["questions"])


def load_practice(path: Path = PRACTICE_FILE) -> tuple[dict[str, str], list[Variant]]:
    """The topics and the variants of a practice file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PracticeError("this handout has no practice quiz (it was built with --no-quiz)") from None
    except (OSError, ValueError) as exc:
        raise PracticeError(f"the practice quiz file {path} cannot be read ({exc}); get a fresh handout") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PracticeError(f"the practice quiz file {path} is from another version; get a fresh handout")
    return dict(document["topics"]), [Variant.from_dict(q) for q in document["questions"]]
