"""Reading a ``relevant`` expression: a small tokenizer and a recursive-descent parser.

Form files come from administrators and travel to every device, so nothing here calls ``eval``,
``exec``, ``compile`` or the ``ast`` module: the text becomes a tree of
:mod:`shared_schema.expr_nodes`, or an :class:`ExprError` carrying the character position.

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

Limits: :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels of nesting. Every problem with
the text is an :class:`ExprError` carrying the character position; evaluation never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shared_schema.expr_nodes import (
    And,
    Call,
    Compare,
    CompareOp,
    Const,
    FieldRef,
    In,
    Node,
    Not,
    Or,
)

__all__ = ["FUNCTIONS", "KEYWORDS", "MAX_DEPTH", "MAX_LENGTH", "ExprError", "parse_tree"]

MAX_LENGTH = 500
MAX_DEPTH = 32

KEYWORDS: frozenset[str] = frozenset({"and", "or", "not", "in", "true", "false", "null"})
# name -> number of arguments
FUNCTIONS: dict[str, int] = {"selected": 2, "count": 1, "empty": 1}


class ExprError(ValueError):
    """An expression that cannot be parsed; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.reason = message
        self.position = position


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


def parse_tree(source: object) -> Node:
    """The tree of ``source``; raise :class:`ExprError`, and nothing else, if it is no expression."""
    if not isinstance(source, str):
        raise ExprError("an expression must be a string", 0)
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not source.strip(_ASCII_SPACE):
        raise ExprError("empty expression", 0)
    return _Parser(_tokenize(source)).parse()
