"""Exam blueprints (YAML) and rosters (CSV), and the deterministic choice of questions per learner.

A blueprint lists sections. Each section draws ``pick`` questions from a pool, which is either an
explicit list of question ids or the bank filtered by ``topics`` and/or ``kinds``::

    title: Deep recurrent networks, unit exam
    duration_minutes: 45
    instructions: Answer every question on the answer sheet.
    sections:
      - title: GRU gates
        topics: [gru]
        kinds: [numeric]
        pick: 2
        points: 2
        partial_credit: true

``tier`` (a number or a list, see ``bank.TIERS``: 1 = one step or one idea, 2 = several steps
chained) keeps only questions of that difficulty in the pool, so every learner's section weighs the
same. ``one_per_topic: true`` spreads a section's questions over its topics: every topic gets one
question before any topic gets a second (with ``pick`` equal to the number of topics, exactly one
each). Questions that cue each other (``bank.TWINS``) never share a paper.

``partial_credit`` (default false) allows part marks where a kind supports them: a multiple-choice
answer earns (right picks − wrong picks) / (number of right options), never below zero; a numeric
answer with a non-zero tolerance earns half the points when it is within ten times the tolerance
and matches no catalogued mistake.
Single choice, true/false, exact counts and formulas are all-or-nothing.

Blueprints are read with ``yaml.safe_load`` only.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .bank import BANK, TIERS, TOPICS, Question, twins_of
from .variant import KINDS, Variant, derived_rng

LEARNER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


class BlueprintError(ValueError):
    """The blueprint or roster is not usable; the message says what to fix."""


@dataclass
class Section:
    title: str
    pool: list[str]
    pick: int
    points: float = 1.0
    partial_credit: bool = False
    one_per_topic: bool = False


@dataclass
class Blueprint:
    title: str
    sections: list[Section]
    course: str = ""
    duration_minutes: int | None = None
    instructions: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """SHA-256 of the blueprint's content (key order and formatting do not matter)."""
        text = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def total_points(self) -> float:
        return sum(s.pick * s.points for s in self.sections)


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise BlueprintError(message)


def parse_blueprint(data: Any, source: str = "blueprint") -> Blueprint:
    _require(isinstance(data, dict), f"{source}: the top level must be a mapping with 'title' and 'sections'")
    title = data.get("title")
    _require(isinstance(title, str) and title.strip() != "", f"{source}: 'title' must be a non-empty text")
    sections_raw = data.get("sections")
    _require(isinstance(sections_raw, list) and sections_raw, f"{source}: 'sections' must be a non-empty list")
    duration = data.get("duration_minutes")
    _require(duration is None or (isinstance(duration, int) and not isinstance(duration, bool) and duration > 0),
             f"{source}: 'duration_minutes' must be a positive whole number")
    sections: list[Section] = []
    claimed: set[str] = set()
    for n, sec in enumerate(sections_raw, 1):
        where = f"{source}: section {n}"
        _require(isinstance(sec, dict), f"{where} must be a mapping")
        unknown = set(sec) - {"title", "questions", "topics", "kinds", "tier", "pick", "points", "partial_credit",
                              "one_per_topic"}
        _require(not unknown, f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if "questions" in sec:
            ids = sec["questions"]
            _require(isinstance(ids, list) and all(isinstance(i, str) for i in ids) and ids,
                     f"{where}: 'questions' must be a non-empty list of question ids")
            missing = [i for i in ids if i not in BANK]
            _require(not missing, f"{where}: unknown question id(s) {', '.join(missing)}")
            pool = list(dict.fromkeys(ids))
        else:
            topics = sec.get("topics")
            kinds = sec.get("kinds")
            if topics is not None:
                _require(isinstance(topics, list) and all(t in TOPICS for t in topics),
                         f"{where}: 'topics' must list topics from: {', '.join(TOPICS)}")
            if kinds is not None:
                _require(isinstance(kinds, list) and all(k in KINDS for k in kinds),
                         f"{where}: 'kinds' must list kinds from: {', '.join(KINDS)}")
            pool = [q.qid for q in BANK.values()
                    if (topics is None or q.topic in topics) and (kinds is None or q.kind in kinds)]
        tiers = sec.get("tier")
        if tiers is not None:
            tiers = tiers if isinstance(tiers, list) else [tiers]
            _require(all(t in TIERS for t in tiers),
                     f"{where}: 'tier' must be one of {', '.join(f'{k} ({v})' for k, v in TIERS.items())}")
            pool = [q for q in pool if BANK[q].tier in tiers]
        pool = [q for q in pool if q not in claimed]
        pick = sec.get("pick", _independent(pool, set()))
        _require(isinstance(pick, int) and not isinstance(pick, bool) and pick >= 1,
                 f"{where}: 'pick' must be a positive whole number")
        free = _independent(pool, claimed)
        _require(pick <= free, f"{where}: 'pick' is {pick} but only {free} questions can be drawn together "
                               "(questions used by earlier sections, and questions that cue another in the "
                               "pool or in an earlier section, are not counted)")
        one_per_topic = sec.get("one_per_topic", False)
        _require(isinstance(one_per_topic, bool), f"{where}: 'one_per_topic' must be true or false")
        points = sec.get("points", 1)
        _require(isinstance(points, (int, float)) and not isinstance(points, bool) and points > 0,
                 f"{where}: 'points' must be a positive number")
        partial = sec.get("partial_credit", False)
        _require(isinstance(partial, bool), f"{where}: 'partial_credit' must be true or false")
        stitle = sec.get("title", f"Section {n}")
        _require(isinstance(stitle, str), f"{where}: 'title' must be text")
        claimed.update(pool)
        sections.append(Section(stitle, pool, pick, float(points), partial, one_per_topic))
    instructions = data.get("instructions", "")
    _require(isinstance(instructions, str), f"{source}: 'instructions' must be text")
    course = data.get("course", "")
    _require(isinstance(course, str), f"{source}: 'course' must be text")
    return Blueprint(title.strip(), sections, course, duration, instructions.strip(), data)


def _independent(pool: list[str], earlier: set[str]) -> int:
    """How many questions of ``pool`` can share a paper, whatever earlier sections drew from ``earlier``:
    a question with a twin among ``earlier`` may be blocked, and one twin group counts once."""
    usable = [q for q in pool if not (twins_of(q) & earlier)]
    groups = {frozenset({q} | twins_of(q)) for q in usable}
    return len(groups)


def load_blueprint(path: str | Path) -> Blueprint:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise BlueprintError(f"{path}: not valid YAML ({err})") from None
    except OSError as err:
        raise BlueprintError(f"{path}: cannot read ({err.strerror})") from None
    return parse_blueprint(data, str(path))


@dataclass
class Learner:
    id: str
    name: str = ""


def load_roster(path: str | Path) -> list[Learner]:
    """A CSV with a header row and an ``id`` column (``name`` optional)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise BlueprintError(f"{path}: cannot read ({err.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    _require("id" in fields, f"{path}: the header must have an 'id' column (found: {', '.join(fields) or 'none'})")
    learners: list[Learner] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        lid = row.get("id", "")
        if not lid:
            continue
        _require(bool(LEARNER_ID.match(lid)),
                 f"{path}, line {line}: learner id {lid!r} may use only letters, digits, '.', '_' and '-'")
        _require(lid not in seen, f"{path}, line {line}: duplicate learner id {lid!r}")
        seen.add(lid)
        learners.append(Learner(lid, row.get("name", "")))
    _require(bool(learners), f"{path}: no learners listed")
    return learners


@dataclass
class PaperQuestion:
    label: str
    section: str
    points: float
    partial_credit: bool
    variant: Variant

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "section": self.section, "points": self.points,
                "partial_credit": self.partial_credit, "variant": self.variant.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PaperQuestion":
        return cls(data["label"], data["section"], float(data["points"]), bool(data["partial_credit"]),
                   Variant.from_dict(data["variant"]))


@dataclass
class Paper:
    """One learner's exam: the chosen questions, their variants and everything needed to grade them."""

    exam: str
    seed: int
    learner: Learner
    paper_id: str
    blueprint_sha256: str
    questions: list[PaperQuestion]
    course: str = ""
    duration_minutes: int | None = None
    instructions: str = ""

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)

    def to_key(self) -> dict[str, Any]:
        return {
            "format": "deep-rnn-exam-key/1",
            "exam": self.exam, "course": self.course, "seed": self.seed,
            "learner": self.learner.id, "name": self.learner.name, "paper_id": self.paper_id,
            "blueprint_sha256": self.blueprint_sha256, "duration_minutes": self.duration_minutes,
            "instructions": self.instructions, "total_points": self.total_points,
            "questions": [q.to_dict() for q in self.questions],
        }

    @classmethod
    def from_key(cls, data: dict[str, Any]) -> "Paper":
        if not isinstance(data, dict) or data.get("format") != "deep-rnn-exam-key/1":
            raise BlueprintError("not an exam key file (format deep-rnn-exam-key/1 expected)")
        return cls(
            exam=data["exam"], seed=int(data["seed"]), learner=Learner(data["learner"], data.get("name", "")),
            paper_id=data["paper_id"], blueprint_sha256=data["blueprint_sha256"],
            questions=[PaperQuestion.from_dict(q) for q in data["questions"]],
            course=data.get("course", ""), duration_minutes=data.get("duration_minutes"),
            instructions=data.get("instructions", ""),
        )


def _draw(section: Section, rng, on_paper: set[str]) -> set[str]:
    """``section.pick`` questions of the pool in a random order, skipping twins of questions already
    on the paper; with ``one_per_topic``, round by round over the topics (in a random order)."""
    order = rng.sample(section.pool, len(section.pool))
    topics = list(dict.fromkeys(BANK[q].topic for q in order))
    picked: set[str] = set()

    def fits(q: str) -> bool:
        return q not in picked and not (twins_of(q) & (on_paper | picked))

    while len(picked) < section.pick:
        before = len(picked)
        for topic in topics if section.one_per_topic else [None]:
            for q in order:
                if len(picked) < section.pick and (topic is None or BANK[q].topic == topic) and fits(q):
                    picked.add(q)
                    if topic is not None:
                        break
        if len(picked) == before:
            raise BlueprintError(f"section {section.title!r}: only {len(picked)} of {section.pick} questions "
                                 "can be drawn without twins")
    return picked


def build_paper(blueprint: Blueprint, seed: int, learner: Learner) -> Paper:
    """The learner's paper: a pure function of (blueprint, seed, learner id)."""
    chosen: list[PaperQuestion] = []
    n = 0
    on_paper: set[str] = set()
    for s_index, section in enumerate(blueprint.sections):
        rng = derived_rng("section", seed, learner.id, s_index)
        picked = _draw(section, rng, on_paper)
        on_paper |= picked
        for qid in section.pool:  # keep bank order inside a section
            if qid not in picked:
                continue
            n += 1
            question: Question = BANK[qid]
            variant = question.variant(derived_rng("variant", seed, learner.id, qid))
            chosen.append(PaperQuestion(f"Q{n}", section.title, section.points, section.partial_credit, variant))
    # a letter first, so that YAML never reads an unquoted paper id as a number
    paper_id = "p" + hashlib.sha256(f"{blueprint.digest}:{seed}:{learner.id}".encode()).hexdigest()[:11]
    return Paper(blueprint.title, seed, learner, paper_id, blueprint.digest, chosen, blueprint.course,
                 blueprint.duration_minutes, blueprint.instructions)
