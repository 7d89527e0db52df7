"""Text that may come from a learner, made safe for the format it is rendered in.

Learner code controls parts of what reports show: exception messages, printed names, archive
entry names. Every template environment passes each ``{{ value }}`` through one of these (as
jinja2's ``finalize``), so no template can forget:

- ``plain_text``: control characters removed (ANSI escape sequences lose their ESC and cannot
  recolour or rewrite a terminal; NUL, carriage returns and the bidirectional overrides that make
  text read differently than it is stored are dropped). Tabs and newlines stay.
- ``markdown_text``: ``plain_text``, then ``&``, ``<`` and ``>`` as HTML entities (no raw HTML,
  ``<script>`` or autolink reaches a Markdown viewer) and the characters that make links, images,
  code spans, bold, table cells and headings backslash-escaped, so the text renders as written
  (``_`` is left alone: the course's ``h_prev`` stays readable, and within a word it emphasises nothing).
- HTML and XML are escaped by jinja2's autoescaping; ``plain_text`` runs first.
"""
from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*\[\]|#])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_SPECIAL = re.compile("[&<>]")


def plain_text(value: Any) -> str:
    """``value`` as text without control characters (tabs and newlines kept)."""
    return _CONTROL.sub("", value if type(value) is str else str(value))


def capped_text(value: Any, limit: int) -> str:
    """``plain_text(value)``, cut to at most ``limit`` characters (and a mark saying so)."""
    text = plain_text(value)
    return text if len(text) <= limit else text[:limit] + " … (cut)"


def markdown_text(value: Any) -> str:
    """``value`` as Markdown that renders as the text itself: no HTML, links or formatting of its own."""
    text = plain_text(value)
    text = _HTML_SPECIAL.sub(lambda m: _ENTITIES[m.group()], text)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


class Painted(str):
    """Text a template filter has already made safe for a terminal (e.g. coloured it): kept as is."""


def finalize_for(markup: str):
    """The jinja2 ``finalize`` for ``markup`` (``"html"``, ``"markdown"``, ``"terminal"``, ``"text"``)."""
    if markup == "markdown":
        return lambda value: value if isinstance(value, Markup) else markdown_text(value)
    if markup == "terminal":
        return lambda value: value if isinstance(value, Painted) else plain_text(value)
    if markup == "html":
        return lambda value: value if isinstance(value, Markup) or type(value) in (int, float) else plain_text(value)
    return None
