"""Where a padded-batch answer goes wrong: which sequence, its length, and what it did there.

For a failing ``masked_forward`` or ``masked_bidirectional_forward`` check, the learner's own output
is compared with the reference sequence by sequence (real steps, padded steps, finals, and for both
directions the forward and backward halves), and three more calls of the learner's function tell
what the values alone cannot:

- ``padding``: the same batch with other garbage on every padded position. Any output of a sequence
  that changes reads padding, which no output may (e.g. a backward direction started at T);
- ``row T``: other garbage on the last row only, where the shorter sequences are padding: a
  backward direction that changes there starts at t = T;
- ``causality``: the longest sequence's real inputs changed after a step t₀: →h_t for t ≤ t₀ must
  not change, and ←h_t must.

Sequences are named by their batch row n (as elsewhere in the feedback) and time steps count from
t = 1. Trusted side only; the probes' inputs are fresh garbage, never reference values.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.reference import expected_value

FUNCTIONS = ("masked_forward", "masked_bidirectional_forward")
MAX_LINES = 3


def _real(lengths: np.ndarray, steps: int) -> np.ndarray:
    """``(T, N)``: True at the real steps of each sequence."""
    return np.less.outer(np.arange(steps), lengths)


def draw_probes(item) -> list[tuple[str, str, tuple, Any]]:
    """``(function, label, args, expected)`` for the three probes of ``item``'s first case."""
    check, args = item.check, item.cases[0]
    xs, lengths = np.asarray(args[0], dtype=np.float64), np.asarray(args[1])
    steps = len(xs)
    rng = check.rng(item.seed + 2_000_003)
    padding = ~_real(lengths, steps)
    regarbled = xs.copy()
    regarbled[padding] = rng.uniform(-7.0, 7.0, size=(int(padding.sum()), xs.shape[2]))
    last_row = xs.copy()
    last_row[steps - 1, padding[steps - 1]] += rng.uniform(1.0, 3.0, size=(int(padding[steps - 1].sum()), xs.shape[2]))
    longest = int(np.argmax(lengths))
    t0 = max(int(lengths[longest]) // 2 - 1, 0)
    later = xs.copy()
    later[t0 + 1:int(lengths[longest]), longest] += rng.uniform(0.5, 1.5, size=(int(lengths[longest]) - t0 - 1, xs.shape[2]))
    probes = []
    for label, changed in (("padding", regarbled), ("row T", last_row), (f"causality {longest} {t0}", later)):
        if label == "row T" and not padding[steps - 1].any():
            continue
        if label.startswith("causality") and t0 + 1 >= lengths[longest]:
            continue
        probe_args = (changed, *args[1:])
        probes.append((check.function, label, probe_args, expected_value(check.exercise, check.function, probe_args)))
    return probes


def _parts(value: Any, bidirectional: bool) -> tuple[np.ndarray | None, Any]:
    """``(hs, finals_h)`` of a learner's value, or ``(None, None)`` when it is not shaped like one."""
    if bidirectional:
        return (value if isinstance(value, np.ndarray) and value.ndim == 3 else None), None
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not isinstance(value[0], np.ndarray):
        return None, None
    finals = value[1][0] if isinstance(value[1], (tuple, list)) and value[1] else value[1]
    return value[0], finals if isinstance(finals, np.ndarray) else None


def _steps_text(first: int, last: int) -> str:
    return f"t = {first}" if first == last else f"t = {first} … {last}"


def explain(item, learner, probes: list, result) -> str:
    """The per-sequence localisation text for one failing check (``""`` when there is nothing to say);
    ``result.details["sequences"]`` gets one entry per sequence that goes wrong."""
    check, args = item.check, item.cases[0]
    bidirectional = check.function == "masked_bidirectional_forward"
    xs, lengths = np.asarray(args[0]), np.asarray(args[1]).astype(int)
    steps = len(xs)
    got_hs, got_finals = _parts(learner.value, bidirectional)
    want_hs, want_finals = _parts(item.expected[0], bidirectional)
    if got_hs is None or got_hs.shape != want_hs.shape or got_hs.dtype != np.float64:
        return ""
    tol = check.tolerance
    bad = ~np.isclose(got_hs, want_hs, rtol=tol.rtol, atol=tol.atol)
    finals_bad = None
    if want_finals is not None and got_finals is not None and got_finals.shape == want_finals.shape:
        finals_bad = ~np.isclose(got_finals, want_finals, rtol=tol.rtol, atol=tol.atol).all(axis=1)
    changed = {probe.label: _changes(probe, outcome, got_hs, got_finals, lengths, bidirectional)
               for probe, outcome in probes}
    findings = []
    for n, length in enumerate(lengths):
        words = _sequence_words(n, length, steps, bad, finals_bad, changed, bidirectional)
        if words:
            findings.append({"n": n, "length": int(length), "problems": words})
    causality = _causality_words(probes, changed, bidirectional)
    result.details["sequences"] = findings
    lines = [f"Sequence {f['n']}, length {f['length']}: " + "; ".join(f["problems"]) + "." for f in
             sorted(findings, key=lambda f: (f["length"] == steps, f["n"]))[:MAX_LINES]]
    if len(findings) > MAX_LINES:
        more = len(findings) - MAX_LINES
        lines.append(f"({more} more sequence{'s differ' if more > 1 else ' differs'}.)")
    return "\n".join(lines + causality)


def _changes(probe, outcome, got_hs, got_finals, lengths, bidirectional) -> dict | None:
    """Where the learner's output on a probe differs from its output on the check's inputs:
    ``{"fwd": (T, N) bools at real steps, "bwd": …, "finals": (N,) bools}``; None if the probe failed."""
    if outcome is None or not outcome.ok:
        return None
    hs, finals = _parts(outcome.value, bidirectional)
    if hs is None or hs.shape != got_hs.shape:
        return None
    real = _real(lengths, len(hs))
    moved = ~np.isclose(hs, got_hs, rtol=0.0, atol=1e-12)
    half = hs.shape[-1] // 2 if bidirectional else hs.shape[-1]
    found = {"fwd": moved[..., :half].any(axis=-1) & real,
             "bwd": moved[..., half:].any(axis=-1) & real if bidirectional else None, "finals": None}
    if finals is not None and got_finals is not None and finals.shape == got_finals.shape:
        found["finals"] = ~np.isclose(finals, got_finals, rtol=0.0, atol=1e-12).all(axis=1)
    return found


def _sequence_words(n, length, steps, bad, finals_bad, changed, bidirectional) -> list[str]:
    words = []
    padding_changes = changed.get("padding")
    row_t = changed.get("row T")
    if bidirectional:
        half = bad.shape[-1] // 2
        for name, direction, columns in (("forward", "fwd", slice(None, half)), ("backward", "bwd", slice(half, None))):
            reads = padding_changes is not None and padding_changes[direction][:, n].any()
            if reads and direction == "bwd" and length < steps and row_t is not None and row_t["bwd"][:, n].any():
                words.append(f"the backward direction starts at t = {steps}, over padding (its states at "
                             f"{_steps_text(1, length)} change when only the padding changes); it should start "
                             f"at t = {length}")
            elif reads:
                words.append(f"the {name} direction reads padding: its states at real steps change when only the "
                             f"padding (t = {length + 1} … {steps}) changes")
            else:
                wrong = np.flatnonzero(bad[:length, n, columns].any(axis=-1))
                if wrong.size:
                    words.append(f"the {name} direction differs from t = {wrong[0] + 1}")
    else:
        reads = padding_changes is not None and (padding_changes["fwd"][:, n].any()
                                                 or (padding_changes["finals"] is not None and padding_changes["finals"][n]))
        if reads:
            words.append(f"the result changes when only the padding (t = {length + 1} … {steps}) changes, so the "
                         "state keeps running over it")
        wrong = np.flatnonzero(bad[:length, n].any(axis=-1))
        if wrong.size and not reads:
            words.append(f"hs differs from t = {wrong[0] + 1}")
    if length < steps and bad[length:, n].any():
        words.append(f"hs at the padded steps {_steps_text(length + 1, steps)} should be 0")
    if finals_bad is not None and finals_bad[n]:
        words.append(f"finals should be its state after t = {length}, its last real step"
                     + (" (not after t = T)" if length < steps else ""))
    return words


def _causality_words(probes, changed, bidirectional) -> list[str]:
    label = next((p.label for p, _ in probes if p.label.startswith("causality")), None)
    found = changed.get(label) if label else None
    if found is None:
        return []
    n, t0 = (int(v) for v in label.split()[1:])
    lines = []
    if found["fwd"][:t0 + 1, n].any():
        lines.append(f"When only the inputs of sequence {n} after t = {t0 + 1} change, your →h_t at t ≤ {t0 + 1} "
                     "changes too: the forward direction must depend on x_1 … x_t only.")
    if bidirectional and not found["bwd"][:t0 + 1, n].any():
        lines.append(f"When the inputs of sequence {n} after t = {t0 + 1} change, your ←h_t at t ≤ {t0 + 1} does "
                     "not: the backward direction must read x_L … x_t.")
    return lines
