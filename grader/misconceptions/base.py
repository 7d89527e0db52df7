"""What a misconception is: a named, wrong-on-purpose variant of the reference with its feedback.

A variant is written as ordinary Python functions, each replacing one function of one module of
``solutions/`` (``patches`` maps ``"module.function"`` to the replacement). Every other function
stays the reference's, so a patched cell spreads into the sequences, stacks and bidirectional
layers built on it, exactly as a learner's mistake does. ``targets`` lists the contract functions
whose outputs the variant changes; the feedback says what the variant computes (``mixup``), the
course's equation it violates (``equation``) and how to fix it (``fix``).

Some variants are not mistakes but another source's *convention* for the same model (Dive into Deep
Learning's keep-gate GRU, PyTorch's reset after the product, summing the two directions). Those
carry ``convention`` (who writes it so, and the one-line conversion) and their feedback says so
instead of calling it a mix-up; the contract still grades them wrong.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

# Contract functions built on one cell type, or on any layer loop.
LAYER_USERS = ("stacked_forward", "bidirectional_forward", "deep_bidirectional_forward",
               "masked_forward", "masked_bidirectional_forward")
# The gradients of a cell are computed from its forward values, so a wrong forward spreads there too.
FLOW_FUNCTIONS = ("state_jacobian", "gradient_norms")
RNN_USERS = ("rnn_cell", "rnn_forward", *LAYER_USERS, "rnn_cell_backward", "rnn_backward", *FLOW_FUNCTIONS)
GRU_USERS = ("gru_cell", "gru_forward", *LAYER_USERS, "gru_cell_backward", "gru_backward", *FLOW_FUNCTIONS)
LSTM_USERS = ("lstm_cell", "lstm_forward", *LAYER_USERS, "lstm_cell_backward", "lstm_backward", *FLOW_FUNCTIONS)
SEQUENCE_FUNCTIONS = ("rnn_forward", "gru_forward", "lstm_forward")


@dataclass(frozen=True)
class Misconception:
    """One known mistake. ``exercise`` is where it is taught; ``id`` is a verb_object name."""

    id: str
    exercise: str
    patches: dict[str, Callable]
    targets: tuple[str, ...]
    mixup: str
    equation: str
    fix: str
    convention: str = ""  # e.g. "Dive into Deep Learning, Cho et al. 2014 and ONNX write it so; …"
    parts: tuple["Misconception", ...] = ()  # a composite: two mistakes made at once (``pairs``)

    @property
    def message(self) -> str:
        """The learner-facing "likely cause", in the course's notation."""
        if self.parts:
            numbered = [f"{k}. {part.message}" for k, part in enumerate(self.parts, start=1)]
            return "\n".join([f"This matches {len(self.parts)} mistakes made at once; fix each:", *numbered])
        if self.convention:
            return (f"This matches another source's convention: {self.mixup} ({self.convention}).\n"
                    f"The course uses {self.equation}: {self.fix}.")
        return f"This matches a known mix-up: {self.mixup}.\nThe course uses {self.equation}: {self.fix}."

    @property
    def hint(self) -> str:
        """The hint shown with this cause: the course's equation and how to get there."""
        if self.parts:
            return " ".join(part.hint for part in self.parts)
        return f"{self.equation}: {self.fix}."

    @property
    def contract_functions(self) -> tuple[str, ...]:
        """The public contract functions this variant replaces (``"lstm.cell_update"`` → ``"cell_update"``)."""
        return tuple(key.split(".")[1] for key in self.patches if not key.split(".")[1].startswith("_"))


_REGISTRY: dict[str, Misconception] = {}


def register(*items: Misconception) -> None:
    for item in items:
        if item.id in _REGISTRY:
            raise ValueError(f"duplicate misconception id {item.id!r}")
        for key in item.patches:
            if key.count(".") != 1:
                raise ValueError(f"{item.id}: patch key {key!r} must read 'module.function'")
        _REGISTRY[item.id] = item


def registered() -> list[Misconception]:
    return list(_REGISTRY.values())
