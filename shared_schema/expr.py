"""The skip-logic language of a form field's ``relevant`` expression.

Form files come from administrators and travel to every device, so the language is parsed by a
small tokenizer and a recursive-descent parser into an AST of plain dataclasses, then walked by an
evaluator. Nothing here calls ``eval``, ``exec``, ``compile`` or the ``ast`` module: an expression
can only read the field values it is given and call the three functions below.

Grammar (EBNF; keywords are lower case and reserved, whitespace between tokens is ignored)::

    expression  = or_expr ;
    or_expr     = and_expr { "or" and_expr } ;
    and_expr    = not_expr { "and" not_expr } ;
    not_expr    = "not" not_expr | comparison ;
    comparison  = operand [ cmp_op operand | [ "not" ] "in" in_rhs ] ;
    cmp_op      = "=" | "!=" | "<" | "<=" | ">" | ">=" ;
    in_rhs      = "(" expression { "," expression } [ "," ] ")" | operand ;
    operand     = [ "-" ] NUMBER | STRING | "true" | "false" | "null"
                | FUNCTION "(" [ expression { "," expression } ] ")"
                | IDENT
                | "(" expression ")" ;
    FUNCTION    = "selected" | "count" | "empty" ;
    IDENT       = /[A-Za-z_][A-Za-z0-9_]*/ ;      (a field name)
    NUMBER      = /[0-9]+(\\.[0-9]+)?/ ;
    STRING      = "'" chars "'" | '"' chars '"' ;  (backslash escapes the quote and itself)

Comparisons do not chain (``a < b < c`` is an error).

Semantics, chosen so that skip logic never fails on a half-filled form:

- A field reference is the field's value; a field that is absent is ``null``.
- ``=`` / ``!=`` with the literal ``null`` test presence: ``x = null`` is true when ``x`` is absent
  or null. Every other comparison with a null operand is **false** (``x != 'a'`` is false while
  ``x`` is unanswered; write ``not (x = 'a')`` to get true).
- Numbers compare with numbers (booleans are not numbers), strings with strings (code-point
  order, so ISO dates compare as dates), booleans with booleans for ``=``/``!=``; any other mix
  is false.
- ``a in (b, c)`` is true when ``a`` equals one of the items; ``a in f`` with ``f`` a list-valued
  field (``select_multiple``) is true when the list holds ``a``; anything else is false.
- ``and``/``or``/``not`` take truthiness: null, false, 0, ``''`` and empty lists/objects are
  false, everything else is true.
- ``selected(f, v)``: ``f`` is a list holding ``v``, or equals ``v``. ``count(f)``: the length of
  a list, 0 for an empty value, 1 for any other value. ``empty(f)``: ``f`` is null, ``''``,
  ``[]`` or ``{}``.

Limits: :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels of nesting. Every problem with
the text is an :class:`ExprError` carrying the character position; evaluation never raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, TypeAlias

__all__ = [
    "FUNCTIONS",
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "Expression",
    "compile_expr",
    "parse_expr",
    "truthy",
]

MAX_LENGTH = 500
MAX_DEPTH = 32

KEYWORDS: frozenset[str] = frozenset({"and", "or", "not", "in", "true", "false", "null"})
# name -> number of arguments
FUNCTIONS: dict[str, int] = {"selected": 2, "count": 1, "empty": 1}

CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]


class ExprError(ValueError):
    """An expression that cannot be parsed; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.reason = message
        self.position = position


# ---------------------------------------------------------------------------- AST
@dataclass(frozen=True, slots=True)
class Const:
    value: str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class FieldRef:
    name: str


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class In:
    item: Node
    # A tuple is a literal list ``(a, b)``; a single node is a list-valued operand.
    options: tuple[Node, ...] | Node
    negated: bool


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node: TypeAlias = Const | FieldRef | Compare | In | And | Or | Not | Call


# ---------------------------------------------------------------------------- tokenizer
@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["num", "str", "ident", "kw", "op", "end"]
    text: str
    pos: int
    value: str | int | float | None = None


_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMPARE_OPS: dict[str, CompareOp] = {
    "=": "=",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_OPERATORS = ("<=", ">=", "!=", "=", "<", ">", "(", ")", ",", "-")
_ASCII_SPACE = " \t\r\n"


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in _ASCII_SPACE:
            i += 1
            continue
        if ch in "'\"":
            quote, start, i = ch, i, i + 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise ExprError("unterminated string", start)
                c = source[i]
                if c == "\\":
                    if i + 1 >= n or source[i + 1] not in (quote, "\\"):
                        raise ExprError("bad escape in string", i)
                    chars.append(source[i + 1])
                    i += 2
                elif c == quote:
                    i += 1
                    break
                else:
                    chars.append(c)
                    i += 1
            tokens.append(_Token("str", source[start:i], start, "".join(chars)))
            continue
        m = _NUMBER_RE.match(source, i)
        if m:
            text = m.group()
            value: int | float = float(text) if "." in text else int(text)
            if _IDENT_RE.match(source, m.end()):
                raise ExprError("a name cannot start with a digit", i)
            tokens.append(_Token("num", text, i, value))
            i = m.end()
            continue
        m = _IDENT_RE.match(source, i)
        if m:
            word = m.group()
            tokens.append(_Token("kw" if word in KEYWORDS else "ident", word, i))
            i = m.end()
            continue
        for op in _OPERATORS:
            if source.startswith(op, i):
                tokens.append(_Token("op", op, i))
                i += len(op)
                break
        else:
            raise ExprError(f"unexpected character {ch!r}", i)
    tokens.append(_Token("end", "", n))
    return tokens


# ---------------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def _next(self) -> _Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def _is(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def _expect_op(self, text: str) -> _Token:
        if not self._is("op", text):
            raise ExprError(f"expected {text!r}, found {self._describe()}", self.tok.pos)
        return self._next()

    def _describe(self) -> str:
        return "end of expression" if self.tok.kind == "end" else repr(self.tok.text)

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels", self.tok.pos)

    def parse(self) -> Node:
        node = self.expression()
        if self.tok.kind != "end":
            raise ExprError(f"unexpected {self._describe()}", self.tok.pos)
        return node

    def expression(self) -> Node:
        self._enter()
        try:
            return self.or_expr()
        finally:
            self.depth -= 1

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self._is("kw", "or"):
            self._next()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self._is("kw", "and"):
            self._next()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        if self._is("kw", "not"):
            self._next()
            self._enter()
            try:
                return Not(self.not_expr())
            finally:
                self.depth -= 1
        return self.comparison()

    def _at_comparison(self) -> bool:
        return self.tok.kind == "op" and self.tok.text in _COMPARE_OPS

    def _at_in(self) -> bool:
        if self._is("kw", "in"):
            return True
        after = self.tokens[self.i + 1] if self._is("kw", "not") else None
        return after is not None and after.kind == "kw" and after.text == "in"

    def comparison(self) -> Node:
        left = self.operand()
        node: Node
        if self._at_comparison():
            op = self._next().text
            node = Compare(_COMPARE_OPS[op], left, self.operand())
        elif self._at_in():
            negated = self._next().text == "not"
            if negated:
                self._next()
            node = In(left, self.in_rhs(), negated)
        else:
            return left
        if self._at_comparison() or self._at_in():
            raise ExprError("comparisons cannot be chained; use 'and'", self.tok.pos)
        return node

    def in_rhs(self) -> tuple[Node, ...] | Node:
        if not self._is("op", "("):
            return self.operand()
        self._next()
        # Each item is an expression(), which counts the nesting level.
        items = [self.expression()]
        while self._is("op", ","):
            self._next()
            if self._is("op", ")"):
                break
            items.append(self.expression())
        self._expect_op(")")
        return tuple(items)

    def operand(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self._next()
            return Const(tok.value)
        if tok.kind == "op" and tok.text == "-":
            self._next()
            num = self.tok
            if num.kind != "num" or not isinstance(num.value, int | float):
                raise ExprError("'-' must be followed by a number", tok.pos)
            self._next()
            return Const(-num.value)
        if tok.kind == "str":
            self._next()
            return Const(tok.value)
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            self._next()
            return Const({"true": True, "false": False, "null": None}[tok.text])
        if tok.kind == "ident":
            self._next()
            if self._is("op", "("):
                return self.call(tok)
            return FieldRef(tok.text)
        if tok.kind == "op" and tok.text == "(":
            self._next()
            node = self.expression()
            self._expect_op(")")
            return node
        raise ExprError(f"expected a value, found {self._describe()}", tok.pos)

    def call(self, name: _Token) -> Node:
        arity = FUNCTIONS.get(name.text)
        if arity is None:
            raise ExprError(f"unknown function {name.text!r}", name.pos)
        self._next()  # "("
        args: list[Node] = []
        if not self._is("op", ")"):
            args.append(self.expression())
            while self._is("op", ","):
                self._next()
                args.append(self.expression())
        self._expect_op(")")
        if len(args) != arity:
            raise ExprError(f"{name.text}() takes {arity} argument(s), got {len(args)}", name.pos)
        return Call(name.text, tuple(args))


# ---------------------------------------------------------------------------- evaluation
def truthy(value: Any) -> bool:
    """The truth of a value in ``and``/``or``/``not`` (see the module docstring)."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str | list | tuple | dict):
        return len(value) > 0
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _comparable(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return True
    return (isinstance(a, str) and isinstance(b, str)) or (
        isinstance(a, bool) and isinstance(b, bool)
    )


def _equal(a: Any, b: Any) -> bool:
    return _comparable(a, b) and bool(a == b)


def _compare(op: CompareOp, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False  # an unanswered field satisfies no comparison (null literals: see _eval)
    if not _comparable(a, b):
        return False
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if isinstance(a, bool):
        return False  # booleans have no order here
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _call(name: str, args: list[Any]) -> Any:
    if name == "empty":
        return _empty(args[0])
    if name == "count":
        value = args[0]
        if isinstance(value, list):
            return len(value)
        return 0 if _empty(value) else 1
    # selected
    value, wanted = args
    if isinstance(value, list):
        return any(_equal(v, wanted) for v in value)
    return _equal(value, wanted)


def _is_null(node: Node) -> bool:
    return isinstance(node, Const) and node.value is None


def _eval(node: Node, values: Mapping[str, Any]) -> Any:
    if isinstance(node, Const):
        return node.value
    if isinstance(node, FieldRef):
        return values.get(node.name)
    if isinstance(node, Compare):
        left, right = _eval(node.left, values), _eval(node.right, values)
        if node.op in ("=", "!=") and (_is_null(node.left) or _is_null(node.right)):
            # `x = null` / `x != null` are the presence tests of the docstring.
            return (left is None and right is None) == (node.op == "=")
        return _compare(node.op, left, right)
    if isinstance(node, And):
        return all(truthy(_eval(item, values)) for item in node.items)
    if isinstance(node, Or):
        return any(truthy(_eval(item, values)) for item in node.items)
    if isinstance(node, Not):
        return not truthy(_eval(node.item, values))
    if isinstance(node, In):
        item = _eval(node.item, values)
        if isinstance(node.options, tuple):
            options: Any = [_eval(o, values) for o in node.options]
        else:
            options = _eval(node.options, values)
        if item is None or not isinstance(options, list):
            return False  # like a comparison with null: neither "in" nor "not in"
        return any(_equal(item, o) for o in options) != node.negated
    return _call(node.name, [_eval(a, values) for a in node.args])


def _field_names(node: Node, out: set[str]) -> None:
    if isinstance(node, FieldRef):
        out.add(node.name)
    elif isinstance(node, Compare):
        _field_names(node.left, out)
        _field_names(node.right, out)
    elif isinstance(node, And | Or):
        for item in node.items:
            _field_names(item, out)
    elif isinstance(node, Not):
        _field_names(node.item, out)
    elif isinstance(node, In):
        _field_names(node.item, out)
        for opt in node.options if isinstance(node.options, tuple) else (node.options,):
            _field_names(opt, out)
    elif isinstance(node, Call):
        for arg in node.args:
            _field_names(arg, out)


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression: its source, AST and the field names it reads."""

    source: str
    ast: Node
    fields: frozenset[str]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The expression's value over ``values``; never raises (a non-mapping reads as empty)."""
        if not isinstance(values, Mapping):
            values = {}
        return _eval(self.ast, values)

    def is_true(self, values: Mapping[str, Any]) -> bool:
        return truthy(self.evaluate(values))


def parse_expr(source: object) -> Expression:
    """Parse ``source``; raise :class:`ExprError`, and nothing else, if it is no expression."""
    if not isinstance(source, str):
        raise ExprError("an expression must be a string", 0)
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not source.strip(_ASCII_SPACE):
        raise ExprError("empty expression", 0)
    ast = _Parser(_tokenize(source)).parse()
    names: set[str] = set()
    _field_names(ast, names)
    return Expression(source, ast, frozenset(names))


@lru_cache(maxsize=1024)
def compile_expr(source: str) -> Expression:
    """:func:`parse_expr` with a cache: forms evaluate the same few expressions over and over."""
    return parse_expr(source)
