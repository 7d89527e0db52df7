"""``grade explore gradients``: the vanishing-gradient experiment, run on the learner's own code.

One input sequence of ``T`` steps (batch of one) is drawn from a seed; each of the three cells
gets its own parameters, the LSTM with forget-gate biases of 2 as practice initialises them. The
learner's ``gradient_norms`` runs in the sandbox (learner code is untrusted) for the vanilla RNN,
the GRU and the LSTM; the references run here, in the trusted process, when ``solutions/`` is
installed (a learner handout has none: there only the learner's curves are drawn). The result is log10 ‖∂s_T/∂s_k‖ against the distance T − k, per cell, yours next to
the reference's (the same data the learner report's chart shows for the public checks).

With the default seed and T = 60 the references give ‖∂h_60/∂h_0‖ ≈ 2e-10 for the vanilla RNN and
‖∂c_60/∂c_0‖ ≈ 2e-2 for the LSTM: each vanilla step multiplies by diag(1 − h²) W_h, whose
size stays below one, while the cell path multiplies by diag(f) alone, with f ≈ σ(2) ≈ 0.88.
(Other seeds move both by orders of magnitude, 1e-6 to 1e-14 and 1e-3 to 1, but the gap stays.)
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.judge import log_norm_curves
from grader.reference import solutions_available
from grader.sandbox.client import Call, ForkServer, SandboxFailure
from grader.sandbox.wire import ArrayFromSubclass

CELLS = ("rnn", "gru", "lstm")
CELL_NAMES = {"rnn": "vanilla RNN", "gru": "GRU", "lstm": "LSTM"}
GATES = {"rnn": None, "gru": ("r", "z", "h"), "lstm": ("f", "i", "c", "o")}
DEFAULT_SEED, DEFAULT_STEPS = 32, 60
D, H = 8, 16
FORGET_BIAS = 2.0
DISTANCES = (1, 10, 30, 60)


def _matrix(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Entries uniform in ±√(3/cols): variance 1/cols, the usual fan-in initialisation."""
    return rng.uniform(-1.0, 1.0, size=(rows, cols)) * math.sqrt(3.0 / cols)


def cell_params(rng: np.random.Generator, cell: str) -> dict[str, np.ndarray]:
    if cell == "rnn":
        return {"W_x": _matrix(rng, H, D), "W_h": _matrix(rng, H, H), "b": rng.uniform(-0.5, 0.5, H)}
    params = {}
    for gate in GATES[cell]:
        params[f"W_{gate}"], params[f"U_{gate}"] = _matrix(rng, H, D), _matrix(rng, H, H)
        params[f"b_{gate}"] = rng.uniform(-0.5, 0.5, H)
    if cell == "lstm":
        params["b_f"] = np.full(H, FORGET_BIAS)
    return params


def explore_calls(seed: int = DEFAULT_SEED, steps: int = DEFAULT_STEPS) -> dict[str, tuple]:
    """The arguments of ``gradient_norms`` per cell: one shared sequence ``xs`` ``(T, 1, d)``, zero
    initial states, and each cell's own parameters."""
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(steps, 1, D))
    h0 = np.zeros((1, H))
    calls = {}
    for cell in CELLS:
        params = cell_params(rng, cell)
        calls[cell] = (cell, xs, h0, params, np.zeros((1, H))) if cell == "lstm" else (cell, xs, h0, params)
    return calls


@dataclass
class CellCurves:
    """One cell's log10 norms by distance 1 … T (``None`` where there is no positive finite value)."""

    cell: str
    reference: list[float | None] | None
    yours: list[float | None] | None
    problem: str = ""  # why there is no curve of yours


@dataclass
class Exploration:
    seed: int
    steps: int
    cells: list[CellCurves]
    notes: list[str] = field(default_factory=list)
    cell_block: float | None = None  # the reference LSTM's ‖∂c_T/∂c_0‖

    def curves(self) -> dict[str, dict[str, Any]]:
        """The chart data, shaped like a check's ``details["log_norms"]`` per cell."""
        return {c.cell: {"cell": c.cell, "reference": c.reference, "yours": c.yours} for c in self.cells}


def _validated(value: Any, steps: int) -> tuple[np.ndarray | None, str]:
    """The learner's norms if they are a plain float64 array of shape (T, 1), else why not."""
    if isinstance(value, ArrayFromSubclass) or not isinstance(value, np.ndarray):
        return None, f"returned {type(value).__name__}, not a numpy array"
    if value.shape != (steps, 1):
        return None, f"returned shape {value.shape}, expected ({steps}, 1)"
    if value.dtype != np.float64:
        return None, f"returned dtype {value.dtype}, expected float64"
    return value, ""


def _reference_norms(calls: dict[str, tuple]) -> tuple[dict[str, np.ndarray], float | None]:
    if not solutions_available():
        return {}, None
    reference = importlib.import_module("solutions.gradient_flow")  # by name: a handout has no solutions/
    norms = {cell: reference.gradient_norms(*args) for cell, args in calls.items()}
    jacobians = reference._step_jacobians(*calls["lstm"])[:, 0]  # (T, 2H, 2H), batch row 0
    product = np.eye(2 * H)
    for J in jacobians:  # J_T … J_1, one step at a time
        product = J @ product
    return norms, float(np.linalg.norm(product[H:, H:]))


def explore_gradients(folder: Path, *, seed: int = DEFAULT_SEED, steps: int = DEFAULT_STEPS,
                      sandbox: ForkServer | None = None) -> Exploration:
    """Run the learner's ``gradient_norms`` (in ``folder``, sandboxed) and the references on one sequence."""
    calls = explore_calls(seed, steps)
    reference, cell_block = _reference_norms(calls)
    exploration = Exploration(seed, steps, [], cell_block=cell_block)
    if not reference:
        exploration.notes.append("The reference solutions are not installed here, so only your curves are drawn.")
    outcomes: list = []
    try:
        if sandbox is None:
            with ForkServer() as own:
                outcomes = own.run(Path(folder), [Call("gradient_flow", "gradient_norms", a) for a in calls.values()]).outcomes
        else:
            outcomes = sandbox.run(Path(folder), [Call("gradient_flow", "gradient_norms", a) for a in calls.values()]).outcomes
    except SandboxFailure as exc:
        exploration.notes.append(f"Your code could not be run: the sandbox failed ({exc}).")
    for k, cell in enumerate(CELLS):
        expected = reference.get(cell)
        outcome = outcomes[k] if k < len(outcomes) else None
        if outcome is None:
            got, problem = None, "not run"
        elif not outcome.ok:
            got, problem = None, (outcome.message.splitlines() or [outcome.kind])[0]
        else:
            got, problem = _validated(outcome.value, steps)
        like = expected if expected is not None else (got if got is not None else np.zeros((steps, 1)))
        curves = log_norm_curves(cell, like, got)
        exploration.cells.append(CellCurves(cell, curves["reference"] if expected is not None else None,
                                            curves["yours"] if got is not None else None, problem))
    return exploration


def _at(values: list[float | None] | None, distance: int) -> str:
    if not values or distance > len(values) or values[distance - 1] is None:
        return "–"
    return f"{10 ** values[distance - 1]:.1e}"


def summary_rows(exploration: Exploration) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Per cell: its name, a problem (or ""), and (yours, reference) at each shown distance."""
    shown = [d for d in DISTANCES if d <= exploration.steps] or [exploration.steps]
    return [(CELL_NAMES[c.cell], c.problem, [(_at(c.yours, d), _at(c.reference, d)) for d in shown])
            for c in exploration.cells]


def shown_distances(exploration: Exploration) -> list[int]:
    return [d for d in DISTANCES if d <= exploration.steps] or [exploration.steps]


def verdict(exploration: Exploration) -> str:
    """The experiment in one sentence, from the reference curves (or yours without references)."""
    by_cell = {c.cell: (c.reference if c.reference is not None else c.yours) for c in exploration.cells}
    rnn, lstm = by_cell.get("rnn"), by_cell.get("lstm")
    if not rnn or not lstm or rnn[-1] is None or lstm[-1] is None:
        return ""
    T = exploration.steps
    text = (f"After {T} steps, {10 ** rnn[-1]:.1e} of a change to the vanilla RNN's h_0 still reaches h_{T}; "
            f"for the LSTM (forget bias {FORGET_BIAS:g}) it is {10 ** lstm[-1]:.1e}")
    if exploration.cell_block is not None:
        text += f", and ‖∂c_{T}/∂c_0‖ alone is {exploration.cell_block:.1e}"
    return text + (". The vanilla state is squashed by tanh and multiplied by W_h at every step; the LSTM's "
                   "cell path c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t multiplies only by f_t, close to 1.")
