"""A whitelist reader for formulas typed by learners (exam answer sheets, quiz answers).

Learner text never reaches ``eval``, ``sympify`` or ``parse_expr``. It goes through four steps:

1. **Normalise** the notations people type: superscript digits (``h²``) become powers; Unicode
   compatibility forms are folded (NFKC: fullwidth ``＋３ｈ`` is ``+3h``); invisible format
   characters (zero-width spaces, joiners, BOM) are dropped; ``× · ⋅ ∗`` are ``*``, ``− – —`` are ``-``,
   ``÷`` is ``/``; brackets and braces are parentheses (``3[h(d+h+1)]``, ``h^{2}``), and they must pair.
2. **Tokenise** with a small regular grammar: numbers (``12``, ``0.5``), names, the operators
   ``+ - * / ** ^`` and parentheses. Any other character is rejected by name.
3. **Resolve names and implicit products.** A name that is one of the allowed symbols stands for
   itself (an exact symbol name always wins over splitting it). Symbols are matched regardless of
   case when no two allowed symbols differ only in case (``H*D`` is ``h*d``, ``l`` is ``L``). A name
   that is not a symbol but splits in exactly one way into allowed symbols is their product: with
   symbols ``d, h`` the name ``hd`` means ``h*d``. A name that splits in no way is an unknown symbol;
   one that splits in several ways is rejected as ambiguous. Juxtaposition is multiplication where
   maths writes it that way: a number, name or ``)`` followed by a name or ``(``, and ``)`` followed
   by a number (``3h``, ``2(d+h)``, ``(d+1)(h+1)``, ``(d+h+1)3h``). Two numbers side by side, or a
   name followed by a number (``h2``: is it h² or 2h?), is an error rather than a guess.
4. **Parse with** ``ast.parse(mode="eval")`` the re-assembled text (which now contains only allowed
   tokens) and walk the tree, accepting only numbers, allowed names, binary ``+ - * / **``, unary
   ``+ -`` and parentheses. An exponent must be a whole-number literal from 0 to ``MAX_EXPONENT``,
   and the polynomial degree is bounded by ``MAX_DEGREE``. Our own code builds, node by node, the
   SymPy expression and its exact rational form (numerator and denominator polynomials).

Equivalence (:func:`same`) is decided on the rational forms: p/q equals r/s exactly when p·s = r·q, a
polynomial product with no gcd or simplification, so its cost is bounded by the sizes. A form whose
degree grows beyond ``MAX_FORM_DEGREE`` (say, a long sum of different fractions), whose products
would take more than ``MAX_PRODUCT_WORK`` term products, or that takes longer than ``TIME_BUDGET_S``
to build, is *undecided* (:class:`FormulaUndecided`), never a stall.

Errors are raised as :class:`FormulaError` with a message meant for the learner that names the
offending token.
"""
from __future__ import annotations

import ast
import functools
import keyword
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, ring

__all__ = ["FormulaError", "FormulaUndecided", "Formula", "read_formula", "parse_formula", "same", "equivalent",
           "MAX_LENGTH", "MAX_EXPONENT", "MAX_DEGREE", "MAX_FORM_DEGREE", "TIME_BUDGET_S", "EXAMPLE"]

MAX_LENGTH = 200
MAX_EXPONENT = 4
MAX_DEGREE = 8  # bound on total polynomial degree, so expanding an answer stays cheap
MAX_FORM_DEGREE = 48  # bound on the degree of a rational form's numerator and denominator
MAX_PRODUCT_WORK = 200_000  # bound on term-by-term products in one polynomial multiplication
TIME_BUDGET_S = 2.0  # wall-clock budget for building one rational form
# How a formula is written, for messages and answer sheets; equal to no answer key of the bank.
EXAMPLE = "2*d*(h + 1)^2"

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_REPLACEMENTS = {
    "^": "**",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∗": "*",
    "✕": "*",
    "−": "-",
    "–": "-",
    "—": "-",
    "‐": "-",
    "÷": "/",
}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/()])
    """,
    re.VERBOSE,
)

_SYMBOL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


class FormulaError(ValueError):
    """The formula could not be read. ``str(err)`` is a learner-facing explanation."""


class FormulaUndecided(Exception):
    """Whether two formulas are equal could not be decided within the bounds; ``str(err)`` says why."""


def _symbol_table(symbols: Iterable[str | sympy.Symbol]) -> dict[str, sympy.Symbol]:
    table: dict[str, sympy.Symbol] = {}
    for sym in symbols:
        if isinstance(sym, sympy.Symbol):
            name, obj = sym.name, sym
        elif isinstance(sym, str):
            name, obj = sym, sympy.Symbol(sym)
        else:
            raise TypeError(f"symbols must be names or sympy.Symbol, not {type(sym).__name__}")
        if not _SYMBOL_NAME.match(name) or keyword.iskeyword(name):
            raise ValueError(f"{name!r} cannot be used as a formula symbol")
        table[name] = obj
    return table


def _folded(allowed: dict[str, sympy.Symbol]) -> dict[str, str] | None:
    """Lower-cased symbol name -> symbol name, or None when two symbols differ only in case."""
    folded = {name.lower(): name for name in allowed}
    return folded if len(folded) == len(allowed) else None


def _normalise(text: str) -> str:
    """The notations of step 1 rewritten into the ASCII grammar (brackets checked and made round)."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^(" + m.group().translate(_SUPERSCRIPTS) + ")", text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    stack: list[str] = []
    out = []
    for pos, ch in enumerate(text, 1):
        if ch in _OPENERS:
            stack.append(ch)
            ch = "("
        elif ch in _CLOSERS:
            if not stack:
                raise FormulaError(f"the bracket {ch!r} at position {pos} closes nothing")
            if stack[-1] != _CLOSERS[ch]:
                raise FormulaError(f"the bracket {ch!r} at position {pos} does not match the {stack[-1]!r} "
                                   f"opened before it; close it with {_OPENERS[stack[-1]]!r}")
            stack.pop()
            ch = ")"
        out.append(ch)
    if stack:
        raise FormulaError(f"the formula is not well formed: a {stack[-1]!r} is never closed")
    return "".join(out)


def _split_name(name: str, spellings: dict[str, str]) -> list[list[str]]:
    """All ways (at most two are collected) to write ``name`` as a concatenation of ``spellings``
    (a spelling → the symbol name it stands for)."""
    ways: list[list[str]] = []

    def walk(pos: int, acc: list[str]) -> None:
        if len(ways) > 1:
            return
        if pos == len(name):
            ways.append(list(acc))
            return
        for spelling, sym in spellings.items():
            if name.startswith(spelling, pos):
                acc.append(sym)
                walk(pos + len(spelling), acc)
                acc.pop()

    walk(0, [])
    return ways


def _splits(value: str, allowed: dict[str, sympy.Symbol]) -> list[list[str]]:
    """The ways ``value`` reads as allowed symbols (case folded when that is unambiguous)."""
    if value in allowed:
        return [[value]]
    folded = _folded(allowed)
    if folded is not None and value.lower() in folded:
        return [[folded[value.lower()]]]
    return (_split_name(value.lower(), folded) if folded is not None
            else _split_name(value, {name: name for name in allowed}))


def _resolve(value: str, allowed: dict[str, sympy.Symbol]) -> list[str]:
    """The symbol names a name token stands for (a product when there are several)."""
    ways = _splits(value, allowed)
    if not ways:
        glued = re.fullmatch(r"([A-Za-z_]+)([0-9]+)", value)
        if glued and _splits(glued.group(1), allowed):
            name, digits = glued.groups()
            raise FormulaError(f"missing operator in {value!r}; write {name}^{digits} for a power or "
                               f"{digits}{name} for a product")
        known = ", ".join(sorted(allowed)) or "(none)"
        raise FormulaError(f"unknown symbol {value!r}; the symbols you may use are: {known}")
    if len(ways) > 1:
        raise FormulaError(f"{value!r} can be read in more than one way; write the product with '*'")
    return ways[0]


def _tokenise(text: str, allowed: dict[str, sympy.Symbol]) -> list[tuple[str, str]]:
    text = _normalise(text)
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FormulaError(
                f"unexpected character {text[pos]!r} at position {pos + 1}; a formula may use "
                "numbers, the symbols " + ", ".join(sorted(allowed)) + ", + - * / ^ and parentheses"
            )
        pos = m.end()
        kind = m.lastgroup
        value = m.group()
        if kind == "space":
            continue
        if kind == "name":
            for i, part in enumerate(_resolve(value, allowed)):
                if i:
                    tokens.append(("op", "*"))
                tokens.append(("name", part))
            continue
        tokens.append((kind, value))  # type: ignore[arg-type]
    return tokens


def _insert_products(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for kind, value in tokens:
        if out:
            pkind, pvalue = out[-1]
            left_operand = pkind in ("number", "name") or pvalue == ")"
            if left_operand and (kind == "name" or value == "(" or (pvalue == ")" and kind == "number")):
                out.append(("op", "*"))
            elif left_operand and kind == "number":
                hint = (f"write {pvalue}^{value} for a power or {value}{pvalue} for a product" if pkind == "name"
                        else "write it with '*' or '+'")
                raise FormulaError(f"missing operator before {value!r} (after {pvalue!r}); {hint}")
        out.append((kind, value))
    return out


def _build(node: ast.AST, allowed: dict[str, sympy.Symbol]) -> tuple[sympy.Expr, int]:
    """Return the expression for ``node`` and a bound on its polynomial degree."""
    if isinstance(node, ast.Expression):
        return _build(node.body, allowed)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FormulaError(f"{value!r} is not allowed in a formula")
        if isinstance(value, int):
            return sympy.Integer(value), 0
        # Floats only come from our own decimal tokens; convert them exactly via their text.
        frac = Fraction(repr(value))
        return sympy.Rational(frac.numerator, frac.denominator), 0
    if isinstance(node, ast.Name):
        if node.id not in allowed:
            raise FormulaError(f"unknown symbol {node.id!r}")
        return allowed[node.id], 1
    if isinstance(node, ast.UnaryOp):
        operand, deg = _build(node.operand, allowed)
        if isinstance(node.op, ast.USub):
            return -operand, deg
        if isinstance(node.op, ast.UAdd):
            return operand, deg
        raise FormulaError("only + and - may stand in front of a term")
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            exp = node.right
            if not (
                isinstance(exp, ast.Constant)
                and isinstance(exp.value, int)
                and not isinstance(exp.value, bool)
                and 0 <= exp.value <= MAX_EXPONENT
            ):
                raise FormulaError(
                    f"exponent {ast.unparse(exp)!r} is not allowed; an exponent must be a whole "
                    f"number from 0 to {MAX_EXPONENT}"
                )
            base, deg = _build(node.left, allowed)
            return _checked(base ** sympy.Integer(exp.value), deg * exp.value)
        op = type(node.op)
        if op not in (ast.Add, ast.Sub, ast.Mult, ast.Div):
            raise FormulaError("only + - * / and ^ are allowed as operators")
        left, ldeg = _build(node.left, allowed)
        right, rdeg = _build(node.right, allowed)
        if op is ast.Add:
            return left + right, max(ldeg, rdeg)
        if op is ast.Sub:
            return left - right, max(ldeg, rdeg)
        if op is ast.Mult:
            return _checked(left * right, ldeg + rdeg)
        return _checked(left / right, ldeg + rdeg)
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")


def _checked(expr: sympy.Expr, degree: int) -> tuple[sympy.Expr, int]:
    if degree > MAX_DEGREE:
        raise FormulaError(
            f"the formula's degree is too high (more than {MAX_DEGREE}); no answer here needs that"
        )
    return expr, degree


@dataclass(frozen=True)
class Formula:
    """A formula read from learner text: ``expr`` (SymPy) and its exact rational form ``num / den``
    (sparse polynomials over the rationals in the allowed symbols, elements of one
    ``sympy.polys.rings`` ring). ``undecided`` is empty, or why the rational form could not be built
    within the bounds (then :func:`same` cannot decide)."""

    text: str
    expr: sympy.Expr
    num: PolyElement | None
    den: PolyElement | None
    undecided: str = ""


def _degree(p: PolyElement) -> int:
    return max((sum(m) for m in p.itermonoms()), default=0)


class _Budget:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def check(self, *polys: PolyElement, degree: int = 0) -> None:
        degree = max([degree, *(_degree(p) for p in polys)])
        if degree > MAX_FORM_DEGREE:
            raise FormulaUndecided(f"the formula is too involved to compare exactly (its rational form "
                                   f"has degree {degree}, more than {MAX_FORM_DEGREE})")
        if time.monotonic() > self.deadline:
            raise FormulaUndecided(f"comparing the formula took longer than {TIME_BUDGET_S:g} s")

    def mul(self, a: PolyElement, b: PolyElement) -> PolyElement:
        """``a · b``, refused (undecided) when it would take more than ``MAX_PRODUCT_WORK`` term products."""
        if len(a) * len(b) > MAX_PRODUCT_WORK:
            raise FormulaUndecided(f"the formula is too involved to compare exactly (a product of {len(a)} "
                                   f"by {len(b)} terms)")
        product = a * b
        self.check(product)
        return product


@functools.lru_cache(maxsize=64)
def _ring(names: tuple[str, ...]):
    """The polynomial ring over QQ in these symbol names (a placeholder name when there are none)."""
    return ring(",".join(names) or "_x", QQ)[0]


def _rational_form(expr: sympy.Basic, names: tuple[str, ...], budget: _Budget) -> tuple[PolyElement, PolyElement]:
    """``expr`` as (numerator, denominator) polynomials, without any gcd or cancellation.

    Raises :class:`FormulaUndecided` past the degree or time bound, ``ValueError`` for a node that
    is not a number, a symbol, a sum, a product or a whole power; ``ZeroDivisionError`` for a zero
    denominator.
    """
    R = _ring(names)
    if expr.is_Rational:
        return R.ground_new(QQ(int(expr.p), int(expr.q))), R.one
    if expr.is_Symbol:
        if expr.name not in names:
            raise ValueError(f"{expr} is not one of the symbols")
        return R.gens[names.index(expr.name)], R.one
    if expr.is_Add:
        num, den = R.zero, R.one
        for term in expr.args:
            n, d = _rational_form(term, names, budget)
            num, den = (num + n, den) if d == den else (budget.mul(num, d) + budget.mul(n, den), budget.mul(den, d))
        return num, den
    if expr.is_Mul:
        num, den = R.one, R.one
        for factor in expr.args:
            n, d = _rational_form(factor, names, budget)
            num, den = budget.mul(num, n), budget.mul(den, d)
        return num, den
    if expr.is_Pow and expr.exp.is_Integer:
        n, d = _rational_form(expr.base, names, budget)
        k = int(expr.exp)
        budget.check(degree=abs(k) * max(_degree(n), _degree(d)))
        if k < 0:
            if not n:
                raise ZeroDivisionError
            n, d, k = d, n, -k
        num, den = R.one, R.one
        for _ in range(k):
            num, den = budget.mul(num, n), budget.mul(den, d)
        return num, den
    raise ValueError(_NOT_RATIONAL)


_NOT_RATIONAL = "not a rational function of the symbols"


def read_formula(text: str, symbols: Iterable[str | sympy.Symbol]) -> Formula:
    """Read learner ``text`` into a :class:`Formula` over ``symbols``, or raise :class:`FormulaError`.

    ``symbols`` are names (or ``sympy.Symbol`` objects, used as given, so assumptions carry over).
    The work is bounded: at most ``MAX_LENGTH`` characters, and the rational form gives up (leaving
    ``undecided`` set) past ``MAX_FORM_DEGREE`` or ``TIME_BUDGET_S``.
    """
    if not isinstance(text, str):
        raise FormulaError(f"the answer must be written as text, e.g. {EXAMPLE}")
    allowed = _symbol_table(symbols)
    text = text.strip()
    if not text:
        raise FormulaError("the answer is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    tokens = _insert_products(_tokenise(text, allowed))
    if not tokens:
        raise FormulaError("the answer is empty")
    source = " ".join(value for _, value in tokens)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        near = ""
        if err.offset:
            # map the offset in the rebuilt source back to a token for the message
            upto = 0
            for _, value in tokens:
                upto += len(value) + 1
                if upto >= err.offset:
                    near = f" near {value!r}"
                    break
        raise FormulaError(f"the formula is not well formed{near} (check operators and parentheses)") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("the formula is nested too deeply") from None
    try:
        expr, _ = _build(tree, allowed)
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise FormulaError("the formula divides by zero")
    try:
        num, den = _rational_form(expr, tuple(allowed), _Budget(TIME_BUDGET_S))
    except FormulaUndecided as why:
        return Formula(text, expr, None, None, str(why))
    except ZeroDivisionError:
        raise FormulaError("the formula divides by zero") from None
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None
    if not den:
        raise FormulaError("the formula divides by zero")
    return Formula(text, expr, num, den)


def parse_formula(text: str, symbols: Iterable[str | sympy.Symbol]) -> sympy.Expr:
    """Parse learner ``text`` into a SymPy expression over ``symbols``, or raise :class:`FormulaError`."""
    return read_formula(text, symbols).expr


def _in_ring(p: PolyElement, names: tuple[str, ...]) -> PolyElement:
    return p if p.ring.symbols == _ring(names).symbols else _ring(names).from_expr(_plain(p.as_expr()))


def _equal(an: PolyElement, ad: PolyElement, bn: PolyElement, bd: PolyElement) -> bool:
    """an/ad = bn/bd exactly when an·bd − bn·ad is the zero polynomial (no gcd needed)."""
    if an.ring.symbols != bn.ring.symbols:
        names = tuple(sorted({str(g) for g in an.ring.symbols} | {str(g) for g in bn.ring.symbols}))
        an, ad, bn, bd = (_in_ring(p, names) for p in (an, ad, bn, bd))
    if ad == bd:
        return an == bn
    budget = _Budget(TIME_BUDGET_S)
    return not (budget.mul(an, bd) - budget.mul(bn, ad))


def same(a: Formula, b: Formula) -> bool:
    """Whether two read formulas are equal as rational functions (symbols matched by name).

    Exact. Raises :class:`FormulaUndecided` when either form could not be built within the bounds.
    """
    for f in (a, b):
        if f.undecided or f.num is None or f.den is None:
            raise FormulaUndecided(f.undecided or "the formula has no rational form")
    return _equal(a.num, a.den, b.num, b.den)


def _plain(expr: sympy.Expr) -> sympy.Expr:
    """Replace every symbol by an assumption-free symbol of the same name."""
    return expr.xreplace({s: sympy.Symbol(s.name) for s in expr.free_symbols})


def _as_expr(value: object) -> sympy.Expr:
    if isinstance(value, str):
        raise TypeError("equivalent() compares expressions; parse learner text with parse_formula first")
    if isinstance(value, sympy.Basic):
        return value  # type: ignore[return-value]
    if isinstance(value, bool):
        raise TypeError("booleans are not formulas")
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        return sympy.Float(value)
    raise TypeError(f"cannot compare a {type(value).__name__} as a formula")


def equivalent(a: object, b: object) -> bool:
    """True when ``a`` and ``b`` are the same expression (symbols are matched by name).

    ``a`` and ``b`` are SymPy expressions or plain numbers (e.g. what a reference function returns),
    never raw learner text. Rational functions are decided exactly through their rational forms (see
    :func:`same`); raises :class:`FormulaUndecided` past the bounds. Anything else (a float, a
    square root) falls back to SymPy's ``expand`` and ``cancel``.
    """
    x, y = _plain(_as_expr(a)), _plain(_as_expr(b))
    names = tuple(sorted({s.name for s in x.free_symbols | y.free_symbols}))
    try:
        budget = _Budget(TIME_BUDGET_S)
        xn, xd = _rational_form(x, names, budget)
        yn, yd = _rational_form(y, names, budget)
    except (ValueError, ZeroDivisionError):
        diff = x - y
        if sympy.expand(diff) == 0:
            return True
        return bool(sympy.cancel(sympy.together(diff)) == 0)
    return _equal(xn, xd, yn, yd)
