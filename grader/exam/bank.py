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

import dataclasses
import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy

from ..formula import EXAMPLE as FORMULA_EXAMPLE
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
        assert v.qid == self.qid and v.kind == self.kind
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


BANK: dict[str, Question] = {}

TIERS = {1: "one step or one idea", 2: "several steps chained"}
_SEVERAL_STEPS = {"gru-full-step", "lstm-full-step", "count-stacked", "count-bidirectional", "formula-two-layers",
                  "formula-bidirectional", "formula-L-layers"}

# Questions that cue each other's answers (the same facts asked twice, or one's options listing the
# other's answer); a paper holds at most one question of each group.
TWINS: tuple[frozenset[str], ...] = (
    frozenset({"gru-components", "gru-parts", "lstm-parts"}),
    frozenset({"stacked-hierarchy", "stacked-hierarchies"}),
    frozenset({"choice-prefer-gru", "choice-prefer-lstm"}),
)


def twins_of(qid: str) -> set[str]:
    """The other questions that may not share a paper with ``qid``."""
    return {other for group in TWINS if qid in group for other in group if other != qid}


def _register(q: Question) -> None:
    if q.qid in BANK:
        raise ValueError(f"duplicate question id {q.qid}")
    if q.topic not in TOPICS:
        raise ValueError(f"{q.qid}: unknown topic {q.topic}")
    BANK[q.qid] = dataclasses.replace(q, tier=2 if q.qid in _SEVERAL_STEPS else 1)


# ---------------------------------------------------------------------------------------------
# Kind helpers
# ---------------------------------------------------------------------------------------------

def single(qid: str, topic: str, prompt: str, correct: str, wrong: list[str], *,
           hint: str, explanation: str, options: int = 4) -> None:
    """A single-choice question: the correct option plus ``options - 1`` distractors from ``wrong``."""
    def build(rng: random.Random) -> Variant:
        picked = rng.sample(wrong, min(options - 1, len(wrong)))
        choices = [correct, *picked]
        rng.shuffle(choices)
        return Variant(qid=qid, topic=topic, kind="single", prompt=prompt, choices=choices,
                       answer=LETTERS[choices.index(correct)], hint=hint, explanation=explanation,
                       answer_format="one letter, e.g. B")
    _register(Question(qid, topic, "single", prompt.split("\n")[0][:80], build))


def multi(qid: str, topic: str, prompt: str, right: list[str], wrong: list[str], *,
          hint: str, explanation: str, n_right: tuple[int, int] = (2, 3), options: int = 5) -> None:
    """A multiple-choice question: between ``n_right`` correct options, the rest distractors."""
    def build(rng: random.Random) -> Variant:
        k = rng.randint(n_right[0], min(n_right[1], len(right)))
        chosen_right = rng.sample(right, k)
        chosen_wrong = rng.sample(wrong, min(options - k, len(wrong)))
        choices = chosen_right + chosen_wrong
        rng.shuffle(choices)
        answer = sorted(LETTERS[choices.index(c)] for c in chosen_right)
        return Variant(qid=qid, topic=topic, kind="multi",
                       prompt=prompt + " Select all that apply.", choices=choices, answer=answer,
                       hint=hint, explanation=explanation,
                       answer_format="a list of letters, e.g. [A, C]")
    _register(Question(qid, topic, "multi", prompt[:80], build))


def true_false(qid: str, topic: str, statements: list[tuple[str, bool, str]], *, hint: str) -> None:
    """A true/false question drawn from a pool of (statement, truth, why) triples."""
    def build(rng: random.Random) -> Variant:
        text, truth, why = rng.choice(statements)
        return Variant(qid=qid, topic=topic, kind="tf", prompt=f"True or false: {text}",
                       answer=truth, hint=hint, explanation=why, answer_format="true or false")
    _register(Question(qid, topic, "tf", statements[0][0][:80], build))


def numeric(qid: str, topic: str, title: str, build: Callable[[random.Random], Variant]) -> None:
    _register(Question(qid, topic, "numeric", title, build))


def formula(qid: str, topic: str, title: str, build: Callable[[random.Random], Variant]) -> None:
    _register(Question(qid, topic, "formula", title, build))


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


def _miscon(value: float | str, feedback: str, mistake: str) -> dict:
    """A catalogued wrong answer: its value, the feedback, and the mistake's id (verb_object)."""
    return {"answer": value, "feedback": feedback, "id": mistake}


GATE_TOL = 0.002


# ---------------------------------------------------------------------------------------------
# Why deep recurrent models
# ---------------------------------------------------------------------------------------------

single(
    "why-deep-weaknesses", "why-deep",
    "Which pair of weaknesses of a vanilla RNN motivates the move to deep recurrent architectures?",
    "Limited representational capacity and difficulty learning long-range dependencies",
    [
        "Too many parameters and too little training data",
        "It cannot process sequences of different lengths",
        "It needs the whole sequence before producing any output",
        "It has no hidden state, so it cannot remember anything",
    ],
    hint="The notes name two weaknesses: one about what the model can represent, one about time.",
    explanation="A vanilla RNN has limited capacity and struggles with long-range dependencies because "
                "gradients can vanish across time. Depth and two-directional context address capacity; "
                "gates address long-range dependencies.",
)

single(
    "why-deep-remedy-long-range", "why-deep",
    "In the course's overview, which remedy is matched to the long-range dependency problem of a vanilla RNN?",
    "Gates that control information flow (GRU / LSTM)",
    [
        "Reading the sequence in both directions",
        "Making the hidden state wider and keeping one layer",
        "Stacking many vanilla layers with no gates",
        "Training with a larger batch size",
    ],
    hint="Look at the flow chart: long-range dependency problem → ?",
    explanation="The long-range dependency problem leads to gates (GRU, LSTM). Limited capacity leads to "
                "stacked layers, or to bidirectional context when future inputs are available.",
)

multi(
    "why-deep-claims", "why-deep",
    "Which statements about deep recurrent models agree with the course notes?",
    [
        "Deep RNNs often outperform a wider single-layer RNN.",
        "Depth lets the model learn hierarchical temporal features.",
        "Gates improve information flow through time.",
        "Two-directional context helps when the full sequence is available.",
    ],
    [
        "Adding recurrent layers removes the vanishing-gradient problem.",
        "A bidirectional RNN is the right choice for real-time forecasting.",
        "The deeper the stack, the better: 10 or more recurrent layers is the usual choice.",
        "Gated cells are mainly introduced to reduce the number of parameters.",
    ],
    hint="Depth, two directions and gates each fix something specific; none of them is free.",
    explanation="The notes list depth (hierarchical features; deep often beats wide), gates (information "
                "flow, long-range dependencies) and two directions (only when the whole sequence is known). "
                "Depth makes optimisation harder rather than curing vanishing gradients, 2–4 layers is the "
                "practical range, and gated cells have more parameters, not fewer.",
)

true_false(
    "why-deep-tf", "why-deep",
    [
        ("Deep RNNs often outperform a wider single-layer RNN.", True,
         "The lecture stresses this: stacking layers usually beats just widening one layer."),
        ("A vanilla RNN learns long-range dependencies easily; gates are only needed for speed.", False,
         "Gradients can vanish across time in a vanilla RNN; gated models were introduced mainly to "
         "address long-range dependency problems."),
        ("Gated models such as the GRU and LSTM were introduced mainly to address long-range "
         "dependency problems.", True,
         "That is the reason the notes give for gates: they control what is kept, forgotten and exposed."),
    ],
    hint="Recall the two weaknesses of the vanilla RNN and what each extension fixes.",
)

# ---------------------------------------------------------------------------------------------
# Bidirectional vs causal
# ---------------------------------------------------------------------------------------------

single(
    "bidir-online", "bidirectional",
    "A model must forecast the next reading of a sensor stream in real time, one step at a time. "
    "Which of these models should you NOT use?",
    "A bidirectional RNN",
    [
        "A GRU reading left to right",
        "An LSTM reading left to right",
        "A stacked causal GRU with 2 layers",
        "A vanilla RNN as a simple baseline",
    ],
    hint="Which model needs inputs that have not arrived yet?",
    explanation="A bidirectional RNN's backward pass reads from x_T down to x_t, so it needs future inputs. "
                "In online, causal prediction they are not available; use a causal GRU or LSTM.",
)

single(
    "bidir-backward-order", "bidirectional",
    "In a bidirectional RNN over x_1 … x_T, in which order does the backward RNN read the inputs?",
    "From x_T down to x_1",
    [
        "From x_1 up to x_T, like the forward RNN, but with its own weights",
        "Only x_T, then it copies its state to every time step",
        "From x_1 up to x_T, skipping every second input",
        "From x_T down to x_1, starting from the forward RNN's last state →h_T",
    ],
    hint="The second RNN is called backward for a reason.",
    explanation="The forward RNN reads 1 → T and the backward RNN reads T → 1; each has its own parameters.",
)

single(
    "bidir-combine", "bidirectional",
    "How does the course's bidirectional RNN form its output h_t at time step t?",
    "It concatenates the forward and backward states of the same step: h_t = [→h_t ; ←h_t]",
    [
        "It keeps only the backward state ←h_t, which has seen the whole sequence",
        "It concatenates →h_t with ←h_{T−t+1}, the backward state computed at the same loop iteration",
        "It adds the forward state to the input: h_t = →h_t + x_t",
        "It multiplies the two states element-wise and drops the forward one at t = T",
    ],
    hint="Both halves must describe the same position in the sequence.",
    explanation="h_t = [→h_t ; ←h_t]: the forward state summarises x_1 … x_t, the backward state "
                "summarises x_T … x_t, aligned on the same t (concatenation is the usual combination).",
)

multi(
    "bidir-tasks", "bidirectional",
    "For which tasks is a bidirectional RNN a sensible choice?",
    [
        "Sentiment analysis of a complete review",
        "Named entity recognition in a finished sentence",
        "Speech recognition on a complete recording",
        "Encoder-side understanding of a whole input sentence",
    ],
    [
        "Online forecasting of tomorrow's demand from today's data",
        "Real-time speech processing with output after every frame",
        "Next-token prediction while generating text",
        "Controlling a robot arm from a live sensor stream",
    ],
    hint="Is the whole sequence available before the model has to answer?",
    explanation="Bidirectional RNNs suit non-causal tasks where the full sequence is known and future "
                "context helps. They must not be used when predictions are made online or causality matters.",
)

true_false(
    "bidir-tf", "bidirectional",
    [
        ("A bidirectional RNN is a good choice for real-time, online causal prediction.", False,
         "Its backward pass needs future inputs; the transcript says directly that bidirectional RNNs "
         "are not preferred for real-time or online prediction."),
        ("A standard left-to-right RNN's state at time t contains only information from x_1 … x_t.", True,
         "That is what makes it causal and suitable for online forecasting and next-token prediction."),
        ("A bidirectional RNN can output h_1 before it has read x_T.", False,
         "←h_1 depends on x_T … x_1, so the whole sequence must be read first."),
    ],
    hint="Ask which inputs each state depends on.",
)

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

single(
    "stacked-input", "stacked",
    "In a stacked RNN, what does layer ℓ ≥ 2 receive as its input at time step t?",
    "h_t^(ℓ−1), the state of the layer below at the same time step",
    [
        "x_t, the raw input, like every other layer",
        "h_{t−1}^(ℓ+1), the previous state of the layer above",
        "h_T^(ℓ−1), the last state of the layer below",
        "The concatenation of all inputs x_1 … x_T",
    ],
    hint="The convention is h_t^(0) = x_t.",
    explanation="h_t^(ℓ) = φ(W_x^(ℓ) h_t^(ℓ−1) + W_h^(ℓ) h_{t−1}^(ℓ) + b^(ℓ)) with h_t^(0) = x_t: each "
                "layer reads the layer below at the same step and its own previous state.",
)

single(
    "stacked-depth", "stacked",
    "According to the lecture, what depth is common in practice for a stacked recurrent network?",
    "About 2 to 4 recurrent layers",
    [
        "Exactly 1 layer; stacking never helps",
        "About 10 to 20 layers, as in deep CNNs",
        "As many layers as there are time steps",
        "As many layers as the data allows: with gates, depth no longer makes training harder",
    ],
    hint="Returns diminish and optimisation gets harder beyond a few layers.",
    explanation="A depth of around 2–4 layers is common; beyond that there are diminishing returns and "
                "gradients must flow through both time and depth. Start shallow.",
)

single(
    "stacked-hierarchy", "stacked",
    "A 3-layer stacked RNN reads text one character at a time. What do the higher layers typically capture?",
    "More abstract, longer-range structure, such as phrases and sentences",
    [
        "The same character patterns as layer 1, only more precisely",
        "Only the most recent character, because higher layers forget faster",
        "Future characters, because higher layers read the sequence backwards",
        "Nothing new: higher layers only add parameters",
    ],
    hint="Think characters → words → phrases → sentences.",
    explanation="Lower layers capture simpler, shorter-range patterns; higher layers build more abstract, "
                "longer-range features on top of them (hierarchical feature learning in time).",
)

single(
    "stacked-gradient", "stacked",
    "Why is a deep stacked RNN harder to optimise than a single-layer vanilla RNN?",
    "Gradients must flow both across time and across depth",
    [
        "Each layer reads the sequence in the opposite direction",
        "Stacked RNNs cannot share weights across time",
        "Only the top layer receives any gradient",
        "The hidden size must shrink with every layer",
    ],
    hint="Count the directions in which a gradient has to travel.",
    explanation="The notes call this a compound gradient problem: the gradient passes through time steps "
                "and through layers, which is why 2–4 layers is the practical depth.",
)

multi(
    "stacked-hierarchies", "stacked",
    "Which of these are examples of the hierarchy a stacked RNN can learn, lower layers first?",
    [
        "characters → words → phrases → sentences",
        "phonemes → syllables → words",
        "short-term → medium-term → long-term trends",
    ],
    [
        "sentences → phrases → words → characters",
        "long-term → medium-term → short-term trends",
        "words → phonemes → syllables",
        "future → present → past",
    ],
    hint="Lower layers: simpler, shorter-range; higher layers: more abstract, longer-range.",
    explanation="The slides give text (characters → … → sentences), speech (phonemes → syllables → words) "
                "and time series (short → medium → long-term trends), always from simple to abstract.",
)

true_false(
    "stacked-tf", "stacked",
    [
        ("In practice a depth of around 2 to 4 recurrent layers is common.", True,
         "The lecture gives 2–4 layers as the practical range."),
        ("Every layer of a stacked RNN reads the raw input x_t directly.", False,
         "Only layer 1 reads x_t; layer ℓ ≥ 2 reads h_t^(ℓ−1) from the layer below."),
        ("Beyond a few recurrent layers, returns diminish and optimisation becomes harder.", True,
         "Gradients must flow through time and depth, so very deep stacks need care."),
    ],
    hint="h_t^(0) = x_t, and depth has a cost.",
)


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

single(
    "gru-small-z", "gru",
    "In the course's GRU, h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t. What happens when z_t is close to 0?",
    "h_t ≈ h_{t−1}: the old state is kept",
    [
        "h_t ≈ h~_t: the old state is replaced by the candidate",
        "h_t ≈ 0: the state is reset",
        "The candidate h~_t ignores h_{t−1}",
        "The cell state c_t is cleared",
    ],
    hint="Substitute z_t = 0 into the update.",
    explanation="With z_t = 0 the update is h_t = h_{t−1}: a small update gate keeps the old memory, a large "
                "one takes the new candidate.",
)

single(
    "gru-small-r", "gru",
    "What happens in a GRU when the reset gate r_t is close to 0?",
    "The candidate h~_t ignores most of h_{t−1} and depends mainly on x_t",
    [
        "The new state h_t is set to zero",
        "The old state h_{t−1} is copied to h_t unchanged",
        "The update gate z_t is forced to 1",
        "The output gate hides the state",
    ],
    hint="r_t multiplies h_{t−1} inside the candidate: h~_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h).",
    explanation="r_t decides how much past information enters the candidate state; r_t ≈ 0 lets the "
                "candidate start almost fresh from x_t. Whether h_t changes is the update gate's job.",
)

single(
    "gru-components", "gru",
    "Which components make up a GRU in the course's notation?",
    "Reset gate r_t, update gate z_t, candidate hidden state h~_t and final state h_t",
    [
        "Forget gate f_t, input gate i_t, output gate o_t and cell state c_t",
        "Reset gate r_t, output gate o_t and cell state c_t",
        "Update gate z_t only, applied to a cell state c_t",
        "Input gate i_t and update gate z_t, with no candidate state",
    ],
    hint="A GRU has two gates and no separate cell state.",
    explanation="GRU = reset gate + update gate + candidate state; it has no separate cell state, "
                "which is why it is lighter than an LSTM.",
)

single(
    "gru-gate-meaning", "gru",
    "In the gate intuition of the lecture, what does a gate value near 1 mean?",
    "Information passes through",
    [
        "Information is blocked",
        "The gradient is set to zero",
        "Information is forgotten, the way a forget gate that is on forgets",
        "The state is reset to its initial value",
    ],
    hint="Gates are σ outputs multiplying a signal.",
    explanation="A σ gate near 0 blocks, near 1 lets the information through, and values in between let "
                "part of it through.",
)

multi(
    "gru-parts", "gru",
    "Which of these belong to a GRU cell?",
    ["a reset gate r_t", "an update gate z_t", "a candidate hidden state h~_t"],
    ["a forget gate f_t", "an output gate o_t", "a separate cell state c_t", "an input gate i_t"],
    hint="Two gates, one candidate.",
    explanation="A GRU has a reset gate, an update gate and a candidate state; forget, input and output "
                "gates and a cell state belong to the LSTM.",
)

true_false(
    "gru-z-tf", "gru",
    [
        ("In the course's GRU, a small update gate z_t keeps the old state.", True,
         "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t, so z_t ≈ 0 gives h_t ≈ h_{t−1}."),
        ("In the course's GRU, a large update gate z_t keeps the old state.", False,
         "A large z_t takes the candidate: h_t ≈ h~_t. A small z_t keeps the old state."),
        ("In the course's GRU, z_t close to 1 replaces h_{t−1} with the candidate h~_t.", True,
         "With z_t = 1 the update is h_t = h~_t."),
    ],
    hint="Write out h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t for z_t = 0 and z_t = 1.",
)

true_false(
    "gru-r-tf", "gru",
    [
        ("If r_t is small, the GRU candidate state ignores much of the old state.", True,
         "r_t multiplies h_{t−1} before U_h in h~_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h)."),
        ("In the course's GRU the reset gate multiplies the result of U_h h_{t−1}, after the matrix "
         "product.", False,
         "The course applies r_t to h_{t−1} before the product: U_h (r_t ⊙ h_{t−1})."),
        ("The reset gate decides how much past information influences the candidate state.", True,
         "That is exactly its role in the notes."),
    ],
    hint="Find r_t in the candidate-state equation.",
)


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
        "W_z": zero, "U_z": zero, "b_z": _b(math.log(z / (1 - z))),
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

single(
    "lstm-long-term-memory", "lstm",
    "Which quantity is the LSTM's long-term memory?",
    "The cell state c_t",
    [
        "The hidden state h_t",
        "The output gate o_t",
        "The candidate cell content c~_t",
        "The forget gate f_t",
    ],
    hint="An LSTM separates long-term memory from the working output state.",
    explanation="c_t is the long-term memory; h_t = o_t ⊙ tanh(c_t) is the short-term working state that "
                "the cell exposes.",
)

single(
    "lstm-forget-role", "lstm",
    "What does the LSTM forget gate f_t control?",
    "How much of the previous cell state c_{t−1} is kept in c_t",
    [
        "How much of the new candidate c~_t is written into c_t",
        "How much of the cell state is exposed as h_t",
        "How much of h_{t−1} enters the candidate, like a GRU reset gate",
        "Which time steps are skipped during training",
    ],
    hint="Find f_t in c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t.",
    explanation="f_t multiplies c_{t−1}; the input gate i_t scales the new content c~_t, and the output "
                "gate o_t decides what is exposed in h_t.",
)

single(
    "lstm-hidden-formula", "lstm",
    "How does an LSTM compute its hidden state h_t?",
    "h_t = o_t ⊙ tanh(c_t)",
    [
        "h_t = o_t ⊙ c_t",
        "h_t = f_t ⊙ h_{t−1} + i_t ⊙ c~_t",
        "h_t = tanh(o_t) ⊙ c_t",
        "h_t = (1 − o_t) ⊙ h_{t−1} + o_t ⊙ c_t",
    ],
    hint="The output gate filters a squashed copy of the cell state.",
    explanation="The output gate o_t decides which part of tanh(c_t) is exposed: h_t = o_t ⊙ tanh(c_t).",
)

single(
    "lstm-input-gate", "lstm",
    "In c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t, what is the job of the input gate i_t?",
    "It scales how much of the new candidate content c~_t is written into the cell",
    [
        "It scales how much of c_{t−1} is kept",
        "It decides how much of the cell state is exposed as h_t",
        "It normalises the input x_t before the gates see it",
        "It selects which input feature the cell reads",
    ],
    hint="Each product in the cell update has its own gate.",
    explanation="f_t keeps old memory, i_t admits new content c~_t; together they form the additive update.",
)

multi(
    "lstm-parts", "lstm",
    "Which of these are part of an LSTM cell?",
    ["a forget gate f_t", "an input gate i_t", "an output gate o_t", "a cell state c_t",
     "a candidate cell content c~_t"],
    ["a reset gate r_t", "an update gate z_t", "a backward state ←h_t"],
    hint="Three gates, a candidate and two states.",
    explanation="LSTM = forget gate + input gate + output gate + cell state (with candidate c~_t). Reset "
                "and update gates belong to the GRU; ←h_t to a bidirectional RNN.",
    n_right=(2, 4),
)

true_false(
    "lstm-tf", "lstm",
    [
        ("An LSTM carries two states from step to step: the cell state c_t and the hidden state h_t.", True,
         "c_t is long-term memory, h_t the working output state; this is a key difference from the GRU."),
        ("A GRU, like an LSTM, keeps a separate cell state next to its hidden state.", False,
         "The GRU has only h_t; the separate cell state is what distinguishes the LSTM."),
        ("The LSTM output gate o_t decides how much of c_{t−1} to keep.", False,
         "That is the forget gate f_t; o_t decides what of tanh(c_t) is exposed as h_t."),
    ],
    hint="Which cell separates long-term memory from its output?",
)


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
# Vanishing gradients
# ---------------------------------------------------------------------------------------------

single(
    "grad-lstm-why", "gradients",
    "What is the main reason an LSTM handles long-range dependencies better than a vanilla RNN?",
    "Its additive cell update c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t gives gradients a more stable path",
    [
        "It uses ReLU instead of tanh everywhere, so gradients cannot shrink",
        "It reads the sequence in both directions",
        "It has fewer parameters, so each one receives a larger gradient",
        "It resets its state to zero at every time step",
    ],
    hint="Compare the cell-state path with repeated squashing through one nonlinear state.",
    explanation="The cell state is updated additively, so information and gradients can pass along "
                "c_{t−1} → c_t without being squashed through a nonlinearity at every step.",
)

single(
    "grad-vanilla-problem", "gradients",
    "Why does a vanilla RNN struggle to learn dependencies that span many time steps?",
    "Gradients can vanish as they are propagated back through many time steps",
    [
        "It cannot store more than one number in its hidden state",
        "Its weights are different at each time step",
        "Its hidden state is reset to zero at every time step",
        "Its output layer is too small",
    ],
    hint="What happens to a signal multiplied through the same nonlinear step again and again?",
    explanation="Everything is repeatedly compressed through one nonlinear hidden state, so gradients shrink "
                "across time; gates and the LSTM cell state give information a better path.",
)

single(
    "grad-gru-path", "gradients",
    "Through which part of the GRU can the old state reach h_t almost unchanged, helping gradient flow?",
    "The (1 − z_t) ⊙ h_{t−1} term, when z_t is small",
    [
        "The z_t ⊙ h~_t term, when z_t is close to 1",
        "The reset gate, when r_t is close to 1",
        "The tanh in the candidate state",
        "The output gate o_t",
    ],
    hint="Which term of h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t contains h_{t−1} without a nonlinearity?",
    explanation="With a small z_t, h_t ≈ h_{t−1}: the state (and its gradient) passes through a gated "
                "linear path instead of a squashing nonlinearity.",
)

multi(
    "grad-statements", "gradients",
    "Which statements explain why gated cells help with vanishing gradients?",
    [
        "The LSTM cell state is updated additively, not squashed at every step.",
        "A forget gate f_t near 1 passes c_{t−1}, and its gradient, into c_t almost unchanged.",
        "A GRU with a small update gate copies h_{t−1} into h_t almost unchanged.",
    ],
    [
        "Gated cells replace every tanh with ReLU.",
        "Gates keep every state between 0 and 1, so gradients can neither vanish nor explode.",
        "Gated models remove the need to train through time.",
        "Stacking more layers removes vanishing gradients on its own.",
    ],
    hint="Look for linear, gated paths through time.",
    explanation="Gates create paths along which information is copied or added rather than squashed: the "
                "LSTM's additive cell update and the GRU's (1 − z_t) ⊙ h_{t−1} term.",
)

true_false(
    "grad-tf", "gradients",
    [
        ("The additive cell update c_t = f_t ⊙ c_{t−1} + i_t ⊙ c~_t gives gradients a more stable route "
         "than repeatedly squashing everything through one nonlinear hidden state.", True,
         "This is the notes' explanation of why LSTMs handle long-range dependencies better."),
        ("Stacking more recurrent layers is, by itself, a cure for vanishing gradients.", False,
         "Depth adds a second direction (across layers) that gradients must travel, which makes "
         "optimisation harder."),
        ("GRUs and LSTMs exist mainly to reduce the training difficulty of vanilla RNNs on long sequences.",
         True, "That is one of the notes' exam-ready takeaways."),
    ],
    hint="Which operations let a signal through without squashing it?",
)

# ---------------------------------------------------------------------------------------------
# GRU vs LSTM
# ---------------------------------------------------------------------------------------------

single(
    "choice-small-data", "gru-vs-lstm",
    "You have a small dataset of short sequences and training time is tight. Following the course's "
    "rule of thumb, which cell do you try first?",
    "A GRU",
    ["An LSTM", "A bidirectional vanilla RNN", "A 10-layer stacked vanilla RNN"],
    hint="Fewer parameters, faster training.",
    explanation="Prefer a GRU when data is smaller, sequences are shorter, training speed matters and you "
                "want fewer parameters.",
)

single(
    "choice-long-seq", "gru-vs-lstm",
    "Your sequences are long, you have plenty of data, and you need the strongest long-range memory. "
    "Following the course's rule of thumb, which cell do you choose?",
    "An LSTM",
    ["A GRU", "A single-layer vanilla RNN", "A bidirectional RNN used online"],
    hint="Which cell separates long-term memory into its own state?",
    explanation="Prefer an LSTM for longer sequences, stronger long-range memory handling, more data and "
                "when maximum performance matters more than simplicity.",
)

multi(
    "choice-prefer-gru", "gru-vs-lstm",
    "According to the course's rule of thumb, which situations favour a GRU over an LSTM?",
    ["The dataset is smaller.", "The sequences are shorter.", "Faster training is important.",
     "You want fewer parameters."],
    ["Sequences are very long.", "You need the strongest long-range memory handling.",
     "A lot of data is available.", "Maximum performance matters more than simplicity."],
    hint="The GRU is the lighter cell.",
    explanation="GRU: smaller data, shorter sequences, faster training, fewer parameters. LSTM: longer "
                "sequences, stronger long-range memory, more data, maximum performance.",
)

multi(
    "choice-prefer-lstm", "gru-vs-lstm",
    "According to the course's rule of thumb, which situations favour an LSTM over a GRU?",
    ["Sequences are longer.", "You need stronger long-range memory handling.", "More data is available.",
     "Maximum performance is more important than simplicity."],
    ["The dataset is small.", "Training must be as fast as possible.", "You want the fewest parameters.",
     "Sequences are short."],
    hint="The LSTM has more parameters and a separate cell state.",
    explanation="LSTM: longer sequences, stronger long-range memory, more data, maximum performance. "
                "The other situations favour the lighter GRU.",
)

true_false(
    "choice-tf", "gru-vs-lstm",
    [
        ("Following the course's rule of thumb, prefer a GRU when the dataset is small and training speed "
         "matters.", True, "The GRU is simpler, has fewer parameters and often trains faster."),
        ("Following the course's rule of thumb, prefer a GRU when sequences are very long and maximum "
         "performance matters most.", False, "Those are the situations in which the notes prefer an LSTM."),
        ("A GRU often trains faster than an LSTM.", True,
         "It has three affine maps instead of four and no separate cell state."),
    ],
    hint="Lighter cell for smaller problems; heavier cell for the hardest long-range ones.",
)

# ---------------------------------------------------------------------------------------------
# Parameter counts
# ---------------------------------------------------------------------------------------------

_D, _H, _L = sympy.symbols("d h L")

single(
    "params-order", "params",
    "For the same input size d and hidden size h, how do the parameter counts compare (no output layer)?",
    "vanilla RNN < GRU < LSTM",
    ["GRU < vanilla RNN < LSTM", "LSTM < GRU < vanilla RNN", "vanilla RNN < LSTM < GRU",
     "They are all equal, since only h matters"],
    hint="Count the affine maps: 1, 3 and 4.",
    explanation="hd + h² + h for the vanilla RNN, 3(hd + h² + h) for the GRU and 4(hd + h² + h) for the LSTM.",
)

true_false(
    "params-tf", "params",
    [
        ("With the same d and h, a GRU has fewer parameters than an LSTM.", True,
         "3(hd + h² + h) against 4(hd + h² + h)."),
        ("A GRU layer has 4(hd + h² + h) parameters.", False,
         "That is the LSTM count; the GRU has three affine maps: 3(hd + h² + h)."),
        ("In a stacked RNN, layer 2's input weights have shape h × h, because it reads the h-dimensional "
         "states of layer 1.", True, "Only layer 1 reads the d-dimensional input."),
    ],
    hint="One affine map costs hd + h² + h.",
)


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


def questions(topic: str | None = None, kinds: list[str] | None = None) -> list[Question]:
    """Bank questions, optionally filtered by topic and kind, in bank order."""
    return [q for q in BANK.values()
            if (topic is None or q.topic == topic) and (kinds is None or q.kind in kinds)]
