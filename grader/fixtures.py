"""Public check fixtures: inputs and expected outputs computed once, so a handout needs no ``solutions/``.

A fixture folder holds ``index.json`` (format version, grader version, and per public check its
metadata, seed, data file and SHA-256) plus one data file per check in the sandbox's wire format
(JSON header and raw buffers: no pickle, nothing evaluated). ``grade handout`` writes it from the
references; ``FixtureSet`` reads it back and serves as the engine's preparer, so a learner's local
``grade check`` runs the same judge and feedback as the full grader on the stored cases.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader import __version__
from grader.judge import Prepared
from grader.sandbox import wire
from grader.suites.base import Check, Tolerance

FORMAT = 1
INDEX_NAME = "index.json"
DEFAULT_DIR = Path(__file__).resolve().parent / "public_fixtures"
MAX_FIXTURE_BYTES = 16 * 1024 * 1024


class FixtureError(RuntimeError):
    """A fixture folder that is missing, from another format, or altered since it was built."""


def _fixed_inputs(rng: np.random.Generator) -> tuple:
    raise FixtureError("a fixture check has stored inputs; it cannot draw new ones")


def _tuples(value: Any) -> Any:
    """JSON turns tuples into lists; check metadata (``outputs``, ``axes``) wants tuples back."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def check_metadata(check: Check) -> dict[str, Any]:
    """Everything about ``check`` that feedback needs, as JSON (not its input generator)."""
    return {
        "id": check.check_id, "exercise": check.exercise, "function": check.function, "name": check.name,
        "points": check.points, "kind": check.kind, "outputs": list(check.outputs),
        "axes": {k: list(v) for k, v in check.axes.items()},
        "tolerance": {"atol": check.tolerance.atol, "rtol": check.tolerance.rtol},
        "forbid_fp_warnings": check.forbid_fp_warnings, "hint": check.hint, "chart": check.chart,
        "judges_arguments": check.judges_arguments,
    }


def check_from_metadata(entry: dict[str, Any]) -> Check:
    """Rebuild a public ``Check`` from its index entry; its inputs come from the data file."""
    return Check(entry["exercise"], entry["function"], entry["name"], entry["points"], _fixed_inputs,
                 visibility="public", kind=entry["kind"], outputs=_tuples(entry["outputs"]),
                 axes={k: tuple(v) for k, v in entry["axes"].items()},
                 tolerance=Tolerance(**entry["tolerance"]), forbid_fp_warnings=entry["forbid_fp_warnings"],
                 hint=entry["hint"], chart=str(entry.get("chart", "")),
                 judges_arguments=bool(entry.get("judges_arguments", False)))


def write_fixtures(prepared: list[Prepared], out_dir: Path,
                   diagnosis: Callable[[Prepared], dict[str, Any]] | None = None) -> Path:
    """Write ``prepared`` (public checks only, expected values already computed) to ``out_dir``.

    ``diagnosis`` (trusted side: ``grader.diagnose.stored_diagnosis``) gives the evidence a failing
    check is explained with, stored beside its cases: probes and misconceptions' outputs, no code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for number, item in enumerate(prepared, start=1):
        if item.check.visibility != "public":
            raise FixtureError(f"{item.check.check_id} is a hidden check; only public checks get fixtures")
        body = {"cases": item.cases, "expected": item.expected}
        if diagnosis is not None:
            body["diagnosis"] = diagnosis(item)
        data = wire.encode(body)
        name = f"{number:03d}-{item.check.exercise}-{item.check.function}.wire"
        (out_dir / name).write_bytes(data)
        entries.append({**check_metadata(item.check), "seed": item.seed, "file": name,
                        "sha256": hashlib.sha256(data).hexdigest()})
    index = {"format": FORMAT, "grader_version": __version__, "checks": entries}
    (out_dir / INDEX_NAME).write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out_dir


@dataclass
class FixtureSet:
    """The public checks of a fixture folder, usable as ``grade_submission(..., preparer=fixtures)``."""

    folder: Path
    entries: dict[str, dict[str, Any]]
    grader_version: str

    @classmethod
    def load(cls, folder: Path = DEFAULT_DIR) -> "FixtureSet":
        index_path = Path(folder) / INDEX_NAME
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FixtureError(f"no public check fixtures at {folder}: this grader has neither solutions/ "
                               "nor fixtures; rebuild the handout with `grade handout`") from None
        except ValueError as exc:
            raise FixtureError(f"{index_path} is not valid JSON: {exc}") from None
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise FixtureError(f"{index_path} has fixture format {index.get('format')!r}; "
                               f"this grader reads format {FORMAT}")
        entries = {entry["id"]: entry for entry in index["checks"]}
        return cls(Path(folder), entries, str(index.get("grader_version", "")))

    def checks(self, exercises: list[str] | None = None) -> list[Check]:
        """The stored public checks, in stored (catalogue) order, for ``exercises`` (default: all)."""
        wanted = set(exercises) if exercises is not None else None
        return [check_from_metadata(e) for e in self.entries.values()
                if wanted is None or e["exercise"] in wanted]

    def seed_of(self, check: Check) -> int:
        return int(self._entry(check)["seed"])

    def __call__(self, check: Check, seed: int) -> Prepared:
        """The engine's preparer: stored cases and expected values; ``seed`` is ignored (inputs are fixed)."""
        entry = self._entry(check)
        data = (self.folder / Path(entry["file"]).name).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise FixtureError(f"the fixture file {entry['file']} was changed after the handout was built")
        body = wire.decode(data, max_bytes=MAX_FIXTURE_BYTES, make_symbol=_symbol)
        expected = [_formula(v) for v in body["expected"]]
        return Prepared(check=check, seed=int(entry["seed"]), cases=list(body["cases"]), expected=expected,
                        diagnosis=body.get("diagnosis"))

    def _entry(self, check: Check) -> dict[str, Any]:
        try:
            return self.entries[check.check_id]
        except KeyError:
            raise FixtureError(f"no fixture for {check.check_id}") from None


def _symbol(name: str):
    import sympy

    return sympy.Symbol(name, positive=True, integer=True)


def _formula(value: Any) -> Any:
    """A stored SymPy result arrives as text: parse it back with the whitelist parser."""
    if isinstance(value, wire.SympyText):
        from grader.formula import parse_formula

        return parse_formula(str(value), ["d", "h"])
    return value
