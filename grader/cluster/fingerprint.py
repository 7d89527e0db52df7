"""What a worker must share with the client: the grader's version and a hash of its grading code."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Fingerprint:
    """``version``: the package version; ``grading_code``: ``batch.suite_hash`` over every check."""

    version: str
    grading_code: str

    def __str__(self) -> str:
        return f"deep-rnn-grader {self.version} (grading code {self.grading_code})"


@lru_cache(maxsize=1)
def grader_fingerprint() -> Fingerprint:
    """This process's fingerprint (computed once: it reads the suites, references and judge)."""
    from grader import __version__
    from grader.batch import suite_hash
    from grader.suites import all_checks

    return Fingerprint(__version__, suite_hash(all_checks()))


def mismatch_message(worker: str, found: Fingerprint, expected: Fingerprint) -> str:
    """The error a mismatched worker reports, saying what to do about it."""
    return (f"worker {worker} runs {found}, the client runs {expected}: every worker must have the same "
            f"grader installed as the client (pip install the same deep-rnn-grader {expected.version} "
            "from the same source), so that a result never depends on the machine that graded it")
