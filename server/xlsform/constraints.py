"""An XLSForm ``constraint`` ↔ this project's :class:`~shared_schema.constraints.Constraints`.

A constraint is read when it is a conjunction (``and``) of limits on the field itself (``.`` or
``${own name}``): ``. >= 0``, ``. <= 100`` (``>``/``<`` on an integer: the next integer),
``string-length(.) <= 300``, ``regex(., '^[0-9]+$')``, ``count-selected(.) >= 1``,
``. >= date('2017-01-01')``. Anything else is refused with the reason (server.xlsform.mapping).
"""

from __future__ import annotations

from typing import Any

from server.xlsform.xpath import SELF, XPathError, parse_xpath, to_xpath
from shared_schema.constraints import Constraints
from shared_schema.expr_nodes import And, Call, Compare, Const, FieldRef, Node

__all__ = ["constraints_of", "constraints_xpath"]

_WHAT = {
    "value": ("min", "max"),
    "string-length": ("min_length", "max_length"),
    "count": ("min_count", "max_count"),
}


def _is_self(node: Node, name: str) -> bool:
    return isinstance(node, FieldRef) and node.name in (SELF, name)


def _bound(node: Node, ftype: str) -> Any:
    if isinstance(node, Call) and node.name == "date" and isinstance(node.args[0], Const):
        node = node.args[0]
    if not isinstance(node, Const) or isinstance(node.value, bool) or node.value is None:
        raise XPathError(
            "giới hạn phải là một số hoặc date('YYYY-MM-DD')", "a bound must be a number or a date"
        )
    if ftype == "date" and not isinstance(node.value, str):
        raise XPathError(
            "giới hạn của ngày phải là date('YYYY-MM-DD')",
            "a date's bound must be date('YYYY-MM-DD')",
        )
    return node.value


def _atom(node: Node, name: str, ftype: str, out: dict[str, Any]) -> None:
    if isinstance(node, Call) and node.name == "regex" and _is_self(node.args[0], name):
        pattern = node.args[1]
        if not isinstance(pattern, Const) or not isinstance(pattern.value, str):
            raise XPathError("regex() cần một mẫu là chuỗi", "regex() needs a string pattern")
        out["pattern"] = pattern.value
        return
    if not isinstance(node, Compare) or node.op in ("=", "!="):
        raise XPathError(
            "chỉ nhận các giới hạn nối bằng “and”: . >= n, . <= n, string-length(.) <= n, "
            "regex(., '…'), count-selected(.) >= n",
            "only limits joined by 'and' are read: . >= n, . <= n, string-length(.) <= n, "
            "regex(., '…'), count-selected(.) >= n",
        )
    left, op, right = node.left, node.op, node.right
    if not (_is_self(left, name) or isinstance(left, Call)):
        left, right = right, left
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]  # type: ignore[assignment]
    if _is_self(left, name):
        what = "value"
    elif (
        isinstance(left, Call)
        and left.name in ("string-length", "count")
        and _is_self(left.args[0], name)
    ):
        what = left.name
    else:
        raise XPathError(
            "giới hạn phải nói về chính câu hỏi này (. hoặc ${tên})",
            "a limit must be on the field itself",
        )
    bound = _bound(right, ftype)
    if op in (">", "<"):
        if not isinstance(bound, int):
            raise XPathError(
                "dùng >= hoặc <= với số thập phân và ngày", "use >= or <= with decimals and dates"
            )
        bound = bound + 1 if op == ">" else bound - 1
    key = _WHAT[what][0 if op in (">", ">=") else 1]
    out[key] = bound


def constraints_of(name: str, ftype: str, text: str) -> dict[str, Any]:
    """The constraints of an XLSForm ``constraint`` (raises :class:`XPathError`)."""
    node = parse_xpath(text)
    out: dict[str, Any] = {}
    for atom in node.items if isinstance(node, And) else (node,):
        _atom(atom, name, ftype, out)
    return out


def constraints_xpath(c: Constraints) -> str:
    """``c`` as an XLSForm ``constraint`` (what :func:`constraints_of` reads back)."""
    dot = FieldRef(SELF)
    parts: list[str] = []

    def bound(value: Any) -> Node:
        return Call("date", (Const(value),)) if isinstance(value, str) else Const(value)

    if c.min is not None:
        parts.append(to_xpath(Compare(">=", dot, bound(c.min))))
    if c.max is not None:
        parts.append(to_xpath(Compare("<=", dot, bound(c.max))))
    for key, op in (("min_length", ">="), ("max_length", "<=")):
        if getattr(c, key) is not None:
            parts.append(f"string-length(.) {op} {getattr(c, key)}")
    if c.pattern is not None:
        parts.append(to_xpath(Call("regex", (dot, Const(c.pattern)))))
    for key, op in (("min_count", ">="), ("max_count", "<=")):
        if getattr(c, key) is not None:
            parts.append(f"count-selected(.) {op} {getattr(c, key)}")
    return " and ".join(parts)
