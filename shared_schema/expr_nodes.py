"""The tree of a parsed ``relevant`` expression: plain frozen dataclasses.

What :mod:`shared_schema.expr_parser` builds and :mod:`shared_schema.expr_eval` walks; nothing
else is ever run (no ``eval``, no ``ast``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = ["And", "Call", "Compare", "CompareOp", "Const", "FieldRef", "In", "Node", "Not", "Or"]

CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]


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
