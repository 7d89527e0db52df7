"""Papers of equal weight: sections spread over their topics and keep one difficulty tier, twins never
share a paper, and the bank's texts follow the course's notation."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from grader.exam.bank import BANK, TWINS, twins_of
from grader.exam.blueprint import BlueprintError, Learner, build_paper, load_blueprint, parse_blueprint
from grader.exam.variant import derived_rng

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT = ROOT / "samples" / "exam" / "blueprint.yaml"


def sample_papers(n: int = 200):
    blueprint = load_blueprint(BLUEPRINT)
    return [build_paper(blueprint, 2024, Learner(f"l{i:03d}")) for i in range(n)]


def test_every_sample_paper_covers_every_topic_and_section_topics_are_spread():
    for paper in sample_papers():
        topics = Counter(q.variant.topic for q in paper.questions)
        assert set(topics) >= {"why-deep", "bidirectional", "stacked", "gru", "lstm", "gradients",
                               "gru-vs-lstm", "params"}, paper.learner.id
        sections: dict[str, list[str]] = {}
        for q in paper.questions:
            sections.setdefault(q.section, []).append(q.variant.topic)
        assert set(sections["Bidirectional and stacked RNNs"]) == {"bidirectional", "stacked"}
        assert set(sections["Gradients, and choosing a cell"]) == {"gradients", "gru-vs-lstm"}
        assert len(set(sections["Computing by hand"])) == 2


def test_sections_with_a_tier_hold_only_that_tier():
    several = {"gru-full-step", "lstm-full-step"}
    for paper in sample_papers():
        by_hand = [q.variant.qid for q in paper.questions if q.section == "Computing by hand"]
        assert len(by_hand) == 2 and not (set(by_hand) & several)
        assert all(BANK[qid].tier == 1 for qid in by_hand)
        counts = [q.variant.qid for q in paper.questions if q.section == "Parameter counts"]
        assert counts and all(BANK[qid].tier == 2 for qid in counts)


def test_twins_never_share_a_paper_even_across_sections():
    blueprint = parse_blueprint({"title": "twins", "sections": [
        {"questions": ["gru-components", "gru-small-z"], "pick": 1},
        {"questions": ["gru-parts", "lstm-parts", "stacked-hierarchy", "stacked-hierarchies", "stacked-depth"],
         "pick": 2}]})
    seen = Counter()
    for i in range(300):
        qids = {q.variant.qid for q in build_paper(blueprint, 5, Learner(f"s{i}")).questions}
        for group in TWINS:
            assert len(qids & group) <= 1, qids
        seen.update(qids)
    assert seen["gru-parts"] and seen["stacked-hierarchy"] and seen["stacked-hierarchies"]
    assert all(twins_of(q) for group in TWINS for q in group)


def test_a_blueprint_that_needs_twins_together_is_refused():
    with pytest.raises(BlueprintError, match="only 1 questions can be drawn together"):
        parse_blueprint({"title": "t", "sections": [
            {"questions": ["stacked-hierarchy", "stacked-hierarchies"], "pick": 2}]})
    with pytest.raises(BlueprintError, match="'tier' must be one of"):
        parse_blueprint({"title": "t", "sections": [{"topics": ["gru"], "tier": 7, "pick": 1}]})
    with pytest.raises(BlueprintError, match="'one_per_topic' must be true or false"):
        parse_blueprint({"title": "t", "sections": [{"topics": ["gru"], "one_per_topic": "yes", "pick": 1}]})


def test_one_per_topic_with_pick_equal_to_the_topics_gives_exactly_one_each():
    blueprint = parse_blueprint({"title": "t", "sections": [
        {"topics": ["gru", "lstm", "stacked", "gradients"], "one_per_topic": True, "pick": 4}]})
    for i in range(100):
        topics = [q.variant.topic for q in build_paper(blueprint, 1, Learner(f"s{i}")).questions]
        assert sorted(topics) == ["gradients", "gru", "lstm", "stacked"]


def _variants(n: int = 25):
    for q in BANK.values():
        for i in range(n):
            yield q.variant(derived_rng("text", q.qid, i))


def test_texts_follow_the_course_notation():
    for v in _variants():
        texts = [v.prompt, v.explanation, v.hint, *v.choices]
        for text in texts:
            assert not re.search(r"\bA LSTM\b|\ba LSTM\b|\ban GRU\b|\bdoes \d+ stacked", text), (v.qid, text)
            assert "·-" not in text and "+ -" not in text, (v.qid, text)
        assert "**" not in v.explanation and not re.search(r"\d\*[dhL]", v.explanation), (v.qid, v.explanation)
