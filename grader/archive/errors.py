"""The one error type the archive package raises."""
from __future__ import annotations


class ArchiveError(Exception):
    """A submission archive or manifest was rejected.

    ``code`` is a short stable identifier for the kind of problem (``"traversal"``,
    ``"symlink"``, ``"tampered"``, ...) so callers and tests need not match on wording;
    ``str(error)`` is the message for humans: what is wrong and what to do about it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0])
