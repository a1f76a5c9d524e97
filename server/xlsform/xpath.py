"""XLSForm's XPath expressions, the small part of them a form of this project can hold.

``relevant`` columns become :mod:`shared_schema.expr` expressions and ``constraint`` columns
become :class:`~shared_schema.constraints.Constraints`; the other way, a definition is written back
as XPath (``server.xlsform.writer``). The subset read here:

    or_expr    = and_expr { "or" and_expr } ;
    and_expr   = comparison { "and" comparison } ;
    comparison = operand [ ("=" | "!=" | "<" | "<=" | ">" | ">=") operand ] ;
    operand    = "${" NAME "}" | "." | STRING | [ "-" ] NUMBER | FUNC "(" [ args ] ")"
               | "(" or_expr ")" ;
    FUNC       = selected | count-selected | not | true | false | string-length | regex | date

Anything else (paths, arithmetic, other functions) is an :class:`XPathError` whose message says
what was met, in Vietnamese and English. The tree built is :mod:`shared_schema.expr_nodes`'s, so
that one printer (:func:`to_expr`) gives the text the project's forms are written in; ``.`` is
``FieldRef(".")`` (only a constraint may use it).
"""

from __future__ import annotations

import re

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

__all__ = ["SELF", "XPathError", "parse_xpath", "to_expr", "to_xpath"]

SELF = "."
_MAX_LENGTH = 1000
_MAX_DEPTH = 32
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{[^}]*\})
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<num>[0-9]+(?:\.[0-9]+)?)
    | (?P<op>!=|<=|>=|=|<|>|\(|\)|,|-)
    | (?P<word>[A-Za-z_][A-Za-z0-9_.:-]*)
    | (?P<dot>\.)
    )""",
    re.VERBOSE,
)
_FUNCS = {
    "selected": 2,
    "count-selected": 1,
    "not": 1,
    "true": 0,
    "false": 0,
    "string-length": 1,
    "regex": 2,
    "date": 1,
}
_OPS: tuple[CompareOp, ...] = ("=", "!=", "<", "<=", ">", ">=")


class XPathError(ValueError):
    """An expression outside the subset; ``vi`` and ``en`` say what was met."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            snippet = text[pos : pos + 12].strip()
            raise XPathError(f"không hiểu “{snippet}”", f"cannot read {snippet!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    out.append(("end", ""))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > _MAX_LENGTH:
            raise XPathError(
                f"biểu thức dài quá {_MAX_LENGTH} ký tự", f"longer than {_MAX_LENGTH} characters"
            )
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        kind, got = self.take()
        if got != text or kind not in ("op",):
            raise XPathError(f"thiếu “{text}”", f"expected {text!r}, got {got or 'the end'!r}")

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek()[0] != "end":
            got = self.peek()[1]
            raise XPathError(f"thừa “{got}”", f"unexpected {got!r}")
        return node

    def or_expr(self) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise XPathError("lồng nhau quá sâu", "nested too deeply")
        items = [self.and_expr()]
        while self.peek() == ("word", "or"):
            self.take()
            items.append(self.and_expr())
        self.depth -= 1
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.comparison()]
        while self.peek() == ("word", "and"):
            self.take()
            items.append(self.comparison())
        return items[0] if len(items) == 1 else And(tuple(items))

    def comparison(self) -> Node:
        left = self.operand()
        kind, text = self.peek()
        if kind == "op" and text in _OPS:
            self.take()
            op: CompareOp = _OPS[_OPS.index(text)]
            return Compare(op, left, self.operand())
        return left

    def operand(self) -> Node:
        kind, text = self.take()
        if kind == "ref":
            return FieldRef(text[2:-1].strip())
        if kind == "dot":
            return FieldRef(SELF)
        if kind == "str":
            return Const(text[1:-1])
        if kind == "num":
            return Const(float(text) if "." in text else int(text))
        if (kind, text) == ("op", "-") and self.peek()[0] == "num":
            num = self.take()[1]
            return Const(-float(num) if "." in num else -int(num))
        if (kind, text) == ("op", "("):
            node = self.or_expr()
            self.expect(")")
            return node
        if kind == "word" and self.peek() == ("op", "("):
            return self.call(text)
        shown = text or "hết biểu thức"
        raise XPathError(
            f"“{shown}” không dùng được ở đây (chỉ ${{tên}}, chuỗi, số và các hàm "
            + ", ".join(_FUNCS)
            + ")",
            f"{text or 'the end'!r} is not supported here",
        )

    def call(self, name: str) -> Node:
        if name not in _FUNCS:
            raise XPathError(
                f"hàm {name}() không được hỗ trợ", f"the function {name}() is not supported"
            )
        self.expect("(")
        args: list[Node] = []
        if self.peek() != ("op", ")"):
            args.append(self.or_expr())
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.or_expr())
        self.expect(")")
        if len(args) != _FUNCS[name]:
            raise XPathError(
                f"hàm {name}() cần {_FUNCS[name]} đối số",
                f"{name}() takes {_FUNCS[name]} arguments",
            )
        if name in ("true", "false"):
            return Const(name == "true")
        if name == "not":
            return Not(args[0])
        if name == "count-selected":
            return Call("count", tuple(args))
        return Call(name, tuple(args))


def parse_xpath(text: str) -> Node:
    """The tree of an XLSForm expression (``${name}`` a field, ``.`` the field itself)."""
    return _simplify(_Parser(text).parse())


def _simplify(node: Node) -> Node:
    """XLSForm idioms as the project writes them: ``${x} = ''`` is ``empty(x)``, and a chain of
    ``${x} = 'a' or ${x} = 'b'`` is ``x in ('a', 'b')``."""
    if isinstance(node, Compare):
        if node.op in ("=", "!=") and isinstance(node.left, FieldRef) and node.right == Const(""):
            empty = Call("empty", (node.left,))
            return empty if node.op == "=" else Not(empty)
        return node
    if isinstance(node, Not):
        return Not(_simplify(node.item))
    if isinstance(node, And):
        return And(tuple(_simplify(i) for i in node.items))
    if isinstance(node, Or):
        items = tuple(_simplify(i) for i in node.items)
        first = items[0]
        if (
            all(isinstance(i, Compare) and i.op == "=" for i in items)
            and isinstance(first, Compare)
            and isinstance(first.left, FieldRef)
            and all(
                isinstance(i, Compare) and i.left == first.left and isinstance(i.right, Const)
                for i in items
            )
        ):
            return In(first.left, tuple(i.right for i in items if isinstance(i, Compare)), False)
        return Or(items)
    if isinstance(node, Call):
        return Call(node.name, tuple(_simplify(a) for a in node.args))
    return node


# ---------------------------------------------------------------------------- printers
def _const_expr(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


def to_expr(node: Node) -> str:
    """``node`` in the language of ``shared_schema.expr``, as the project's form files write it."""
    if isinstance(node, Const):
        return _const_expr(node.value)
    if isinstance(node, FieldRef):
        return node.name
    if isinstance(node, Compare):
        return f"{to_expr(node.left)} {node.op} {to_expr(node.right)}"
    if isinstance(node, In):
        opts = (
            "(" + ", ".join(to_expr(o) for o in node.options) + ")"
            if isinstance(node.options, tuple)
            else to_expr(node.options)
        )
        return f"{to_expr(node.item)} {'not in' if node.negated else 'in'} {opts}"
    if isinstance(node, And):
        return " and ".join(
            f"({to_expr(i)})" if isinstance(i, Or) else to_expr(i) for i in node.items
        )
    if isinstance(node, Or):
        return " or ".join(to_expr(i) for i in node.items)
    if isinstance(node, Not):
        inner = to_expr(node.item)
        bare = isinstance(node.item, Call | FieldRef | Const | Not)
        return f"not {inner}" if bare else f"not ({inner})"
    return f"{node.name}(" + ", ".join(to_expr(a) for a in node.args) + ")"


def _const_xpath(value: object) -> str:
    if value is None:
        return "''"
    if value is True or value is False:
        return "true()" if value else "false()"
    if isinstance(value, str):
        return f'"{value}"' if "'" in value else f"'{value}'"
    return repr(value)


def to_xpath(node: Node) -> str:
    """``node`` as an XLSForm expression (fields as ``${name}``)."""
    if isinstance(node, Const):
        return _const_xpath(node.value)
    if isinstance(node, FieldRef):
        return SELF if node.name == SELF else "${" + node.name + "}"
    if isinstance(node, Compare):
        return f"{to_xpath(node.left)} {node.op} {to_xpath(node.right)}"
    if isinstance(node, In):
        if isinstance(node.options, tuple):
            inner = " or ".join(f"{to_xpath(node.item)} = {to_xpath(o)}" for o in node.options)
        else:
            inner = f"selected({to_xpath(node.options)}, {to_xpath(node.item)})"
        return f"not({inner})" if node.negated else f"({inner})"
    if isinstance(node, And):
        return " and ".join(
            f"({to_xpath(i)})" if isinstance(i, Or) else to_xpath(i) for i in node.items
        )
    if isinstance(node, Or):
        return " or ".join(to_xpath(i) for i in node.items)
    if isinstance(node, Not):
        return f"not({to_xpath(node.item)})"
    if node.name == "empty":
        return f"{to_xpath(node.args[0])} = ''"
    name = "count-selected" if node.name == "count" else node.name
    return f"{name}(" + ", ".join(to_xpath(a) for a in node.args) + ")"
