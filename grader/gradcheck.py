"""Check your own backward functions against central differences of your own forward functions.

From the folder that holds ``exercises/``::

    python -m grader.gradcheck                      # every function of exercises/backprop.py
    python -m grader.gradcheck lstm_cell_backward   # one of them

or from Python, for any pair of functions that follow the contract's backward convention::

    from grader.gradcheck import gradient_check
    from exercises.backprop import gru_cell_backward
    from exercises.gru import gru_cell
    rows = gradient_check(gru_cell_backward, gru_cell, (x, h_prev, params), (dh,))

The loss is L = Σ upstream[k] ⊙ output[k] over the first ``len(upstream)`` arrays the forward
function returns (``(dh, dc)`` pairs with the LSTM step's ``(h, c)``; ``(dhs,)`` with a sequence's
``hs``). Each input array and each parameter is nudged by ±eps in turn, one element at a time:
∂L/∂v ≈ (L(v + eps) − L(v − eps)) / 2eps, whose error shrinks like eps². This runs on your own
machine and your own code only; it grades nothing.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-7

# backward function -> (forward module, forward function, cell, number of upstream gradients)
PAIRS = {
    "rnn_cell_backward": ("vanilla", "rnn_cell", "rnn", 1),
    "gru_cell_backward": ("gru", "gru_cell", "gru", 1),
    "lstm_cell_backward": ("lstm", "lstm_cell", "lstm", 2),
    "rnn_backward": ("sequence", "rnn_forward", "rnn", 1),
    "gru_backward": ("sequence", "gru_forward", "gru", 1),
    "lstm_backward": ("sequence", "lstm_forward", "lstm", 1),
}
GATES = {"rnn": None, "gru": ("r", "z", "h"), "lstm": ("f", "i", "c", "o")}


@dataclass
class GradientRow:
    """One gradient compared with its central differences: the largest absolute and relative errors."""

    name: str
    max_abs_error: float
    max_rel_error: float
    ok: bool
    problem: str = ""  # a shape or type problem, when the gradient could not be compared at all


def numerical_gradient(loss: Callable[[], float], array: np.ndarray, eps: float = EPS) -> np.ndarray:
    """∂loss/∂array by central differences; ``array`` is nudged in place and restored element by element."""
    grad = np.zeros(array.shape)
    for index in np.ndindex(array.shape):
        old = array[index]
        array[index] = old + eps
        up = loss()
        array[index] = old - eps
        down = loss()
        array[index] = old
        grad[index] = (up - down) / (2 * eps)
    return grad


def _leaves(value: Any) -> list:
    """The arrays and dicts of a (nested) tuple, in order."""
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _compare(name: str, analytic: Any, numeric: np.ndarray, rtol: float, atol: float) -> GradientRow:
    if not isinstance(analytic, np.ndarray):
        return GradientRow(name, np.inf, np.inf, False, f"is a {type(analytic).__name__}, not an array")
    if analytic.shape != numeric.shape:
        return GradientRow(name, np.inf, np.inf, False, f"has shape {analytic.shape}, expected {numeric.shape}")
    error = np.abs(analytic - numeric)
    relative = error / np.maximum(np.abs(numeric), atol / rtol)
    ok = bool(np.all(error <= atol + rtol * np.abs(numeric)))
    return GradientRow(name, float(error.max(initial=0.0)), float(relative.max(initial=0.0)), ok)


def gradient_check(backward: Callable, forward: Callable, args: Sequence, upstream: Sequence[np.ndarray], *,
                   eps: float = EPS, rtol: float = RTOL, atol: float = ATOL) -> list[GradientRow]:
    """Compare ``backward(*upstream, *args)`` with central differences of ``forward(*args)``.

    ``args`` are the forward function's arguments (arrays and one parameter dict); the backward
    function returns, in order, the gradient of each array argument and then a dict of parameter
    gradients (nested tuples are fine, e.g. ``(dxs, (dh0, dc0), grads)``). Returns one row per
    gradient: ``d<argument name>`` for the arrays, ``∂L/∂<key>`` for the parameters.
    """
    args = [a.copy() if isinstance(a, np.ndarray) else {k: v.copy() for k, v in a.items()} if isinstance(a, dict)
            else a for a in args]
    names = list(inspect.signature(forward).parameters)[:len(args)]

    def loss() -> float:
        outputs = _leaves(forward(*args))
        return float(sum(np.sum(u * o) for u, o in zip(upstream, outputs)))

    returned = _leaves(backward(*upstream, *args))
    rows: list[GradientRow] = []
    arrays = [(name, a) for name, a in zip(names, args) if isinstance(a, np.ndarray)]
    params = next((a for a in args if isinstance(a, dict)), {})
    expected_count = len(arrays) + (1 if params else 0)
    if len(returned) != expected_count:
        return [GradientRow("the result", np.inf, np.inf, False,
                            f"holds {len(returned)} values; expected {expected_count} (one per input array, "
                            "then the dict of parameter gradients)")]
    for (name, array), analytic in zip(arrays, returned):
        rows.append(_compare(f"d{name}", analytic, numerical_gradient(loss, array, eps), rtol, atol))
    if params:
        grads = returned[-1]
        for key, value in params.items():
            label = f"∂L/∂{key}"
            if not isinstance(grads, dict) or key not in grads:
                rows.append(GradientRow(label, np.inf, np.inf, False, "is missing from grads"))
                continue
            rows.append(_compare(label, grads[key], numerical_gradient(loss, value, eps), rtol, atol))
    return rows


# --- the command line: random inputs for the contract's backward functions --------------------------

def _params(rng: np.random.Generator, cell: str, d: int, H: int) -> dict[str, np.ndarray]:
    if cell == "rnn":
        return {"W_x": rng.uniform(-0.8, 0.8, (H, d)), "W_h": rng.uniform(-0.8, 0.8, (H, H)),
                "b": rng.uniform(-0.5, 0.5, H)}
    params = {}
    for gate in GATES[cell]:
        params[f"W_{gate}"] = rng.uniform(-0.8, 0.8, (H, d))
        params[f"U_{gate}"] = rng.uniform(-0.8, 0.8, (H, H))
        params[f"b_{gate}"] = rng.uniform(-0.5, 0.5, H)
    return params


def random_case(function: str, seed: int = 0, *, N: int = 2, d: int = 3, H: int = 4, T: int = 3) -> tuple[tuple, tuple]:
    """``(args, upstream)`` for one of ``PAIRS``: N, d and H all differ, states and biases nonzero."""
    _, _, cell, count = PAIRS[function]
    rng = np.random.default_rng(seed)
    params = _params(rng, cell, d, H)
    state = lambda: rng.uniform(-0.9, 0.9, (N, H))  # noqa: E731
    if function.endswith("_cell_backward"):
        args = (rng.normal(size=(N, d)), state(), *((state() * 2,) if cell == "lstm" else ()), params)
        return args, tuple(rng.normal(size=(N, H)) for _ in range(count))
    args = (rng.normal(size=(T, N, d)), state(), *((state() * 2,) if cell == "lstm" else ()), params)
    return args, (rng.normal(size=(T, N, H)),)


def check_exercise(function: str, *, package: str = "exercises", seed: int = 0) -> list[GradientRow]:
    """Run ``gradient_check`` on ``<package>.backprop.<function>`` and its forward function."""
    module, forward_name, _, _ = PAIRS[function]
    backward = getattr(importlib.import_module(f"{package}.backprop"), function)
    forward = getattr(importlib.import_module(f"{package}.{module}"), forward_name)
    args, upstream = random_case(function, seed)
    return gradient_check(backward, forward, args, upstream)


def format_rows(function: str, rows: list[GradientRow]) -> str:
    lines = [f"{function}: {'all gradients agree with central differences' if all(r.ok for r in rows) else 'some gradients are off'}"]
    for row in rows:
        if row.problem:
            lines.append(f"  ✗ {row.name} {row.problem}")
        else:
            lines.append(f"  {'✓' if row.ok else '✗'} {row.name:<10} largest error {row.max_abs_error:.2e} "
                         f"(relative {row.max_rel_error:.2e})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradcheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("functions", nargs="*", metavar="FUNCTION",
                        help=f"backward functions to check (default: all of {', '.join(PAIRS)})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    options = parser.parse_args(argv)
    unknown = [f for f in options.functions if f not in PAIRS]
    if unknown:
        parser.error(f"unknown function {unknown[0]!r}; choose from {', '.join(PAIRS)}")
    if "" not in sys.path:
        sys.path.insert(0, "")  # the exercises/ folder of the current directory
    failed = False
    for function in options.functions or list(PAIRS):
        try:
            rows = check_exercise(function, seed=options.seed)
        except NotImplementedError:
            print(f"{function}: not implemented yet")
            failed = True
            continue
        except Exception as exc:  # noqa: BLE001 - the learner's own code: report and go on
            print(f"{function}: raised {type(exc).__name__}: {exc}")
            failed = True
            continue
        print(format_rows(function, rows))
        failed = failed or not all(r.ok for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
