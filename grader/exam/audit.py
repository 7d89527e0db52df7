"""Proof that the bank's variants discriminate: many draws per question, graded as a learner would be.

For each draw, every catalogued mistake is written the way a learner writes it (a number to four
decimals, a whole count, a formula as text) and scored by :func:`.grading.score_answer` with partial
credit on. A *collision* is a draw in which some mistake is marked correct, earns partial credit, or
is not recognised as itself (its feedback is not the one returned); the key written to three
decimals must earn full marks. ``before`` audits the first candidate draw of each seed (what a bank
that never redraws would print); ``after`` audits the variant papers actually get.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

from .bank import BANK, Question
from .grading import score_answer
from .variant import PARTIAL_BAND, Variant, derived_rng, format_number, match_slack


@dataclass
class Tally:
    """How many of the audited draws had each kind of problem (a draw counts once per kind)."""

    correct: int = 0      # some mistake earned full marks
    partial: int = 0      # some mistake earned part of the points
    in_band: int = 0      # some mistake, graded 0, lies in the partial-credit band (half the points before
                          # a recognised mistake was excluded from partial credit)
    unnamed: int = 0      # some mistake was not recognised as itself
    key_fails: int = 0    # the key, written to three decimals, did not earn full marks
    collisions: int = 0   # draws with any of these problems

    def add(self, problems: set[str]) -> None:
        self.collisions += bool(problems)
        for kind in problems:
            setattr(self, kind, getattr(self, kind) + 1)


@dataclass
class QuestionAudit:
    qid: str
    draws: int
    before: Tally = field(default_factory=Tally)
    after: Tally = field(default_factory=Tally)
    redraws: int = 0      # extra candidate draws needed, summed over the draws
    examples: list[str] = field(default_factory=list)  # a few problems after redrawing, for the report


def written(v: Variant, value) -> str:
    """A value as a learner writes it on the sheet."""
    if v.kind == "formula":
        return str(value)
    return format_number(float(value)) if float(v.tolerance) == 0 else f"{float(value):.4f}"


def problems_of(v: Variant) -> tuple[set[str], list[str]]:
    """The kinds of problem in ``v`` (see :class:`Tally`) and a description of each."""
    return _problems(json.dumps(v.to_dict(), sort_keys=True))


@functools.lru_cache(maxsize=256)
def _problems(fingerprint: str) -> tuple[set[str], list[str]]:
    """Formula variants repeat (one per cell and depth): each distinct variant is audited once."""
    v = Variant.from_dict(json.loads(fingerprint))
    kinds: set[str] = set()
    notes: list[str] = []
    key_text = written(v, v.answer) if v.kind == "formula" or float(v.tolerance) == 0 else f"{float(v.answer):.3f}"
    if score_answer(v, key_text, partial_credit=True).fraction != 1.0:
        kinds.add("key_fails")
        notes.append(f"the key written as {key_text} is not accepted")
    for m in v.misconceptions:
        text = written(v, m["answer"])
        out = score_answer(v, text, partial_credit=True)
        name = m.get("id") or m["feedback"][:40]
        if out.fraction == 1.0:
            kinds.add("correct")
            notes.append(f"{name}: {text} is marked correct")
        elif out.fraction > 0:
            kinds.add("partial")
            notes.append(f"{name}: {text} earns {out.fraction:.0%}")
        elif v.kind == "numeric" and float(v.tolerance) > 0 and \
                abs(float(text) - float(v.answer)) <= PARTIAL_BAND * float(v.tolerance) + match_slack(v.answer):
            kinds.add("in_band")
            notes.append(f"{name}: {text} lies in the partial-credit band")
        elif out.misconception != m["feedback"]:
            kinds.add("unnamed")
            notes.append(f"{name}: {text} is not recognised as this mistake")
    return kinds, notes


def audit_question(q: Question, draws: int, seed: int = 0) -> QuestionAudit:
    report = QuestionAudit(q.qid, draws)
    for i in range(draws):
        first = q.draw(derived_rng("audit", seed, q.qid, i))
        report.before.add(problems_of(first)[0])
        rng = derived_rng("audit", seed, q.qid, i)
        v = q.variant(rng)
        again = derived_rng("audit", seed, q.qid, i)
        while q.draw(again).to_dict() != v.to_dict():
            report.redraws += 1
        kinds, notes = problems_of(v)
        report.after.add(kinds)
        if notes and len(report.examples) < 3:
            report.examples.append(f"draw {i}: " + "; ".join(notes))
    return report


def audit_bank(draws: int, seed: int = 0, qids: list[str] | None = None) -> list[QuestionAudit]:
    """Audit every numeric and formula question (or ``qids``) over ``draws`` draws each."""
    chosen = [BANK[qid] for qid in qids] if qids else [q for q in BANK.values() if q.kind in ("numeric", "formula")]
    return [audit_question(q, draws, seed) for q in chosen]
