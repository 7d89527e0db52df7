"""``grade quiz [TOPIC]``: practise the unit's concepts in the terminal.

This module defines the click command ``quiz``; the main ``grade`` command adds it.
"""
from __future__ import annotations

import secrets

import click

from ..exam.practice import PracticeError
from ..exam.quiz import quiz_topics

try:
    TOPICS = quiz_topics()
except PracticeError as exc:  # a handout built without the practice quiz
    TOPICS, NO_QUIZ = {}, str(exc)
else:
    NO_QUIZ = ""


@click.command(name="quiz")
@click.argument("topic", required=False, type=click.Choice(list(TOPICS), case_sensitive=False))
@click.option("-n", "--count", default=5, show_default=True, type=click.IntRange(1, 100),
              help="How many questions.")
@click.option("--seed", type=int, default=None, help="Repeat a particular quiz (default: a new one each time).")
@click.option("--list-topics", is_flag=True, help="List the topics and exit.")
def quiz(topic: str | None, count: int, seed: int | None, list_topics: bool) -> None:
    """Practise with immediate feedback and hints. TOPIC narrows the questions to one exam-focus point."""
    from ..exam.quiz import QuitQuiz, pick_questions, run_quiz

    if NO_QUIZ:
        raise click.ClickException(NO_QUIZ)
    if list_topics:
        for key, text in TOPICS.items():
            click.echo(f"{key:<14} {text}")
        return
    if seed is None:
        seed = secrets.randbelow(10**9)
    variants = pick_questions(topic.lower() if topic else None, count, seed)

    def ask(prompt: str) -> str:
        try:
            return click.prompt(prompt, default="", show_default=False, prompt_suffix="")
        except (click.Abort, EOFError):
            raise QuitQuiz from None

    click.echo(f"Quiz on {TOPICS[topic.lower()] if topic else 'the whole unit'} (seed {seed}).")
    run_quiz(variants, ask, click.echo)
