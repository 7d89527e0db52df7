"""Jupyter notebooks: the handout notebook's cells and the in-kernel checker.

- ``cells``: which cell holds which exercise module, and reading a learner's ``.ipynb`` for grading
  (never executed in the trusted process).
- ``kernel``: ``%load_ext grader.notebook`` registers the ``%%exercise`` cell magic; ``check("gru")``
  grades the cells run so far on the public checks, with the same feedback as ``grade check``.
"""
from __future__ import annotations

from grader.notebook.kernel import CheckReport, check, load_ipython_extension

__all__ = ["CheckReport", "check", "load_ipython_extension"]
