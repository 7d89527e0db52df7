"""A whitelist parser for formulas typed by learners (exam answer sheets, quiz answers).

Learner text never reaches ``eval``, ``sympify`` or ``parse_expr``. It goes through three steps:

1. **Tokenise** with a small regular grammar: numbers (``12``, ``0.5``), names, the operators
   ``+ - * / ** ^`` and parentheses. Any other character is rejected by name. A few typographic
   forms are read as their ASCII equivalents first: ``^`` is power, ``²``/``³`` are ``**2``/``**3``,
   ``×``/``·`` are ``*`` and ``−`` (U+2212) is ``-``.
2. **Resolve names and implicit products.** A name that is one of the allowed symbols stands for
   itself (an exact symbol name always wins over splitting it). A name that is not, but splits in
   exactly one way into allowed symbols, is their product: with symbols ``d, h`` the name ``hd``
   means ``h*d`` and ``hdh`` means ``h*d*h``. A name that splits in no way is an unknown symbol;
   one that splits in several ways (possible only with multi-letter symbols) is rejected as
   ambiguous. Juxtaposition is multiplication where maths writes it that way: a number, name or
   ``)`` followed by a name or ``(`` (``3h``, ``2(d+h)``, ``h(d+1)``, ``(d+1)(h+1)``, ``h d``).
   Two numbers side by side, or a name or ``)`` followed by a number, is an error rather than a
   guess.
3. **Parse with** ``ast.parse(mode="eval")`` the re-assembled text (which now contains only allowed
   tokens) and walk the tree, accepting only numbers, allowed names, binary ``+ - * / **``, unary
   ``+ -`` and parentheses. An exponent must be a non-negative integer literal no larger than
   ``MAX_EXPONENT``, and the whole formula's polynomial degree is bounded by ``MAX_DEGREE`` (so
   ``((h^4)^4)^4`` cannot make expansion expensive). The SymPy expression is built node by node.

Errors are raised as :class:`FormulaError` with a message meant for the learner that names the
offending token.
"""
from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Iterable
from fractions import Fraction

import sympy

__all__ = ["FormulaError", "parse_formula", "equivalent", "MAX_LENGTH", "MAX_EXPONENT", "MAX_DEGREE"]

MAX_LENGTH = 200
MAX_EXPONENT = 4
MAX_DEGREE = 8  # bound on total polynomial degree, so expanding an answer stays cheap

_REPLACEMENTS = {
    "^": "**",
    "²": "**2",
    "³": "**3",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "−": "-",
    "–": "-",
}

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


def _split_name(name: str, allowed: dict[str, sympy.Symbol]) -> list[list[str]]:
    """All ways (at most two are collected) to write ``name`` as a concatenation of allowed names."""
    ways: list[list[str]] = []

    def walk(pos: int, acc: list[str]) -> None:
        if len(ways) > 1:
            return
        if pos == len(name):
            ways.append(list(acc))
            return
        for sym in allowed:
            if name.startswith(sym, pos):
                acc.append(sym)
                walk(pos + len(sym), acc)
                acc.pop()

    walk(0, [])
    return ways


def _tokenise(text: str, allowed: dict[str, sympy.Symbol]) -> list[tuple[str, str]]:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
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
            if value in allowed:
                parts = [value]
            else:
                ways = _split_name(value, allowed)
                if not ways:
                    known = ", ".join(sorted(allowed)) or "(none)"
                    raise FormulaError(f"unknown symbol {value!r}; the symbols you may use are: {known}")
                if len(ways) > 1:
                    raise FormulaError(
                        f"{value!r} can be read in more than one way; write the product with '*'"
                    )
                parts = ways[0]
            for i, part in enumerate(parts):
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
            if left_operand and (kind == "name" or value == "("):
                out.append(("op", "*"))
            elif left_operand and kind == "number":
                raise FormulaError(
                    f"missing operator before {value!r} (after {pvalue!r}); write it with '*' or '+'"
                )
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


def parse_formula(text: str, symbols: Iterable[str | sympy.Symbol]) -> sympy.Expr:
    """Parse learner ``text`` into a SymPy expression over ``symbols``, or raise :class:`FormulaError`.

    ``symbols`` are names (or ``sympy.Symbol`` objects, used as given, so assumptions carry over).
    """
    if not isinstance(text, str):
        raise FormulaError("the answer must be written as text, e.g. 3*h*(d + h + 1)")
    allowed = _symbol_table(symbols)
    text = text.strip()
    if not text:
        raise FormulaError("the answer is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    tokens = _insert_products(_tokenise(text, allowed))
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
    return expr


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
    never raw learner text.
    """
    diff = _plain(_as_expr(a)) - _plain(_as_expr(b))
    if sympy.expand(diff) == 0:
        return True
    # Parsed formulas are rational functions, for which cancel() is an exact and cheap decision
    # (simplify() would be a slow heuristic here).
    return bool(sympy.cancel(sympy.together(diff)) == 0)
