"""The exercise catalogue: which modules and functions the contract defines.

This mirrors ``CONTRACT.md`` and is the single place the rest of the grader learns exercise
ids from (CLI validation, suites, handouts, stub checks).
"""
from __future__ import annotations

EXERCISES: dict[str, tuple[str, ...]] = {
    "gates": ("sigmoid", "gate"),
    "vanilla": ("rnn_cell",),
    "gru": ("reset_gate", "update_gate", "candidate_state", "gru_cell"),
    "lstm": (
        "forget_gate", "input_gate", "output_gate", "candidate_cell",
        "cell_update", "hidden_state", "lstm_cell",
    ),
    "sequence": ("rnn_forward", "gru_forward", "lstm_forward"),
    "stacked": ("stacked_forward",),
    "bidirectional": ("bidirectional_forward", "deep_bidirectional_forward"),
    "param_count": (
        "rnn_param_count", "gru_param_count", "lstm_param_count", "stacked_param_count",
        "torch_param_count",
    ),
    "backprop": (
        "rnn_cell_backward", "gru_cell_backward", "lstm_cell_backward",
        "rnn_backward", "gru_backward", "lstm_backward",
    ),
    "gradient_flow": ("state_jacobian", "gradient_norms"),
    "masked": ("masked_forward", "masked_bidirectional_forward"),
    "conventions": ("gru_from_keep_gate", "rnn_from_torch", "lstm_from_torch"),
}

EXERCISE_FILES = tuple(f"{name}.py" for name in EXERCISES)


class UnknownExercise(ValueError):
    """Raised for an exercise id that is not in the catalogue; the message lists the valid ids."""


def resolve_exercise(exercise_id: str) -> str:
    """Return ``exercise_id`` if it names an exercise (a ``.py`` suffix is tolerated), else raise."""
    name = exercise_id.removesuffix(".py")
    if name not in EXERCISES:
        raise UnknownExercise(
            f"unknown exercise {exercise_id!r}; valid exercises are: {', '.join(EXERCISES)}"
        )
    return name
