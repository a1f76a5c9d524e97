"""Evaluating a parsed ``relevant`` expression over a record's answers; it never raises.

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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

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

__all__ = ["evaluate", "field_names", "truthy"]


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
        return False  # an unanswered field satisfies no comparison (null literals: see evaluate)
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


def evaluate(node: Node, values: Mapping[str, Any]) -> Any:
    """The value of ``node`` over the answers ``values`` (a field that is absent is null)."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, FieldRef):
        return values.get(node.name)
    if isinstance(node, Compare):
        left, right = evaluate(node.left, values), evaluate(node.right, values)
        if node.op in ("=", "!=") and (_is_null(node.left) or _is_null(node.right)):
            # `x = null` / `x != null` are the presence tests of the docstring.
            return (left is None and right is None) == (node.op == "=")
        return _compare(node.op, left, right)
    if isinstance(node, And):
        return all(truthy(evaluate(item, values)) for item in node.items)
    if isinstance(node, Or):
        return any(truthy(evaluate(item, values)) for item in node.items)
    if isinstance(node, Not):
        return not truthy(evaluate(node.item, values))
    if isinstance(node, In):
        item = evaluate(node.item, values)
        if isinstance(node.options, tuple):
            options: Any = [evaluate(o, values) for o in node.options]
        else:
            options = evaluate(node.options, values)
        if item is None or not isinstance(options, list):
            return False  # like a comparison with null: neither "in" nor "not in"
        return any(_equal(item, o) for o in options) != node.negated
    return _call(node.name, [evaluate(a, values) for a in node.args])


def _collect_names(node: Node, out: set[str]) -> None:
    if isinstance(node, FieldRef):
        out.add(node.name)
    elif isinstance(node, Compare):
        _collect_names(node.left, out)
        _collect_names(node.right, out)
    elif isinstance(node, And | Or):
        for item in node.items:
            _collect_names(item, out)
    elif isinstance(node, Not):
        _collect_names(node.item, out)
    elif isinstance(node, In):
        _collect_names(node.item, out)
        for opt in node.options if isinstance(node.options, tuple) else (node.options,):
            _collect_names(opt, out)
    elif isinstance(node, Call):
        for arg in node.args:
            _collect_names(arg, out)


def field_names(node: Node) -> frozenset[str]:
    """The names of the fields ``node`` reads."""
    out: set[str] = set()
    _collect_names(node, out)
    return frozenset(out)
