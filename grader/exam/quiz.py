"""Interactive practice: one question at a time, immediate feedback, a hint on request or after a miss.

The loop is written against two callables (``ask`` for input, ``say`` for output) so the terminal
command and the tests drive it the same way.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from .bank import BANK, TOPICS
from .grading import score_answer
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


def pick_questions(topic: str | None, count: int, seed: int) -> list[Variant]:
    pool = [q for q in BANK.values() if (topic is None or q.topic == topic) and _available(q)]
    rng = derived_rng("quiz", seed, topic or "all")
    chosen = rng.sample(pool, min(count, len(pool)))
    return [q.variant(derived_rng("quiz-variant", seed, q.qid)) for q in chosen]


def show(v: Variant, n: int, total: int, say: Callable[[str], None]) -> None:
    say("")
    say(f"Question {n}/{total} · {TOPICS[v.topic]} · {KIND_LABELS[v.kind]}")
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
