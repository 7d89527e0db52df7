"""The whitelist formula parser: equivalent forms are accepted, wrong ones rejected, attacks refused."""
from __future__ import annotations

import time

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.formula import FormulaError, FormulaUndecided, equivalent, parse_formula, read_formula, same

S = ("d", "h")
d, h = sympy.symbols("d h")
GRU = 3 * (h * d + h**2 + h)


@pytest.mark.parametrize(
    "text",
    [
        "3*h*(d + h + 1)",
        "3(hd + h^2 + h)",
        "3*(h*d+h**2+h)",
        "3(hd + h² + h)",
        "3hd + 3h^2 + 3h",
        "3 h (d + h + 1)",
        "h*(3*d + 3*h + 3)",
        "3·h·(d+h+1)",
        "(3h)(d + h + 1)",
        "3*(d*h + h*h + h)",
        "6h(d + h + 1)/2",
        "  3*h*(1 + h + d)  ",
    ],
)
def test_equivalent_gru_count_forms(text):
    assert equivalent(parse_formula(text, S), GRU)


@pytest.mark.parametrize(
    "text",
    [
        "3*h*(d + h)",          # bias forgotten
        "3(hd + h^2 + 2h)",     # bias counted twice
        "4(hd + h^2 + h)",      # LSTM count
        "hd + h^2 + h",         # vanilla count
        "3*(d*d + h*h + h)",    # input weights as d x d
        "3h(d + h + 1) + 1",
    ],
)
def test_wrong_forms_rejected(text):
    assert not equivalent(parse_formula(text, S), GRU)


def test_implicit_products_and_names():
    assert parse_formula("hd", S) == h * d
    assert parse_formula("dh", S) == d * h
    assert parse_formula("2(d+h)", S) == 2 * d + 2 * h
    assert parse_formula("(d+1)(h+1)", S) == (d + 1) * (h + 1)
    assert parse_formula("h(d+1)", S) == h * (d + 1)
    assert parse_formula("0.5h", S) == h / 2
    assert parse_formula("3 − h", S) == 3 - h
    assert parse_formula("2^3", S) == 8


def test_multi_letter_symbols_and_ambiguity():
    syms = ("d", "h", "L")
    assert equivalent(parse_formula("3(hd+h^2+h) + 3(L-1)(2h^2+h)", syms),
                      3 * (h * d + h**2 + h) + 3 * (sympy.Symbol("L") - 1) * (2 * h**2 + h))
    # an exact symbol name wins over splitting it
    assert parse_formula("ab", ("a", "b", "ab")) == sympy.Symbol("ab")
    with pytest.raises(FormulaError, match="more than one way"):
        parse_formula("abc", ("a", "bc", "ab", "c"))


def test_symbols_matched_by_name_regardless_of_assumptions():
    hp, dp = sympy.symbols("h d", positive=True, integer=True)
    assert equivalent(parse_formula("3h(d+h+1)", S), 3 * (hp * dp + hp**2 + hp))
    expr = parse_formula("hd", (hp, dp))
    assert expr == hp * dp


def test_equivalent_with_plain_numbers():
    assert equivalent(parse_formula("3*(4*2 + 16 + 4)", S), 84)
    assert not equivalent(parse_formula("83", S), 84)
    with pytest.raises(TypeError):
        equivalent("3*h", GRU)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('true')", "'"),
        ("__import__", "__import__"),
        ("h.real", "'.'"),
        ("h.__class__", "'.'"),
        ("().__class__.__bases__", "'.'"),
        ("print(h)", "print"),
        ("abs(h)", "abs"),
        ("lambda: 1", "lambda"),
        ("lambda x: x", "lambda"),
        ("9**9**9", "exponent"),
        ("h**99", "exponent"),
        ("h**-1", "exponent"),
        ("h**0.5", "exponent"),
        ("h**d", "exponent"),
        ("h^2^2", "exponent"),
        ("((h^4)^4)^4", "degree"),
        ("x + 1", "'x'"),
        ("'h'", "\"'\""),
        ('"abc"', "'\"'"),
        ("h; d", "';'"),
        ("[h, d]", "','"),
        ("(h]", "does not match"),
        ("{h", "never closed"),
        ("h if d else 1", "'if'"),
        ("h == d", "'='"),
        ("h // d", "well formed"),
        ("h % d", "'%'"),
        ("h @ d", "'@'"),
        ("1e999", "'e999'"),
        ("3 4", "'4'"),
        ("h 2", "'2'"),
        ("", "empty"),
        ("h +", "well formed"),
        ("(h", "well formed"),
        ("1/0", "divides by zero"),
        ("h/(d-d)", "divides by zero"),
        ("h" + "+h" * 150, "too long"),
    ],
)
def test_attacks_and_malformed_input_rejected(text, fragment):
    with pytest.raises(FormulaError) as info:
        parse_formula(text, S)
    assert fragment in str(info.value)


def test_deep_nesting_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(FormulaError):
        parse_formula("(" * 99 + "h" + ")" * 99 + "^4^4", S)
    with pytest.raises(FormulaError):
        parse_formula("(" * 150 + "h", S)
    assert parse_formula("-" * 198 + "h", S) == h
    assert time.perf_counter() - start < 2


def test_non_text_answers_are_errors_not_crashes():
    for value in (None, 3, ["h"], {"a": 1}):
        with pytest.raises(FormulaError):
            parse_formula(value, S)  # type: ignore[arg-type]


def test_bad_symbol_names_rejected():
    with pytest.raises(ValueError):
        parse_formula("h", ("lambda",))
    with pytest.raises(ValueError):
        parse_formula("h", ("__class__",))


# ------------------------------------------------------------------ notations people write, and the bounds

@pytest.mark.parametrize(
    "text",
    [
        "3*(H*D + H^2 + H)",          # the contract's capital H
        "(d+h+1)3h",                  # implicit product after ')'
        "(d + h + 1) 3 h",
        "3[h(d+h+1)]",                # brackets
        "3{h(d+h+1)}",                # braces
        "3(hd+h^{2}+h)",              # TeX-style exponent
        "3 ∗ h ∗ (d + h + 1)",        # U+2217 asterisk operator
        "３ｈ（ｄ＋ｈ＋１）",             # fullwidth forms
        "3h(d+h+1)\u200b",            # a trailing zero-width space
        "\ufeff3h(d+h+1)",            # a byte-order mark
        "3(hd + h² + h)",             # superscript
        "3(Hd + H² + H)",
        "3 × h × (d + h + 1)",
        "3h(d+h+1) ÷ 1",
    ],
)
def test_notations_people_write_are_read(text):
    assert equivalent(parse_formula(text, S), GRU)


def test_lowercase_l_is_the_layer_count_and_case_only_folds_when_unambiguous():
    L = sympy.Symbol("L")
    assert parse_formula("3(hd+h^2+h) + 3(l-1)(2h^2+h)", ("d", "h", "L")) == parse_formula(
        "3(hd+h^2+h) + 3(L-1)(2h^2+h)", ("d", "h", "L"))
    assert parse_formula("l", ("d", "h", "L")) == L
    # with both h and H allowed, case is significant
    assert parse_formula("Hh", ("h", "H")) == sympy.Symbol("H") * sympy.Symbol("h")
    with pytest.raises(FormulaError, match="unknown symbol"):
        parse_formula("x", ("h", "H"))


def test_mismatched_brackets_are_named():
    with pytest.raises(FormulaError, match=r"'\]' at position 6 does not match the '\(' opened before it; "
                                           r"close it with '\)'"):
        parse_formula("3(h+d]", S)
    with pytest.raises(FormulaError, match=r"'\)' at position 2 closes nothing"):
        parse_formula("h)", S)


def test_a_name_followed_by_a_number_is_refused_with_both_readings():
    with pytest.raises(FormulaError, match=r"write h\^2 for a power or 2h for a product"):
        parse_formula("3h2", S)


def test_read_formula_gives_an_exact_rational_form_and_same_decides_on_it():
    a = read_formula("h/(d+1) + 1", S)
    b = read_formula("(h + d + 1)/(d + 1)", S)
    assert same(a, b) and not same(a, read_formula("h/(d+1)", S))
    assert same(read_formula("(d^2 - 1)/(d - 1)", S), read_formula("d + 1", S))


def test_a_formula_too_involved_to_decide_is_undecided_not_a_stall():
    text = "+".join(f"1/(h+{i})^4" for i in range(1, 14))
    f = read_formula(text, S)
    assert f.undecided and "degree" in f.undecided
    with pytest.raises(FormulaUndecided):
        same(f, read_formula("3h(d+h+1)", S))


def test_a_long_sum_of_fractions_is_decided_exactly():
    terms, text = (f"{i}/(h+{i})" for i in range(1, 99)), ""
    for t in terms:
        if len(text) + len(t) + 1 > 190:
            break
        text = f"{text}+{t}" if text else t
    f = read_formula(text, S)
    assert not f.undecided and not same(f, read_formula("3h(d+h+1)", S))


def test_the_example_in_messages_is_no_answer_key():
    from grader.exam.bank import BANK
    from grader.exam.variant import derived_rng
    from grader.formula import EXAMPLE

    example = read_formula(EXAMPLE, ("d", "h", "L"))
    for q in BANK.values():
        if q.kind == "formula":
            for i in range(20):
                v = q.variant(derived_rng("example", q.qid, i))
                assert not same(example, read_formula(v.answer, v.symbols)), q.qid


FORMULA_TEXT = st.lists(st.sampled_from(list("dhLlHD0123456789.+-*/^()[]{} ²³×·∗−") + ["**", "\u200b", "（", "３"]),
                        max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(FORMULA_TEXT | st.text(max_size=120))
def test_any_text_is_a_formula_or_a_formula_error_with_a_message(text):
    try:
        f = read_formula(text, ("d", "h", "L"))
    except FormulaError as err:
        assert str(err)
        return
    assert isinstance(f.expr, sympy.Expr)
    try:
        decided = same(f, read_formula("3h(d+h+1)", ("d", "h", "L")))
    except FormulaUndecided as why:
        assert str(why)
        return
    assert decided == (sympy.simplify(f.expr - 3 * h * (d + h + 1)) == 0)
