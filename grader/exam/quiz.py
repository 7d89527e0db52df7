"""Interactive practice: one question at a time, immediate feedback, a hint on request or after a miss.

The loop is written against two callables (``ask`` for input, ``say`` for output) so the terminal
command and the tests drive it the same way. Questions come from the bank where it is installed
(the instructor's grader) and from the handout's practice file otherwise (``.practice``); either
way an answer is scored by the same ``score_answer`` as on an exam sheet.
"""
from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .practice import load_practice
from .scoring import score_answer
from .variant import KIND_LABELS, Variant, derived_rng

HELP = "Type your answer; '?' shows a hint, 's' skips, 'q' quits."


class QuitQuiz(Exception):
    """Raised by an ``ask`` callable when input ends."""


@dataclass
class QuizSummary:
    asked: int = 0
    correct: int = 0
    first_try: int = 0


def _available(q) -> bool:
    """Numeric and formula keys come from ``solutions/``; where it is absent (a learner handout)
    those questions are left out and the conceptual ones remain."""
    if q.kind not in ("numeric", "formula"):
        return True
    try:
        importlib.import_module("solutions")
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] == "solutions":
            return False
        raise
    return True


BANK_MODULE = "grader.exam.bank"  # imported by name: a learner handout does not ship it


def _bank_installed() -> bool:
    return importlib.util.find_spec(BANK_MODULE) is not None


@lru_cache(maxsize=1)
def quiz_topics() -> dict[str, str]:
    """The topics to choose from: the bank's, or the practice file's in a handout."""
    if _bank_installed():
        return dict(importlib.import_module(BANK_MODULE).TOPICS)
    return load_practice()[0]


def pick_questions(topic: str | None, count: int, seed: int) -> list[Variant]:
    """``count`` questions (fewer if the pool is smaller) of ``topic`` (all when None), fixed by ``seed``."""
    rng = derived_rng("quiz", seed, topic or "all")
    if _bank_installed():
        pool = [q for q in importlib.import_module(BANK_MODULE).BANK.values() if (topic is None or q.topic == topic) and _available(q)]
        chosen = rng.sample(pool, min(count, len(pool)))
        return [q.variant(derived_rng("quiz-variant", seed, q.qid)) for q in chosen]
    pool = [v for v in load_practice()[1] if topic is None or v.topic == topic]
    return rng.sample(pool, min(count, len(pool)))


def show(v: Variant, n: int, total: int, say: Callable[[str], None]) -> None:
    say("")
    say(f"Question {n}/{total} · {quiz_topics().get(v.topic, v.topic)} · {KIND_LABELS[v.kind]}")
    say(v.prompt)
    for label, value in v.given:
        say(f"    {label:<10} = {value}")
    for letter, text in v.lettered_choices:
        say(f"  {letter}) {text}")
    say(f"(answer as {v.answer_format})")


def run_quiz(variants: list[Variant], ask: Callable[[str], str], say: Callable[[str], None],
             attempts: int = 2) -> QuizSummary:
    summary = QuizSummary()
    say(HELP)
    try:
        for n, v in enumerate(variants, 1):
            show(v, n, len(variants), say)
            summary.asked += 1
            tries = 0
            hinted = False
            while True:
                raw = ask("> ").strip()
                if raw.lower() in ("q", "quit", "exit"):
                    raise QuitQuiz
                if raw == "?":
                    say(f"Hint: {v.hint}")
                    hinted = True
                    continue
                if raw.lower() in ("s", "skip"):
                    say(f"Skipped. The answer is {v.answer_text()}. {v.explanation}")
                    break
                if raw == "":
                    say(HELP)
                    continue
                out = score_answer(v, raw, partial_credit=True)
                if out.status == "error":
                    say(out.message.split(" The answer is")[0] + " Try again.")
                    continue
                tries += 1
                if out.status == "passed":
                    summary.correct += 1
                    if tries == 1:
                        summary.first_try += 1
                    say(f"Correct! {v.explanation}")
                    break
                feedback = out.misconception or "Not quite."
                if out.fraction > 0:
                    feedback += f" (partly right: {out.fraction:.0%})"
                if tries < attempts:
                    say(f"{feedback} Try again.")
                    if not hinted:
                        say(f"Hint: {v.hint}")
                        hinted = True
                    continue
                say(f"{feedback} The answer is {v.answer_text()}. {v.explanation}")
                break
    except QuitQuiz:
        say("Stopping here.")
    say("")
    say(f"You answered {summary.correct} of {summary.asked} correctly "
        f"({summary.first_try} at the first try).")
    return summary
