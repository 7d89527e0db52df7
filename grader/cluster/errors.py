"""The errors of cluster grading that stop a batch (a submission's own faults never do)."""
from __future__ import annotations


class ClusterError(RuntimeError):
    """The cluster cannot grade this batch (unreachable, no workers, no progress, wrong versions)."""


class VersionMismatch(ClusterError):
    """A worker runs another grader version or other grading code than the client."""
