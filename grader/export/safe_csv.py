"""CSV cells a spreadsheet never runs: every CSV the platform writes goes through :func:`writer`.

OWASP's CSV-injection guidance: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return may be read as a formula by Excel, LibreOffice or Google Sheets, so such a text
cell gets a leading ``'``. Numbers the grader wrote itself (scores, seeds) are passed as ``int`` or
``float`` and left alone, so a spreadsheet still reads them as numbers.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading ``'`` if it is text that a spreadsheet could take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every text cell passes through :func:`safe_cell`."""

    def __init__(self, stream: TextIO, **options: Any) -> None:
        options.setdefault("lineterminator", "\r\n")  # RFC 4180; and a CR inside a cell is then quoted
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: TextIO, **options: Any) -> SafeWriter:
    return SafeWriter(stream, **options)
