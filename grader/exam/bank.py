"""The question bank for the deep recurrent networks unit.

Every question belongs to one of the unit's exam-focus topics (``TOPICS``) and has one of five
kinds: single choice, multiple choice, true/false, numeric with tolerance, and formula. A question is
a recipe: given a seeded ``random.Random`` it builds a :class:`~grader.exam.variant.Variant`.
Choice questions draw their distractors from a pool and shuffle the options; true/false questions
draw one statement from a pool; numeric and formula questions draw fresh numbers or a fresh cell
type, and their keys are computed by calling the reference functions in ``solutions/``.

Notation follows the course notes: input size ``d``, hidden size ``h``, the GRU update
``h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t`` (a small ``z_t`` keeps the old state) and the LSTM
cell update ``c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t``.
"""
from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy

from ..formula import EXAMPLE as FORMULA_EXAMPLE
from . import bankfile
from .variant import LETTERS, Variant

TOPICS: dict[str, str] = {
    "why-deep": "Why deep recurrent models are needed after the vanilla RNN",
    "bidirectional": "Bidirectional RNNs versus causal left-to-right models",
    "stacked": "Stacked RNNs, hierarchical features and practical depth",
    "gru": "How the GRU reset and update gates work",
    "lstm": "LSTM gates and the cell state",
    "gradients": "Why LSTM and GRU help with vanishing gradients",
    "gru-vs-lstm": "When to prefer a GRU or an LSTM",
    "params": "Parameter counts of recurrent layers",
}

NUMERIC_FORMAT = "a number, e.g. 0.123 (give at least 3 decimal places)"
COUNT_FORMAT = "a whole number"


MAX_DRAWS = 500  # draws of fresh numbers before a question is declared unable to discriminate


class BankError(RuntimeError):
    """A question of the bank cannot produce a usable variant (an authoring problem, not a learner's)."""


@dataclass(frozen=True)
class Question:
    """A bank question. ``build`` draws one candidate variant; :meth:`variant` is what papers use."""

    qid: str
    topic: str
    kind: str
    title: str
    build: Callable[[random.Random], Variant]
    tier: int = 1  # difficulty: 1 = one step or one idea, 2 = several steps chained (see TIERS)

    def draw(self, rng: random.Random) -> Variant:
        """One candidate variant, with every catalogued mistake, whether or not it discriminates."""
        v = self.build(rng)
        if v.kind != self.kind:
            raise BankError(f"{self.qid}: its generator made a {v.kind} variant, not {self.kind}")
        v.qid, v.topic = self.qid, self.topic  # a generator may serve a question of another id or topic
        return v

    def variant(self, rng: random.Random) -> Variant:
        """The first draw from ``rng`` that tells every catalogued mistake from the key and from the
        others (see :mod:`.discrimination`); numbers are redrawn, mistakes are never dropped."""
        from .discrimination import collisions

        for _ in range(MAX_DRAWS):
            v = self.draw(rng)
            if not collisions(v):
                return v
        raise BankError(f"{self.qid}: no variant in {MAX_DRAWS} draws keeps every mistake apart "
                        f"({'; '.join(collisions(v))})")


BANK: dict[str, Question] = {}  # filled from QUESTIONS_DIR at import (see use_bank)
QUESTIONS_DIR = Path(__file__).with_name("questions")

TIERS = {1: "one step or one idea", 2: "several steps chained"}

# Questions that cue each other's answers (the same facts asked twice, or one's options listing the
# other's answer); a paper holds at most one question of each group.
TWINS: tuple[frozenset[str], ...] = (
    frozenset({"gru-components", "gru-parts", "lstm-parts"}),
    frozenset({"stacked-hierarchy", "stacked-hierarchies"}),
    frozenset({"choice-prefer-gru", "choice-prefer-lstm"}),
    # one computation of how a gradient shrinks over k steps is enough for a paper's gradients section
    frozenset({"grad-forget-product", "grad-forget-bias-power", "grad-vanilla-bound"}),
)


def twins_of(qid: str) -> set[str]:
    """The other questions that may not share a paper with ``qid``."""
    return {other for group in TWINS if qid in group for other in group if other != qid}


# ---------------------------------------------------------------------------------------------
# Questions from their data (see bankfile), and the named generators of computed ones
# ---------------------------------------------------------------------------------------------

# generator name -> (kind, build); each build draws numbers and computes its key with solutions/
GENERATORS: dict[str, tuple[str, Callable[[random.Random], Variant]]] = {}


def _single(e: bankfile.SingleChoice, topic: str) -> Callable[[random.Random], Variant]:
    """The correct option plus ``options - 1`` distractors drawn from ``wrong``, shuffled."""
    def build(rng: random.Random) -> Variant:
        picked = rng.sample(e.wrong, min(e.options - 1, len(e.wrong)))
        choices = [e.correct, *picked]
        rng.shuffle(choices)
        return Variant(qid=e.id, topic=topic, kind="single", prompt=e.prompt, choices=choices,
                       answer=LETTERS[choices.index(e.correct)], hint=e.hint, explanation=e.explanation,
                       answer_format="one letter, e.g. B")
    return build


def _multi(e: bankfile.MultipleChoice, topic: str) -> Callable[[random.Random], Variant]:
    """Between ``n_right`` correct options, the rest distractors, shuffled."""
    def build(rng: random.Random) -> Variant:
        k = rng.randint(e.n_right[0], min(e.n_right[1], len(e.right)))
        chosen_right = rng.sample(e.right, k)
        chosen_wrong = rng.sample(e.wrong, min(e.options - k, len(e.wrong)))
        choices = chosen_right + chosen_wrong
        rng.shuffle(choices)
        answer = sorted(LETTERS[choices.index(c)] for c in chosen_right)
        return Variant(qid=e.id, topic=topic, kind="multi",
                       prompt=e.prompt + " Select all that apply.", choices=choices, answer=answer,
                       hint=e.hint, explanation=e.explanation,
                       answer_format="a list of letters, e.g. [A, C]")
    return build


def _true_false(e: bankfile.TrueFalse, topic: str) -> Callable[[random.Random], Variant]:
    """One statement drawn from the pool."""
    def build(rng: random.Random) -> Variant:
        s = rng.choice(e.statements)
        return Variant(qid=e.id, topic=topic, kind="tf", prompt=f"True or false: {s.text}",
                       answer=s.truth, hint=e.hint, explanation=s.why, answer_format="true or false")
    return build


def _question(e, topic: str) -> Question:
    if isinstance(e, bankfile.Computed):
        kind, build = GENERATORS[e.generator]
        return Question(e.id, topic, kind, e.title, build, e.tier)
    build = {"single": _single, "multi": _multi, "tf": _true_false}[e.kind](e, topic)
    title = e.statements[0].text if e.kind == "tf" else e.prompt
    return Question(e.id, topic, e.kind, title.split("\n")[0][:80], build, e.tier)


def load_bank(folder: Path) -> dict[str, Question]:
    """The questions of a bank folder, in file and then list order; raises ``bankfile.BankFileError``
    with every problem found (see :func:`check_bank`)."""
    problems = check_bank(folder)
    if problems:
        raise bankfile.BankFileError(problems)
    return {e.id: _question(e, f.topic) for _, f in bankfile.read_folder(folder) for e in f.questions}


def check_bank(folder: Path, build: bool = False) -> list[str]:
    """Every problem of a bank folder, each naming its file and question: the schema, unknown topics
    and generators, a generator of another kind, duplicate ids; with ``build``, also a variant drawn
    from each question (which runs the generators, and so needs ``solutions/``)."""
    try:
        files = bankfile.read_folder(folder)
    except bankfile.BankFileError as err:
        return err.problems
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path, f in files:
        if f.topic not in TOPICS:
            problems.append(f"{path.name}: unknown topic {f.topic!r}; the topics are: {', '.join(TOPICS)}")
        for n, e in enumerate(f.questions, 1):
            where = f"{path.name}: question {n} ({e.id})"
            if e.id in seen:
                problems.append(f"{where}: the id is already used in {seen[e.id]}")
            seen[e.id] = path.name
            if isinstance(e, bankfile.Computed):
                if e.generator not in GENERATORS:
                    problems.append(f"{where}: unknown generator {e.generator!r}; the generators are: "
                                    + ", ".join(sorted(GENERATORS)))
                elif GENERATORS[e.generator][0] != e.kind:
                    problems.append(f"{where}: generator {e.generator!r} makes {GENERATORS[e.generator][0]} "
                                    f"questions, not {e.kind}")
    if build and not problems:
        for path, f in files:
            for e in f.questions:
                try:
                    _question(e, f.topic).variant(random.Random(0))
                except Exception as exc:  # noqa: BLE001 - reported for the instructor, with the question
                    problems.append(f"{path.name}: {e.id}: drawing a variant failed ({type(exc).__name__}: {exc})")
    return problems


def use_bank(folder: Path) -> None:
    """Make the questions of ``folder`` the bank (in place, so every importer of ``BANK`` sees them)."""
    questions = load_bank(folder)
    BANK.clear()
    BANK.update(questions)


def numeric(qid: str, topic: str, title: str, build: Callable[[random.Random], Variant]) -> None:
    """Register the generator of a numeric question (named after its id, ``-`` as ``_``)."""
    GENERATORS[qid.replace("-", "_")] = ("numeric", build)


def formula(qid: str, topic: str, title: str, build: Callable[[random.Random], Variant]) -> None:
    """Register the generator of a formula question (named after its id, ``-`` as ``_``)."""
    GENERATORS[qid.replace("-", "_")] = ("formula", build)


# ---------------------------------------------------------------------------------------------
# Number helpers for hand-computation questions
# ---------------------------------------------------------------------------------------------

_GRID = [v / 10 for v in range(-9, 10) if v != 0]


def _nums(rng: random.Random, n: int, grid: list[float] = _GRID) -> list[float]:
    return [rng.choice(grid) for _ in range(n)]


def _fmt(v: float) -> str:
    return f"{v:g}"


def _t(v: float) -> str:
    """A number as a term of a worked equation: negatives in parentheses with a true minus, 0.1·(−0.8)."""
    return f"(−{abs(v):g})" if v < 0 else f"{v:g}"


def _vec(vals: list[float]) -> str:
    return "[" + ", ".join(_fmt(v) for v in vals) + "]"


def _row(vals: list[float]) -> np.ndarray:
    """A batch of one: shape (1, len(vals))."""
    return np.array([vals], dtype=np.float64)


def _mat(vals: list[float]) -> np.ndarray:
    """Weights of a one-unit layer: shape (1, len(vals))."""
    return np.array([vals], dtype=np.float64)


def _b(v: float) -> np.ndarray:
    return np.array([v], dtype=np.float64)


def _scalar(arr: np.ndarray) -> float:
    arr = np.asarray(arr, dtype=np.float64)
    assert arr.size == 1
    return float(arr.reshape(-1)[0])


def _sig(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def _logit(p: float) -> float:
    """The pre-activation whose σ is ``p``."""
    return math.log(p / (1 - p))


def _miscon(value: float | str, feedback: str, mistake: str) -> dict:
    """A catalogued wrong answer: its value, the feedback, and the mistake's id (verb_object)."""
    return {"answer": value, "feedback": feedback, "id": mistake}


GATE_TOL = 0.002


# ---------------------------------------------------------------------------------------------
# Bidirectional vs causal
# ---------------------------------------------------------------------------------------------


def _build_bidir_width(rng: random.Random) -> Variant:
    from solutions.bidirectional import deep_bidirectional_forward

    d = rng.choice([3, 5, 6, 10, 12, 20])
    h = rng.choice([4, 7, 8, 16, 24, 32])
    layers = rng.choice([1, 2, 3])
    xs = np.zeros((2, 1, d))
    stack = []
    for layer in range(layers):
        width = d if layer == 0 else 2 * h
        cell = {"W_x": np.zeros((h, width)), "W_h": np.zeros((h, h)), "b": np.zeros(h)}
        stack.append((cell, dict(cell)))
    width = int(deep_bidirectional_forward(xs, stack, "rnn").shape[-1])
    return Variant(
        qid="bidir-output-width", topic="bidirectional", kind="numeric",
        prompt=f"A bidirectional vanilla RNN with {layers} layer{'s' if layers > 1 else ''} reads inputs of "
               f"size d = {d}; each direction has hidden size h = {h}. How many numbers does the top "
               "layer output at each time step?",
        answer=float(width), tolerance=0.0, answer_format=COUNT_FORMAT,
        misconceptions=[_miscon(float(h), "That is one direction only; the forward and backward states "
                                          "are concatenated.", "one_direction_only"),
                        _miscon(float(d), "The output size depends on h, not on the input size d.",
                                "output_width_is_d")],
        hint="Each time step gets one forward and one backward state.",
        explanation=f"h_t = [→h_t ; ←h_t] has 2h = {width} entries at every layer, the top one included.",
    )


numeric("bidir-output-width", "bidirectional", "Output width of a bidirectional RNN", _build_bidir_width)

# ---------------------------------------------------------------------------------------------
# Stacked RNNs
# ---------------------------------------------------------------------------------------------


def _build_stacked_step(rng: random.Random) -> Variant:
    from solutions.vanilla import rnn_cell

    x_t, h1_t, h2_prev = _nums(rng, 3)
    wx, wh, b = _nums(rng, 3)
    params = {"W_x": _mat([wx]), "W_h": _mat([wh]), "b": _b(b)}
    value = _scalar(rnn_cell(_row([h1_t]), _row([h2_prev]), params))
    wrong_x = _scalar(rnn_cell(_row([x_t]), _row([h2_prev]), params))
    no_tanh = wx * h1_t + wh * h2_prev + b
    return Variant(
        qid="stacked-layer2-step", topic="stacked", kind="numeric",
        prompt="A stacked vanilla RNN has hidden size h = 1 in every layer and φ = tanh. Compute the "
               "state of layer 2 at time t, h_t^(2) = tanh(W_x^(2) · (its input) + W_h^(2) h_{t−1}^(2) + b^(2)).",
        given=[["x_t", _fmt(x_t)], ["h_t^(1)", _fmt(h1_t)], ["h_{t−1}^(2)", _fmt(h2_prev)],
               ["W_x^(2)", _fmt(wx)], ["W_h^(2)", _fmt(wh)], ["b^(2)", _fmt(b)]],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(wrong_x, "You fed x_t to layer 2. Layer ℓ ≥ 2 reads h_t^(ℓ−1), the layer below.",
                    "feed_x_to_every_layer"),
            _miscon(no_tanh, "That is the pre-activation; apply φ = tanh.", "tanh_left_out"),
        ],
        hint="Layer 2's input at time t is not x_t.",
        explanation=f"h_t^(2) = tanh({_t(wx)}·{_t(h1_t)} + {_t(wh)}·{_t(h2_prev)} + {_t(b)}) "
                    f"= {value:.4f}.",
    )


numeric("stacked-layer2-step", "stacked", "One step of layer 2 in a stacked RNN", _build_stacked_step)

# ---------------------------------------------------------------------------------------------
# GRU gates
# ---------------------------------------------------------------------------------------------


def _gate_question(qid: str, topic: str, gate_name: str, sym: str, fn: Callable,
                   keys: tuple[str, str, str], cell_name: str, title: str) -> None:
    W, U, bname = keys

    def build(rng: random.Random) -> Variant:
        from grader.misconceptions.param_count import with_article

        article = with_article(cell_name)
        x = _nums(rng, 2)
        hp, u, b = _nums(rng, 3)
        w = _nums(rng, 2)
        params = {W: _mat(w), U: _mat([u]), bname: _b(b)}
        value = _scalar(fn()(_row(x), _row([hp]), params))
        pre = w[0] * x[0] + w[1] * x[1] + u * hp + b
        return Variant(
            qid=qid, topic=topic, kind="numeric",
            prompt=f"{article[0].upper()}{article[1:]} with input size d = 2 and hidden size h = 1 is at time step t. Compute "
                   f"the {gate_name} {sym} = σ({W} x_t + {U} h_{{t−1}} + {bname}).",
            given=[["x_t", _vec(x)], ["h_{t−1}", _fmt(hp)], [W, _vec(w)], [U, _fmt(u)], [bname, _fmt(b)]],
            answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
            misconceptions=[
                _miscon(pre, "That is the pre-activation; a gate applies σ to it.", "sigmoid_left_out"),
                _miscon(math.tanh(pre), "Gates use σ, which lies in (0, 1); tanh is for candidate states.",
                        "tanh_for_gate"),
                _miscon(_sig(pre - b), f"The bias {bname} is missing.", "bias_left_out"),
            ],
            hint="First the pre-activation (three products and the bias), then σ(a) = 1 / (1 + e^(−a)).",
            explanation=f"a = {_t(w[0])}·{_t(x[0])} + {_t(w[1])}·{_t(x[1])} + {_t(u)}·{_t(hp)} "
                        f"+ {_t(b)} = {pre:.4f}, so {sym} = σ(a) = {value:.4f}.",
        )

    numeric(qid, topic, title, build)


def _ref(module: str, name: str) -> Callable[[], Callable]:
    """Late lookup of a reference function, so importing the bank does not import ``solutions``."""
    def get() -> Callable:
        import importlib

        return getattr(importlib.import_module(f"solutions.{module}"), name)
    return get


_gate_question("gru-update-gate", "gru", "update gate", "z_t", _ref("gru", "update_gate"),
               ("W_z", "U_z", "b_z"), "GRU", "Compute a GRU update gate by hand")
_gate_question("gru-reset-gate", "gru", "reset gate", "r_t", _ref("gru", "reset_gate"),
               ("W_r", "U_r", "b_r"), "GRU", "Compute a GRU reset gate by hand")


def _build_gru_candidate(rng: random.Random) -> Variant:
    candidate_state = _ref("gru", "candidate_state")()
    x, hp, r, w, u, b = _nums(rng, 6)
    r = abs(r)
    params = {"W_h": _mat([w]), "U_h": _mat([u]), "b_h": _b(b)}
    value = _scalar(candidate_state(_row([x]), _row([hp]), _row([r]), params))
    no_reset = _scalar(candidate_state(_row([x]), _row([hp]), _row([1.0]), params))
    return Variant(
        qid="gru-candidate", topic="gru", kind="numeric",
        prompt="A GRU with d = 1 and h = 1 has already computed its reset gate r_t. Compute the candidate "
               "state h~_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h).",
        given=[["x_t", _fmt(x)], ["h_{t−1}", _fmt(hp)], ["r_t", _fmt(r)], ["W_h", _fmt(w)],
               ["U_h", _fmt(u)], ["b_h", _fmt(b)]],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(no_reset, "The reset gate is missing: the candidate reads r_t ⊙ h_{t−1}, not h_{t−1}.",
                    "drop_reset_gate"),
            _miscon(w * x + u * r * hp + b, "That is the pre-activation; the candidate applies tanh.",
                    "tanh_left_out"),
            _miscon(_sig(w * x + u * r * hp + b), "The candidate state uses tanh, not σ.", "sigmoid_for_candidate"),
        ],
        hint="Scale h_{t−1} by r_t first, then apply U_h, add the rest and take tanh.",
        explanation=f"h~_t = tanh({_t(w)}·{_t(x)} + {_t(u)}·({_t(r)}·{_t(hp)}) + {_t(b)}) "
                    f"= {value:.4f}.",
    )


numeric("gru-candidate", "gru", "Compute a GRU candidate state", _build_gru_candidate)


def _build_gru_mix(rng: random.Random) -> Variant:
    """h_t from given z_t, h_{t-1} and h~_t, computed by the reference ``gru_cell``.

    The reference cell is driven with zero weights and biases b_z = logit(z), b_h = atanh(h~), so
    its gates take exactly the given values and the key comes from the reference update rule.
    """
    gru_cell = _ref("gru", "gru_cell")()
    z = rng.choice([0.1, 0.2, 0.25, 0.3, 0.7, 0.75, 0.8, 0.9])
    hp, ht = _nums(rng, 2)
    while abs(hp - ht) < 0.3:  # keep the old state and the candidate clearly apart
        hp, ht = _nums(rng, 2)
    zero = np.zeros((1, 1))
    params = {
        "W_r": zero, "U_r": zero, "b_r": _b(0.0),
        "W_z": zero, "U_z": zero, "b_z": _b(_logit(z)),
        "W_h": zero, "U_h": zero, "b_h": _b(math.atanh(ht)),
    }
    value = _scalar(gru_cell(np.zeros((1, 1)), _row([hp]), params))
    swapped = z * hp + (1 - z) * ht
    keeps = "keeps most of the old state" if z < 0.5 else "takes most of the candidate"
    return Variant(
        qid="gru-state-update", topic="gru", kind="numeric",
        prompt="A GRU with h = 1 has computed its update gate and candidate state. Compute the new state "
               "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t.",
        given=[["h_{t−1}", _fmt(hp)], ["z_t", _fmt(z)], ["h~_t", _fmt(ht)]],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(swapped, "You swapped the roles of z_t and 1 − z_t (PyTorch's convention). In the "
                             "course a small z_t keeps the old state: h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t.",
                    "swap_update_gate"),
            _miscon(ht, "That is the candidate alone; h_t mixes h_{t−1} and h~_t.", "candidate_only"),
            _miscon(hp, "That is the old state alone; h_t mixes h_{t−1} and h~_t.", "old_state_only"),
        ],
        hint="A small z_t keeps the old state.",
        explanation=f"h_t = (1 − {_t(z)})·{_t(hp)} + {_t(z)}·{_t(ht)} = {value:.4f}; with "
                    f"z_t = {_t(z)} the GRU {keeps}.",
    )


numeric("gru-state-update", "gru", "Mix the old state and the candidate", _build_gru_mix)


def _build_gru_step(rng: random.Random) -> Variant:
    gru_cell = _ref("gru", "gru_cell")()
    x, hp = _nums(rng, 2)
    vals = {k: _nums(rng, 1)[0] for k in ("W_r", "U_r", "b_r", "W_z", "U_z", "b_z", "W_h", "U_h", "b_h")}
    params = {k: (_b(v) if k.startswith("b") else _mat([v])) for k, v in vals.items()}
    value = _scalar(gru_cell(_row([x]), _row([hp]), params))
    r = _sig(vals["W_r"] * x + vals["U_r"] * hp + vals["b_r"])
    z = _sig(vals["W_z"] * x + vals["U_z"] * hp + vals["b_z"])
    cand = math.tanh(vals["W_h"] * x + vals["U_h"] * r * hp + vals["b_h"])
    swapped = z * hp + (1 - z) * cand
    no_reset = (1 - z) * hp + z * math.tanh(vals["W_h"] * x + vals["U_h"] * hp + vals["b_h"])
    return Variant(
        qid="gru-full-step", topic="gru", kind="numeric",
        prompt="Carry out one full GRU step with d = 1 and h = 1: compute r_t, z_t, the candidate h~_t and "
               "finally h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t. Report h_t.",
        given=[["x_t", _fmt(x)], ["h_{t−1}", _fmt(hp)]] + [[k, _fmt(v)] for k, v in vals.items()],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(swapped, "You swapped z_t and 1 − z_t. In the course a small z_t keeps the old state.",
                    "swap_update_gate"),
            _miscon(no_reset, "The candidate must use r_t ⊙ h_{t−1}; the reset gate was left out.",
                    "drop_reset_gate"),
        ],
        hint="Order: r_t and z_t (σ), then h~_t (tanh, with r_t ⊙ h_{t−1}), then the mix.",
        explanation=f"r_t = {r:.4f}, z_t = {z:.4f}, h~_t = {cand:.4f}, so h_t = (1 − z_t)·{_t(hp)} + "
                    f"z_t·h~_t = {value:.4f}.",
    )


numeric("gru-full-step", "gru", "One full GRU step by hand", _build_gru_step)

# ---------------------------------------------------------------------------------------------
# LSTM gates and cell state
# ---------------------------------------------------------------------------------------------


def _build_lstm_cell_update(rng: random.Random) -> Variant:
    cell_update = _ref("lstm", "cell_update")()
    f, i = (abs(v) for v in _nums(rng, 2))
    cp, ct = _nums(rng, 2)
    value = _scalar(cell_update(_row([cp]), _row([f]), _row([i]), _row([ct])))
    return Variant(
        qid="lstm-cell-update", topic="lstm", kind="numeric",
        prompt="An LSTM with h = 1 has computed its gates and candidate. Compute the new cell state "
               "c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t.",
        given=[["c_{t−1}", _fmt(cp)], ["f_t", _fmt(f)], ["i_t", _fmt(i)], ["c~_t", _fmt(ct)]],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(f * cp + ct, "The input gate i_t must scale the candidate c~_t.", "input_gate_left_out"),
            _miscon(cp + i * ct, "The forget gate f_t must scale the old cell state c_{t−1}.",
                    "forget_gate_left_out"),
            _miscon((1 - i) * cp + i * ct, "That is a GRU-style mix; the LSTM has a separate forget gate f_t.",
                    "gru_style_mix"),
        ],
        hint="Two products, then add them.",
        explanation=f"c_t = {_t(f)}·{_t(cp)} + {_t(i)}·{_t(ct)} = {value:.4f}.",
    )


numeric("lstm-cell-update", "lstm", "Compute an LSTM cell update", _build_lstm_cell_update)


def _build_lstm_hidden(rng: random.Random) -> Variant:
    hidden_state = _ref("lstm", "hidden_state")()
    o = abs(_nums(rng, 1)[0])
    c = rng.choice([v / 10 for v in range(-20, 21) if v != 0])
    value = _scalar(hidden_state(_row([o]), _row([c])))
    return Variant(
        qid="lstm-hidden-state", topic="lstm", kind="numeric",
        prompt="An LSTM with h = 1 has its output gate o_t and new cell state c_t. Compute the hidden "
               "state h_t = o_t ⊙ tanh(c_t).",
        given=[["o_t", _fmt(o)], ["c_t", _fmt(c)]],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(o * c, "tanh is missing: h_t = o_t ⊙ tanh(c_t).", "hidden_without_tanh"),
            _miscon(math.tanh(o * c), "Apply tanh to c_t first, then multiply by o_t.", "tanh_after_gate"),
        ],
        hint="Squash c_t with tanh, then scale by o_t.",
        explanation=f"h_t = {_t(o)}·tanh({_t(c)}) = {value:.4f}.",
    )


numeric("lstm-hidden-state", "lstm", "Compute an LSTM hidden state", _build_lstm_hidden)

_gate_question("lstm-forget-gate", "lstm", "forget gate", "f_t", _ref("lstm", "forget_gate"),
               ("W_f", "U_f", "b_f"), "LSTM", "Compute an LSTM forget gate by hand")


def _build_lstm_step(rng: random.Random) -> Variant:
    lstm_cell = _ref("lstm", "lstm_cell")()
    x, hp, cp = _nums(rng, 3)
    names = ("W_f", "U_f", "b_f", "W_i", "U_i", "b_i", "W_c", "U_c", "b_c", "W_o", "U_o", "b_o")
    vals = {k: _nums(rng, 1)[0] for k in names}
    params = {k: (_b(v) if k.startswith("b") else _mat([v])) for k, v in vals.items()}
    h, c = lstm_cell(_row([x]), _row([hp]), _row([cp]), params)
    ask = rng.choice(["c_t", "h_t"])
    value = _scalar(c if ask == "c_t" else h)

    def pre(g: str) -> float:
        return vals[f"W_{g}"] * x + vals[f"U_{g}"] * hp + vals[f"b_{g}"]

    f, i, o, ct = _sig(pre("f")), _sig(pre("i")), _sig(pre("o")), math.tanh(pre("c"))
    c_no_f = cp + i * ct
    miscons = [_miscon(c_no_f if ask == "c_t" else o * math.tanh(c_no_f),
                       "The forget gate must scale c_{t−1} in c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t.",
                       "forget_gate_left_out")]
    if ask == "h_t":
        miscons.append(_miscon(o * (f * cp + i * ct), "tanh is missing: h_t = o_t ⊙ tanh(c_t).",
                               "hidden_without_tanh"))
        miscons.append(_miscon(f * cp + i * ct, "That is c_t; the question asks for h_t = o_t ⊙ tanh(c_t).",
                               "reported_c_for_h"))
    else:
        miscons.append(_miscon(o * math.tanh(f * cp + i * ct), "That is h_t; the question asks for c_t.",
                               "reported_h_for_c"))
    return Variant(
        qid="lstm-full-step", topic="lstm", kind="numeric",
        prompt=f"Carry out one full LSTM step with d = 1 and h = 1: compute f_t, i_t, o_t, c~_t, then "
               f"c_t = f_t ⊙ c_{{t−1}} + i_t ⊙ c~_t and h_t = o_t ⊙ tanh(c_t). Report {ask}.",
        given=[["x_t", _fmt(x)], ["h_{t−1}", _fmt(hp)], ["c_{t−1}", _fmt(cp)]]
              + [[k, _fmt(v)] for k, v in vals.items()],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=miscons,
        hint="Three σ gates and one tanh candidate, all from x_t and h_{t−1}; then the cell update.",
        explanation=f"f_t = {f:.4f}, i_t = {i:.4f}, o_t = {o:.4f}, c~_t = {ct:.4f}; c_t = {float(c[0, 0]):.4f} "
                    f"and h_t = {float(h[0, 0]):.4f}.",
    )


numeric("lstm-full-step", "lstm", "One full LSTM step by hand", _build_lstm_step)

# ---------------------------------------------------------------------------------------------
# Vanishing gradients: products of the steps' Jacobians
# ---------------------------------------------------------------------------------------------

_FORGET = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99]
_FORGET_BIAS = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
_SATURATION = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]


def _cell_path(forget_pre: list[float]) -> float:
    """∂c_k/∂c_0 of a one-unit LSTM whose forget gate's pre-activation at step t is ``forget_pre[t−1]``,
    from the reference cell and its Jacobian: the (c, c) entry of J_k … J_1 (``state_jacobian``,
    state [h; c]). Every weight is zero, so no step reaches c_t from c_{t−1} through h."""
    lstm_cell = _ref("lstm", "lstm_cell")()
    state_jacobian = _ref("gradient_flow", "state_jacobian")()
    zero = np.zeros((1, 1))
    x, h, c = np.zeros((1, 1)), _row([0.0]), _row([1.0])
    product = np.eye(2)
    for a in forget_pre:
        params = {f"{m}_{g}": zero for m in ("W", "U") for g in "fico"}
        params.update({f"b_{g}": _b(0.0) for g in "ico"}, b_f=_b(a))
        product = state_jacobian("lstm", x, h, params, c)[0] @ product
        h, c = lstm_cell(x, h, c, params)
    return float(product[1, 1])


def _build_forget_product(rng: random.Random) -> Variant:
    k = rng.choice([3, 4, 5])
    fs = [rng.choice(_FORGET) for _ in range(k)]
    value = _cell_path([_logit(f) for f in fs])
    return Variant(
        qid="grad-forget-product", topic="gradients", kind="numeric",
        prompt=f"An LSTM with hidden size h = 1 runs for {k} steps. Along its cell-state path the update "
               "c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t gives ∂c_t/∂c_{t−1} = f_t. With the forget gates below, by "
               f"what factor ∂c_{k}/∂c_0 is a gradient arriving at c_{k} scaled when it reaches c_0 along "
               "this path?",
        given=[[f"f_{t}", _fmt(f)] for t, f in enumerate(fs, 1)],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(sum(fs), "The chain rule multiplies the steps' derivatives ∂c_t/∂c_{t−1} = f_t; it does not "
                             "add them.", "forget_gates_added"),
            _miscon(_cell_path([_logit(f) for f in fs[1:]]),
                    f"That is ∂c_{k}/∂c_1, one step short: from c_{k} back to c_0 the gradient passes all {k} "
                    "forget gates.", "step_left_out"),
            _miscon(math.prod(1 - f for f in fs), "∂c_t/∂c_{t−1} = f_t: a forget gate near 1 keeps c_{t−1}, and "
                                                  "its gradient; 1 − f_t is what it lets go.", "one_minus_forget_gate"),
        ],
        hint="Chain rule: ∂c_k/∂c_0 = ∂c_k/∂c_{k−1} · … · ∂c_1/∂c_0.",
        explanation=f"∂c_{k}/∂c_0 = f_1 · … · f_{k} = {' · '.join(_fmt(f) for f in fs)} = {value:.4f}: every "
                    "step multiplies the gradient by its forget gate, so gates near 1 let it through.",
    )


numeric("grad-forget-product", "gradients", "The cell-state gradient over k steps: the product of the forget gates",
        _build_forget_product)


def _build_forget_bias_power(rng: random.Random) -> Variant:
    b = rng.choice(_FORGET_BIAS)
    k = rng.randint(2, 10)
    value = _cell_path([b] * k)
    f = _cell_path([b])
    halves = " With b_f = 0 the gate is σ(0) = 0.5 and halves the gradient at every step, 0.5^k;" \
             " a larger forget bias keeps more of it." if b == 0 else \
             " A forget bias of 0 would give 0.5^k; the larger b_f keeps more of the gradient."
    return Variant(
        qid="grad-forget-bias-power", topic="gradients", kind="numeric",
        prompt="An LSTM with hidden size h = 1 has forget bias b_f, and the other terms of its forget gate are 0 "
               "(W_f x_t + U_f h_{t−1} = 0), so f_t = σ(b_f) at every step. Along the cell-state path, "
               f"∂c_t/∂c_{{t−1}} = f_t. By what factor ∂c_{k}/∂c_0 is a gradient scaled over these k = {k} steps?",
        given=[["b_f", _fmt(b)], ["k", str(k)]],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(_cell_path([b] * (k - 1)), f"That is {k - 1} steps: from c_{k} back to c_0 the gradient meets "
                                               f"{k} forget gates.", "exponent_off_by_one"),
            _miscon(k * f, "The steps' factors multiply, f · f · … · f = f^k; they do not add up to k · f.",
                    "factor_times_steps"),
            _miscon(b ** k, "The factor is the gate f_t = σ(b_f), not its pre-activation b_f.", "sigmoid_left_out"),
        ],
        hint="One step multiplies the gradient by f_t = σ(b_f); k steps multiply it k times.",
        explanation=f"f_t = σ({_t(b)}) = {f:.4f} at every step, so ∂c_{k}/∂c_0 = f^{k} = {value:.4f}." + halves,
    )


numeric("grad-forget-bias-power", "gradients", "A constant forget gate over k steps: σ(b_f)^k",
        _build_forget_bias_power)


def _build_vanilla_bound(rng: random.Random) -> Variant:
    state_jacobian = _ref("gradient_flow", "state_jacobian")()
    m = rng.choice(_SATURATION)
    k = rng.choice([2, 3, 4, 5])

    def step_norm(W_h: np.ndarray, level: float) -> float:
        """‖∂h_t/∂h_{t−1}‖_F of the reference cell at a step whose units all end at |h_t| = level."""
        params = {"W_x": np.zeros((2, 1)), "W_h": W_h, "b": np.full(2, math.atanh(level))}
        return float(np.linalg.norm(state_jacobian("rnn", np.zeros((1, 1)), np.zeros((1, 2)), params)[0], "fro"))

    W_h = np.array([_nums(rng, 2), _nums(rng, 2)])
    while step_norm(W_h, m) >= 1:  # a bound below 1 per step: the gradient must vanish
        W_h = np.array([_nums(rng, 2), _nums(rng, 2)])
    per_step, norm = step_norm(W_h, m), step_norm(W_h, 0.0)
    value = per_step ** k
    return Variant(
        qid="grad-vanilla-bound", topic="gradients", kind="numeric",
        prompt="A vanilla RNN h_t = tanh(W_x x_t + W_h h_{t−1} + b) has hidden size h = 2. By the chain rule, "
               "‖∂h_t/∂h_{t−k}‖ ≤ (‖W_h‖ · max|tanh′|)^k, with ‖·‖ the Frobenius norm and the maximum over "
               f"the k steps. Over these k = {k} steps every unit's state stays at |h| ≥ m. Compute the bound.",
        given=[["W_h", "[" + ", ".join(_vec(list(row)) for row in W_h) + "]"], ["m", _fmt(m)], ["k", str(k)]],
        answer=value, tolerance=GATE_TOL, answer_format=NUMERIC_FORMAT,
        misconceptions=[
            _miscon(norm ** k, "Each step also multiplies by tanh′(a_t) = 1 − h_t², at most 1 − m² here.",
                    "derivative_bound_left_out"),
            _miscon(per_step ** (k - 1), f"That is {k - 1} steps: from h_{{t−k}} to h_t there are {k} Jacobians.",
                    "exponent_off_by_one"),
            _miscon(((1 - m) * norm) ** k, "tanh′(a) = 1 − tanh²(a) = 1 − h_t², so |h| ≥ m bounds it by 1 − m², "
                                           "not 1 − m.", "tanh_derivative_as_one_minus_h"),
            _miscon((1 - m * m) * norm ** k, "Every step has its own tanh′ factor: raise ‖W_h‖ · max|tanh′| to "
                                             "the power k, not ‖W_h‖ alone.", "derivative_bound_once"),
        ],
        hint="tanh′(a) = 1 − tanh²(a); the norm is the square root of the sum of the squared entries.",
        explanation=f"‖W_h‖ = {norm:.4f} and max|tanh′| = 1 − m² = {_fmt(1 - m * m)}, so the bound is "
                    f"({norm:.4f} · {_fmt(1 - m * m)})^{k} = {per_step:.4f}^{k} = {value:.4f}: below 1 per step, so "
                    "the gradient vanishes geometrically with the distance in time.",
    )


numeric("grad-vanilla-bound", "gradients", "The vanilla RNN's Jacobian bound over k steps", _build_vanilla_bound)

# ---------------------------------------------------------------------------------------------
# Parameter counts
# ---------------------------------------------------------------------------------------------

_D, _H, _L = sympy.symbols("d h L")


@functools.lru_cache(maxsize=None)
def _symbolic_counts(cell: str, layers, bidirectional: bool) -> tuple[str, str, tuple]:
    """The key as text and in the course's notation, and the catalogued mistakes (shared with the code checks) that are a different formula from the
    key and from each other for this stack: a formula equal to the key, or to an earlier mistake,
    for every d and h cannot be told apart by any numbers, so it is left out here, once per shape."""
    from grader.misconceptions.param_count import count_mistakes
    from solutions.param_count import stacked_param_count

    key = sympy.expand(stacked_param_count(cell, _D, _H, layers, bidirectional))
    kept: list = []
    seen = [key]
    for m in count_mistakes(cell, layers, bidirectional):
        expr = sympy.expand(m.count(cell, _D, _H, layers, bidirectional))
        if any(sympy.expand(expr - other) == 0 for other in seen):
            continue
        seen.append(expr)
        kept.append((m, str(expr)))
    return str(key), course_notation(key), tuple(kept)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def course_notation(expr: sympy.Expr) -> str:
    """A polynomial count as the course notes write it: ``3*d*h + 3*h**2 + 3*h`` is ``3(hd + h² + h)``."""
    content, rest = sympy.expand(expr).as_content_primitive()
    order = [s for s in (_L, _H, _D) if s in rest.free_symbols]
    terms = sympy.Poly(rest, *order).terms() if order else [((), rest)]
    d_index = order.index(_D) if _D in order else None

    def key(term):
        powers = term[0]
        return (-(powers[d_index] if d_index is not None else 0), -sum(powers))

    parts = []
    for powers, coeff in sorted(terms, key=key):
        factors = "".join(sym.name + (str(p).translate(_SUPERSCRIPT) if p > 1 else "")
                          for sym, p in zip(order, powers) if p)
        number = abs(coeff)
        text = (f"{number}" if number != 1 or not factors else "") + factors
        parts.append(("− " if coeff < 0 else "+ ") + text)
    body = " ".join(parts).removeprefix("+ ")
    body = "−" + body.removeprefix("− ") if body.startswith("− ") else body
    return body if content == 1 else f"{content}({body})"


def _count_miscons(cell: str, d, h, layers=1, bidirectional=False) -> list[dict]:
    """The catalogued wrong counts for this stack at sizes ``d``, ``h`` (numbers or SymPy symbols)."""
    out = []
    for m, text in _symbolic_counts(cell, layers, bidirectional)[2]:
        value = m.count(cell, d, h, layers, bidirectional)
        out.append(_miscon(text if isinstance(value, sympy.Basic) else float(value), m.message(cell), m.id))
    return out


def _count_question(qid: str, title: str, choose: Callable[[random.Random], tuple[str, int, bool]]) -> None:
    def build(rng: random.Random) -> Variant:
        from grader.misconceptions.param_count import CELL_NAMES, MAPS, with_article
        from solutions.param_count import stacked_param_count

        cell, layers, bidir = choose(rng)
        d = rng.choice([3, 5, 8, 10, 12, 16, 20, 26, 32, 50, 64, 100])
        h = rng.choice([4, 6, 8, 10, 16, 20, 32, 64, 128])
        value = stacked_param_count(cell, d, h, layers, bidir)
        shape = (f"do {layers} stacked{' bidirectional' if bidir else ''} {CELL_NAMES[cell]} layers"
                 if layers > 1 else f"does one{' bidirectional' if bidir else ''} {CELL_NAMES[cell]} layer")
        miscons = _count_miscons(cell, d, h, layers, bidir)
        g = MAPS[cell]
        per = f"{g}(hd + h² + h)" if g > 1 else "hd + h² + h"
        return Variant(
            qid=qid, topic="params", kind="numeric",
            prompt=f"How many trainable parameters {shape} have, with input size d = {d} and hidden "
                   f"size h = {h}{' per direction' if bidir else ''}? Count weights and one bias vector "
                   "per affine map; there is no output layer.",
            answer=float(value), tolerance=0.0, answer_format=COUNT_FORMAT,
            misconceptions=miscons,
            hint=f"One {CELL_NAMES[cell]} cell has {per} parameters; later layers read h"
                 f"{' (2h when bidirectional)' if bidir else ''} inputs.",
            explanation=f"The count is {int(value)}: {with_article(CELL_NAMES[cell])} cell has {per} parameters"
                        + ("; layer ℓ ≥ 2 reads " + ("2h" if bidir else "h") + " inputs" if layers > 1 else "")
                        + ("; each bidirectional layer holds two cells" if bidir else "") + ".",
        )

    numeric(qid, "params", title, build)


_count_question("count-gru", "Parameters of one GRU layer", lambda rng: ("gru", 1, False))
_count_question("count-lstm", "Parameters of one LSTM layer", lambda rng: ("lstm", 1, False))
_count_question("count-stacked", "Parameters of a stacked recurrent network",
                lambda rng: (rng.choice(["rnn", "gru", "lstm"]), rng.choice([2, 3, 4]), False))
_count_question("count-bidirectional", "Parameters of a bidirectional recurrent network",
                lambda rng: (rng.choice(["gru", "lstm"]), rng.choice([1, 2]), True))

_TORCH_MODULES = {"rnn": "nn.RNN", "gru": "nn.GRU", "lstm": "nn.LSTM"}


def _torch_count(rng: random.Random) -> Variant:
    """PyTorch's count of one layer against the course's: the second bias vector of every affine map."""
    from grader.misconceptions.param_count import CELL_NAMES, MAPS
    from solutions.param_count import stacked_param_count, torch_param_count

    cell = rng.choice(["rnn", "gru", "lstm"])
    d = rng.choice([3, 5, 8, 10, 12, 16, 20, 26, 32, 50, 64, 100])
    h = rng.choice([4, 6, 8, 10, 16, 20, 32, 64, 128])
    value, course, g = torch_param_count(cell, d, h), stacked_param_count(cell, d, h, 1), MAPS[cell]
    module = _TORCH_MODULES[cell]
    course_per = f"{g}(hd + h² + h)" if g > 1 else "hd + h² + h"
    miscons = [_miscon(float(course), f"That is the course's count, {course_per}, with one bias vector per affine "
                       "map. PyTorch keeps two, bias_ih and bias_hh, so every map has 2h biases.",
                       "torch_bias_counted_once")]
    if g > 1:
        miscons.append(_miscon(float(course + h), f"One extra bias vector for the whole layer: each of the {g} affine "
                               "maps (every gate and the candidate) has its own bias_ih and bias_hh.",
                               "torch_second_bias_once_per_cell"))
    for other in MAPS:
        if other != cell:
            miscons.append(_miscon(float(torch_param_count(other, d, h)),
                                   f"That is {_TORCH_MODULES[other]}'s count; {module} has {g} affine "
                                   f"map{'s' if g > 1 else ''}.", f"torch_counted_as_{other}"))
    per = f"{g}(hd + h² + 2h)" if g > 1 else "hd + h² + 2h"
    return Variant(
        qid="count-torch", topic="params", kind="numeric",
        prompt=f"In PyTorch, layer = torch.{module}(input_size={d}, hidden_size={h}) (one layer, one direction). "
               "What does sum(p.numel() for p in layer.parameters()) print? PyTorch stores weight_ih, weight_hh, "
               "bias_ih and bias_hh for every affine map.",
        answer=float(value), tolerance=0.0, answer_format=COUNT_FORMAT,
        misconceptions=miscons,
        hint="The course counts hd + h² + h per affine map; PyTorch adds a second bias vector to each map.",
        explanation=f"PyTorch reports {int(value)} = {per}: the course's {int(course)} plus "
                    f"{f'{g}h' if g > 1 else 'h'} = {g * h} for the "
                    "second bias vector of each affine map. Only b_ih + b_hh enters the computation, so the "
                    "layer computes nothing the course's cell cannot: loading it sums the two biases.",
    )


numeric("count-torch", "params", "PyTorch's parameter count against the course's", _torch_count)

def _formula_question(qid: str, title: str, choose: Callable[[random.Random], tuple[str, object, bool]],
                      symbols: tuple[str, ...]) -> None:
    def build(rng: random.Random) -> Variant:
        from grader.misconceptions.param_count import CELL_NAMES

        cell, layers, bidir = choose(rng)
        expected, in_notation, _ = _symbolic_counts(cell, layers, bidir)
        miscons = _count_miscons(cell, _D, _H, layers, bidir)
        if layers == _L:
            what = f"a stack of L {'bidirectional ' if bidir else ''}{CELL_NAMES[cell]} layers"
        elif layers == 1:
            what = f"one {'bidirectional ' if bidir else ''}{CELL_NAMES[cell]} layer"
        else:
            what = f"{layers} stacked {'bidirectional ' if bidir else ''}{CELL_NAMES[cell]} layers"
        return Variant(
            qid=qid, topic="params", kind="formula",
            prompt=f"Write the number of trainable parameters of {what} as a formula in "
                   + ", ".join(symbols)
                   + f" (input size d, hidden size h{' per direction' if bidir else ''}"
                   + (", L layers" if "L" in symbols else "")
                   + "). Count weights and one bias vector per affine map; no output layer.",
            answer=str(expected), symbols=list(symbols),
            misconceptions=miscons,
            answer_format="a formula in " + ", ".join(symbols) + f", e.g. {FORMULA_EXAMPLE}; ^ or ** for powers",
            hint="One affine map reading n inputs into h units costs hn + h² + h (with the recurrent h × h "
                 "matrix and the bias).",
            explanation=f"The count is {in_notation}, which you may write in any equivalent form.",
        )

    formula(qid, "params", title, build)


_formula_question("formula-rnn", "Vanilla RNN parameter count as a formula",
                  lambda rng: ("rnn", 1, False), ("d", "h"))
_formula_question("formula-gru", "GRU parameter count as a formula",
                  lambda rng: ("gru", 1, False), ("d", "h"))
_formula_question("formula-lstm", "LSTM parameter count as a formula",
                  lambda rng: ("lstm", 1, False), ("d", "h"))
_formula_question("formula-two-layers", "Two stacked layers as a formula",
                  lambda rng: (rng.choice(["rnn", "gru", "lstm"]), 2, False), ("d", "h"))
_formula_question("formula-bidirectional", "One bidirectional layer as a formula",
                  lambda rng: (rng.choice(["gru", "lstm"]), 1, True), ("d", "h"))
_formula_question("formula-L-layers", "L stacked layers as a formula",
                  lambda rng: (rng.choice(["rnn", "gru", "lstm"]), _L, False), ("d", "h", "L"))


BANK.update(load_bank(QUESTIONS_DIR))


def questions(topic: str | None = None, kinds: list[str] | None = None) -> list[Question]:
    """Bank questions, optionally filtered by topic and kind, in bank order."""
    return [q for q in BANK.values()
            if (topic is None or q.topic == topic) and (kinds is None or q.kind in kinds)]
