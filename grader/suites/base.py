"""What a check is, and the registry the suite modules fill.

A check names one function of the contract, its points and visibility, and an input generator.
It holds no expected values: the engine computes them from ``solutions/`` in the trusted process,
for inputs drawn fresh from the grading seed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np

Visibility = Literal["public", "hidden"]
Kind = Literal["array", "count", "symbolic"]

# An input generator returns the positional arguments of one call, or (for kind "count" and
# "symbolic") a list of such argument tuples.
InputMaker = Callable[[np.random.Generator], tuple | list]


@dataclass(frozen=True)
class Tolerance:
    """Elementwise ``|got − expected| ≤ atol + rtol·|expected|``, as ``numpy.isclose``."""

    atol: float = 1e-9
    rtol: float = 1e-6

    def describe(self) -> str:
        return f"{self.atol:g} + {self.rtol:g}·|expected|"


@dataclass(frozen=True)
class Check:
    """One named, pointed check of one contract function.

    ``outputs`` names the parts of the returned value (e.g. ``("h", "c")``) for feedback;
    ``axes`` names the axes of array outputs (``"t"`` marks a time axis, ``"dir"`` a last axis of
    size 2H holding the forward then the backward state, ``"input"`` an axis of size d, ``"k"`` the
    axis of ``gradient_norms``) so a mismatch can be located.
    ``judges_arguments``: the check judges the call's arguments as the function left them (which
    must equal the arguments as drawn: a function may not modify its caller's arrays), not the
    value it returns.
    """

    exercise: str
    function: str
    name: str
    points: float
    make_inputs: InputMaker
    visibility: Visibility = "hidden"
    kind: Kind = "array"
    outputs: tuple = ()
    axes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tolerance: Tolerance = Tolerance()
    forbid_fp_warnings: bool = False
    hint: str = ""
    chart: str = ""  # "log_norms": the result carries reference and learner curves for a report chart
    judges_arguments: bool = False

    @property
    def check_id(self) -> str:
        return f"{self.exercise}.{self.function}: {self.name}"

    def rng(self, seed: int) -> np.random.Generator:
        """This check's own generator for ``seed``: inputs differ per check and per seed."""
        digest = hashlib.sha256(self.check_id.encode()).digest()
        return np.random.default_rng([seed, int.from_bytes(digest[:8], "big")])


_REGISTRY: list[Check] = []


def register(*checks: Check) -> None:
    for new in checks:
        if any(existing.check_id == new.check_id for existing in _REGISTRY):
            raise ValueError(f"duplicate check id {new.check_id!r}")
        _REGISTRY.append(new)


def registered() -> list[Check]:
    return list(_REGISTRY)
