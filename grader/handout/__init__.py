"""``grade handout``: build the learner handout (stubs, checker, public fixtures; no references).

This package runs on the instructor's side only and is itself left out of every handout.
"""
from __future__ import annotations

from grader.handout.build import HandoutError, HandoutSummary, build_handout

__all__ = ["HandoutError", "HandoutSummary", "build_handout"]
