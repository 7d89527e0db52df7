"""Importing this module loads every misconception variant (``variants.variant_modules``).

The grading pool's fork server imports it before forking workers (``grader.pool``), so each worker
starts with all variants in memory instead of writing and importing them on its first buggy
submission (~0.4 s of CPU per worker). Elsewhere, variants keep loading lazily, one by one.
"""
from __future__ import annotations

from grader.misconceptions import all_misconceptions
from grader.misconceptions.variants import variant_modules

LOADED = {m.id: variant_modules(m) for m in all_misconceptions()}
