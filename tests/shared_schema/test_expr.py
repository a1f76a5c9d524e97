"""The ``relevant`` language: grammar, semantics, and refusal of anything else."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExprError,
    Expression,
    compile_expr,
    parse_expr,
    truthy,
)


def ev(source: str, **values: Any) -> Any:
    return parse_expr(source).evaluate(values)


# ---------------------------------------------------------------------------- evaluation
@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("status = 'stopped'", {"status": "stopped"}, True),
        ("status = 'stopped'", {"status": "operating"}, False),
        ('status = "stopped"', {"status": "stopped"}, True),
        ("status != 'stopped'", {"status": "operating"}, True),
        ("n > 3", {"n": 4}, True),
        ("n >= 3", {"n": 3}, True),
        ("n < 3.5", {"n": 3}, True),
        ("n <= -1", {"n": -1.0}, True),
        ("n = 2", {"n": 2.0}, True),
        ("d >= '2024-01-01'", {"d": "2024-05-16"}, True),
        ("d < '2024-01-01'", {"d": "2024-05-16"}, False),
        ("flag = true", {"flag": True}, True),
        ("flag = false", {"flag": True}, False),
        ("flag", {"flag": True}, True),
        ("not flag", {"flag": False}, True),
        ("a = 1 and b = 2", {"a": 1, "b": 2}, True),
        ("a = 1 and b = 2", {"a": 1, "b": 3}, False),
        ("a = 1 or b = 2", {"a": 0, "b": 2}, True),
        ("a = 1 or b = 2 and c = 3", {"a": 1, "b": 0, "c": 0}, True),  # and binds tighter
        ("(a = 1 or b = 2) and c = 3", {"a": 1, "b": 0, "c": 0}, False),
        ("not a = 1", {"a": 2}, True),
        ("not not a = 1", {"a": 1}, True),
        ("'2' in linked", {"linked": ["1", "2"]}, True),
        ("'3' in linked", {"linked": ["1", "2"]}, False),
        ("'3' not in linked", {"linked": ["1", "2"]}, True),
        ("status in ('operating', 'replicated')", {"status": "replicated"}, True),
        ("status in ('operating', 'replicated',)", {"status": "stopped"}, False),
        ("status not in ('operating', 'replicated')", {"status": "stopped"}, True),
        ("status in ('stopped')", {"status": "stopped"}, True),
        ("n in (1, 2, 3)", {"n": 2}, True),
        ("selected(linked, 'cultural_life')", {"linked": ["cultural_life"]}, True),
        ("selected(linked, 'x')", {"linked": ["cultural_life"]}, False),
        ("selected(status, 'stopped')", {"status": "stopped"}, True),
        ("count(linked) >= 2", {"linked": ["a", "b"]}, True),
        ("count(linked) = 0", {}, True),
        ("count(name) = 1", {"name": "x"}, True),
        ("empty(visit)", {}, True),
        ("empty(visit)", {"visit": ""}, True),
        ("empty(visit)", {"visit": []}, True),
        ("empty(visit)", {"visit": "3f0c"}, False),
        ("not empty(visit)", {"visit": "3f0c"}, True),
        ("x = null", {}, True),
        ("x = null", {"x": None}, True),
        ("x = null", {"x": 0}, False),
        ("x != null", {"x": 0}, True),
        ("x != null", {}, False),
        ("null = x", {}, True),
        ("  status\t=\n'a'  ", {"status": "a"}, True),
        ("'Đoàn kết' = name", {"name": "Đoàn kết"}, True),
        ("s = 'it\\'s'", {"s": "it's"}, True),
        ("s = 'back\\\\slash'", {"s": "back\\slash"}, True),
        ("count_x = 1", {"count_x": 1}, True),  # a field named like a function is still a field
    ],
)
def test_evaluates(source: str, values: dict[str, Any], expected: Any) -> None:
    assert parse_expr(source).evaluate(values) == expected


@pytest.mark.parametrize(
    "source",
    [
        "x = 'a'",
        "x != 'a'",  # documented: an unanswered field satisfies no comparison
        "x < 3",
        "x >= 3",
        "x in ('a', 'b')",
        "x not in ('a', 'b')",
        "'a' in x",
        "'a' not in x",
        "x = y",
        "x != y",
    ],
)
def test_missing_values_make_comparisons_false(source: str) -> None:
    assert ev(source) is False
    assert ev(source, x=None, y=None) is False


def test_null_equals_null_only_through_the_null_literal() -> None:
    # Two unanswered fields are not "equal answers".
    assert ev("x = y") is False
    assert ev("x = null and y = null") is True


@pytest.mark.parametrize(
    ("source", "values"),
    [
        ("n < 'a'", {"n": 1}),
        ("n = '1'", {"n": 1}),
        ("flag = 1", {"flag": True}),  # booleans are not numbers
        ("flag < true", {"flag": False}),  # nor ordered
        ("l = 'a'", {"l": ["a"]}),
        ("o > 1", {"o": {"lat": 1}}),
        ("'a' in s", {"s": "abc"}),  # `in` is list membership, not substring
        ("n < 1", {"n": float("nan")}),
    ],
)
def test_mixed_types_compare_false(source: str, values: dict[str, Any]) -> None:
    assert parse_expr(source).evaluate(values) is False


def test_negative_numbers_and_decimals() -> None:
    assert ev("x = -2.5", x=-2.5) is True
    assert ev("x > -1", x=0) is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        (False, False),
        (0, False),
        (0.0, False),
        (float("nan"), False),
        ("", False),
        ([], False),
        ({}, False),
        (True, True),
        (1, True),
        ("a", True),
        (["a"], True),
        ({"a": 1}, True),
        (object(), True),
    ],
)
def test_truthy(value: Any, expected: bool) -> None:
    assert truthy(value) is expected


def test_fields_lists_every_reference() -> None:
    e = parse_expr("a = 1 and (b in (c, 'x') or selected(d, e)) and not count(f) > g")
    assert e.fields == {"a", "b", "c", "d", "e", "f", "g"}
    assert parse_expr("'x' = 'x'").fields == frozenset()


def test_is_true_and_non_mapping_values() -> None:
    e = parse_expr("empty(x)")
    assert e.is_true({}) is True
    assert e.evaluate(None) is True  # type: ignore[arg-type]
    assert e.evaluate(["not", "a", "mapping"]) is True  # type: ignore[arg-type]


def test_compile_expr_caches() -> None:
    assert compile_expr("a = 1") is compile_expr("a = 1")
    assert isinstance(compile_expr("a = 1"), Expression)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("source", "position"),
    [
        ("", 0),
        ("   ", 0),
        ("a =", 3),
        ("= a", 0),
        ("a = = b", 4),
        ("a < b < c", 6),
        ("a = 1 in (1)", 6),
        ("(a = 1", 6),
        ("a = 1)", 5),
        ("'abc", 0),
        ("'a\\b'", 2),
        ("a.b", 1),
        ("a[0]", 1),
        ("1a = 2", 0),
        ("a == 1", 3),
        ("a = 1 && b", 6),
        ("a = 'x' + 'y'", 8),
        ("- a", 0),
        ("a in", 4),
        ("a in ()", 6),
        ("unknown(a)", 0),
        ("count(a, b)", 0),
        ("selected(a)", 0),
        ("empty()", 0),
        ("and", 0),
        ("a = 1 or", 8),
        ("a = 1e5", 4),
        ("a = 'x' b", 8),
        ("é = 1", 0),
        ("a\u00a0= 1", 1),  # only ASCII whitespace separates tokens
    ],
)
def test_parse_errors_carry_position(source: str, position: int) -> None:
    with pytest.raises(ExprError) as info:
        parse_expr(source)
    assert info.value.position == position, str(info.value)
    assert f"at position {position}" in str(info.value)


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__('os').system('rm -rf /')",
        "eval('1')",
        "exec('import os')",
        "open('/etc/passwd')",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "lambda: 1",
        "[x for x in y]",
        "{'a': 1}",
        "f'{x}'",
        "a; import os",
        "__builtins__",  # parses as a field reference and reads nothing but the values
    ],
)
def test_python_is_not_the_language(source: str) -> None:
    try:
        e = parse_expr(source)
    except ExprError:
        return
    # Whatever parses can only read the given values.
    assert e.fields == {"__builtins__"}
    assert e.evaluate({}) is None


def test_non_string_source() -> None:
    for bad in (None, 1, b"a = 1", ["a"]):
        with pytest.raises(ExprError):
            parse_expr(bad)


def test_length_cap() -> None:
    ok = "a = '" + "x" * (MAX_LENGTH - 6) + "'"
    assert len(ok) == MAX_LENGTH
    parse_expr(ok)
    with pytest.raises(ExprError, match="longer than"):
        parse_expr("a = 1 or " * 1000 + "a = 1")
    with pytest.raises(ExprError):
        parse_expr("x" * 10_000_000)


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "(" * n + "a" + ")" * n,
        lambda n: "not " * n + "a",
        lambda n: "count(" * n + "a" + ")" * n,
        lambda n: "a in (" * n + "1" + ")" * n,
    ],
)
def test_nesting_cap(make: Any) -> None:
    parse_expr(make(MAX_DEPTH - 2))
    with pytest.raises(ExprError, match="nested deeper"):
        parse_expr(make(MAX_DEPTH + 1))
    with pytest.raises(ExprError):
        parse_expr(
            make(100)
        )  # longer than MAX_LENGTH or deeper than MAX_DEPTH, never RecursionError


def test_long_flat_chains_are_fine() -> None:
    source = " or ".join(f"a{i} = {i}" for i in range(40))
    assert len(source) <= MAX_LENGTH
    assert parse_expr(source).evaluate({"a39": 39}) is True


# ---------------------------------------------------------------------------- properties
_ALPHABET = st.sampled_from([*"abcxyz_019 .,()'\"\\=!<>-", "and ", "or ", "not ", "in "])
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=500)
@given(st.text(max_size=80) | st.lists(_ALPHABET, max_size=40).map("".join))
def test_any_text_parses_or_raises_expr_error(source: str) -> None:
    try:
        e = parse_expr(source)
    except ExprError as exc:
        assert 0 <= exc.position <= max(len(source), MAX_LENGTH)
        return
    e.evaluate({})


_exprs = st.sampled_from(
    [
        "a = b",
        "a != b",
        "a < b",
        "a >= 1",
        "a in b",
        "a not in (b, 1, 'x', null)",
        "selected(a, b)",
        "count(a) > count(b)",
        "empty(a) or not b",
        "a = null and b != null",
        "a and b or not a",
    ]
)


@settings(max_examples=500)
@given(_exprs, st.dictionaries(st.sampled_from(["a", "b"]), _json, max_size=2))
def test_evaluation_never_raises(source: str, values: dict[str, Any]) -> None:
    parse_expr(source).evaluate(values)
