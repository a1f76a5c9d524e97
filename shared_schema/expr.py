"""The skip-logic language of a form field's ``relevant`` expression.

Form files come from administrators and travel to every device, so the language is parsed by a
small tokenizer and a recursive-descent parser into a tree of plain dataclasses, then walked by an
evaluator. Nothing here calls ``eval``, ``exec``, ``compile`` or the ``ast`` module: an expression
can only read the field values it is given and call the three functions ``selected``, ``count``
and ``empty``.

This module is the language's public face: :func:`parse_expr` and :func:`compile_expr` give an
:class:`Expression`. Its parts, one idea each:

- :mod:`shared_schema.expr_parser`: the grammar (EBNF in its docstring), its limits and
  :class:`ExprError`;
- :mod:`shared_schema.expr_nodes`: the tree the parser builds;
- :mod:`shared_schema.expr_eval`: the semantics, chosen so that skip logic never fails on a
  half-filled form (an unanswered field satisfies no comparison; evaluation never raises).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shared_schema.expr_eval import evaluate, field_names, truthy
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
from shared_schema.expr_parser import (
    FUNCTIONS,
    KEYWORDS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExprError,
    parse_tree,
)

__all__ = [
    "FUNCTIONS",
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "And",
    "Call",
    "Compare",
    "CompareOp",
    "Const",
    "ExprError",
    "Expression",
    "FieldRef",
    "In",
    "Node",
    "Not",
    "Or",
    "compile_expr",
    "parse_expr",
    "truthy",
]


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
        return evaluate(self.ast, values)

    def is_true(self, values: Mapping[str, Any]) -> bool:
        return truthy(self.evaluate(values))


def parse_expr(source: object) -> Expression:
    """Parse ``source``; raise :class:`ExprError`, and nothing else, if it is no expression."""
    tree = parse_tree(source)
    assert isinstance(source, str)  # parse_tree refuses anything else
    return Expression(source, tree, field_names(tree))


@lru_cache(maxsize=1024)
def compile_expr(source: str) -> Expression:
    """:func:`parse_expr` with a cache: forms evaluate the same few expressions over and over."""
    return parse_expr(source)
