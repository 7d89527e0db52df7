"""Submission archives: packing a learner's files with a manifest, and vetting untrusted ones.

``pack_submission`` (learner side) writes a zip of the catalogue exercise files plus
``MANIFEST.json`` (learner, time, grader version, SHA-256 and size of every file).
``extract_submission`` (grader side) treats every archive as hostile and extracts only a fully
vetted one, into a fresh private directory.
"""
from __future__ import annotations

from .errors import ArchiveError
from .extract import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    ExtractedSubmission,
    extract_submission,
    read_submission,
)
from .manifest import (
    MANIFEST_NAME,
    build_manifest,
    is_safe_learner_id,
    parse_manifest,
    validate_manifest,
    verify_manifest,
)
from .pack import PackResult, pack_submission

__all__ = [
    "DEFAULT_LIMITS",
    "MANIFEST_NAME",
    "ArchiveError",
    "ArchiveLimits",
    "ExtractedSubmission",
    "PackResult",
    "build_manifest",
    "extract_submission",
    "is_safe_learner_id",
    "pack_submission",
    "parse_manifest",
    "read_submission",
    "validate_manifest",
    "verify_manifest",
]
