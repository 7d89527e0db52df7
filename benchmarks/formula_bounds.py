"""How long reading and deciding a formula answer takes, measured on this machine (not a timed test).

    .venv/bin/python benchmarks/formula_bounds.py [--repeat 5]

One row per answer: reading it (``read_formula``: normalising, tokenising, building the SymPy
expression and its exact rational form), and scoring it as ``grade exam grade`` does (one read,
then one exact polynomial comparison with the key and with each catalogued mistake). The rows are
the key of ``formula-gru`` in a few spellings, 190-character sums of different fractions (the
kind of answer that made SymPy's ``cancel`` take seconds per comparison), the largest answers the
bounds allow, and answers past the bounds, which come back *undecided* instead of stalling.
Figures are the best of ``--repeat`` runs, in milliseconds.
"""
from __future__ import annotations

import argparse
import time

from grader.exam.bank import BANK
from grader.exam.grading import score_answer
from grader.exam.variant import derived_rng
from grader.formula import MAX_FORM_DEGREE, MAX_PRODUCT_WORK, TIME_BUDGET_S, read_formula


def sum_up_to(terms, limit: int = 190) -> str:
    text = ""
    for term in terms:
        if len(text) + len(term) + 1 > limit:
            break
        text = f"{text}+{term}" if text else term
    return text


ANSWERS = {
    "key, factored": "3h(d + h + 1)",
    "key, as written in the notes": "3(hd + h² + h)",
    "key, capitals and brackets": "3[H(D + H + 1)]",
    "190 chars: Σ i/(h+i)": sum_up_to(f"{i}/(h+{i})" for i in range(1, 99)),
    "190 chars: Σ 1/(d+ih)": sum_up_to(f"1/(d+{i}h)" for i in range(1, 99)),
    "190 chars: Σ i/(id+h²)": sum_up_to(f"{i}/({i}d+h^2)" for i in range(1, 99)),
    "past the degree bound": "+".join(f"1/(h+{i})^4" for i in range(1, 14)),
    "degree 8 product": "(d+h+1)^4*(d-h+2)^4",
}


def best_ms(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    v = BANK["formula-gru"].variant(derived_rng("bench", 0))
    score_answer(v, "3h(d+h+1)")  # read the key and the mistakes once, as a grading run does
    print(f"bounds: degree ≤ {MAX_FORM_DEGREE}, ≤ {MAX_PRODUCT_WORK} term products per multiplication, "
          f"≤ {TIME_BUDGET_S:g} s per answer; formula-gru has {len(v.misconceptions)} catalogued mistakes")
    print(f"{'answer':<30} {'chars':>5} {'read ms':>9} {'score ms':>9}  verdict")
    for label, text in ANSWERS.items():
        read = best_ms(lambda: read_formula(text, v.symbols), args.repeat)
        score = best_ms(lambda: score_answer(v, text), args.repeat)
        out = score_answer(v, text)
        verdict = "undecided" if out.undecided else out.status
        print(f"{label:<30} {len(text):>5} {read:>9.1f} {score:>9.1f}  {verdict}")


if __name__ == "__main__":
    main()
