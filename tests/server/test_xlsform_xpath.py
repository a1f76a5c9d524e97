"""XLSForm's XPath ↔ the project's expressions and limits (server/xlsform/xpath.py,
constraints.py): pure functions, no server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.xlsform.constraints import constraints_of, constraints_xpath
from server.xlsform.xpath import XPathError, parse_xpath, to_expr, to_xpath
from shared_schema.constraints import Constraints
from shared_schema.expr import compile_expr
from shared_schema.forms import load_default_forms


@pytest.mark.parametrize(
    ("xpath", "expr"),
    [
        ("${kind} = 'bulletin'", "kind = 'bulletin'"),
        ("${visit} = ''", "empty(visit)"),
        ("${visit} != ''", "not empty(visit)"),
        ("${s} = 'a' or ${s} = 'b'", "s in ('a', 'b')"),
        ("selected(${m}, 'x') and ${n} >= 3", "selected(m, 'x') and n >= 3"),
        ("count-selected(${m}) > 1", "count(m) > 1"),
        ("not(${a} = 'x')", "not (a = 'x')"),
        ("${a} = true()", "a = true"),
        ("(${a} = 1 or ${b} = 2) and ${c} < -1.5", "(a = 1 or b = 2) and c < -1.5"),
    ],
)
def test_relevant_becomes_the_projects_expression(xpath: str, expr: str) -> None:
    assert to_expr(parse_xpath(xpath)) == expr
    compile_expr(expr)  # and the project's parser reads it


@pytest.mark.parametrize(
    "xpath",
    ["today() > ${a}", "${a} + 1 > 2", "/data/a = 1", "${a} = 1 and", "position(..) = 1", "'a"],
)
def test_what_is_outside_the_subset_is_refused_with_a_reason(xpath: str) -> None:
    with pytest.raises(XPathError) as exc:
        parse_xpath(xpath)
    assert exc.value.vi and exc.value.en


def test_every_shipped_relevant_survives_the_trip() -> None:
    for form in load_default_forms():
        for f in form.fields:
            if f.relevant:
                assert to_expr(parse_xpath(to_xpath(compile_expr(f.relevant).ast))) == f.relevant


_NAMES = st.sampled_from(["a", "b", "kind", "status"])
_CONSTS = st.one_of(st.sampled_from(["x", "y z", "đã gửi"]), st.integers(-5, 500))


@st.composite
def _exprs(draw: st.DrawFn, depth: int = 0) -> str:
    name, const = draw(_NAMES), draw(_CONSTS)
    lit = f"'{const}'" if isinstance(const, str) else str(const)
    atoms = [f"{name} = {lit}", f"{name} >= {lit}", f"empty({name})", f"selected({name}, {lit})"]
    if depth < 2 and draw(st.booleans()):
        left, right = draw(_exprs(depth + 1)), draw(_exprs(depth + 1))
        return draw(
            st.sampled_from([f"({left}) and ({right})", f"({left}) or ({right})", f"not ({left})"])
        )
    return draw(st.sampled_from(atoms))


@given(_exprs())
def test_any_expression_means_the_same_after_the_trip(source: str) -> None:
    """Written as XPath and read back, an expression gives the same answers on any record."""
    back = to_expr(parse_xpath(to_xpath(compile_expr(source).ast)))
    for values in ({}, {"a": "x", "b": 3}, {"kind": "y z", "status": 500, "a": ["x"]}, {"b": ""}):
        assert compile_expr(back).is_true(values) == compile_expr(source).is_true(values)


@pytest.mark.parametrize(
    ("ftype", "xpath", "limits"),
    [
        ("integer", ". >= 0 and . <= 100", {"min": 0, "max": 100}),
        ("integer", ". > 0", {"min": 1}),
        ("integer", "${n} < 10", {"max": 9}),
        ("integer", "5 <= .", {"min": 5}),
        ("decimal", ". >= 0.5", {"min": 0.5}),
        (
            "text",
            "string-length(.) <= 300 and regex(., '^[0-9]+$')",
            {"max_length": 300, "pattern": "^[0-9]+$"},
        ),
        ("select_multiple", "count-selected(.) >= 1", {"min_count": 1}),
        ("date", ". >= date('2017-01-01')", {"min": "2017-01-01"}),
    ],
)
def test_constraints_become_limits_and_back(
    ftype: str, xpath: str, limits: dict[str, object]
) -> None:
    got = constraints_of("n", ftype, xpath)
    assert got == limits
    assert constraints_of("n", ftype, constraints_xpath(Constraints(**got))) == limits


@pytest.mark.parametrize(
    ("ftype", "xpath"),
    [
        ("integer", ". != 3"),
        ("integer", "${other} > 1"),
        ("decimal", ". > 0.5"),
        ("date", ". > 3"),
        ("text", "string-length(${x}) < 3"),
    ],
)
def test_constraints_that_are_no_limit_are_refused(ftype: str, xpath: str) -> None:
    with pytest.raises(XPathError):
        constraints_of("n", ftype, xpath)


def test_a_file_field_keeps_its_limits_through_the_workbook() -> None:
    """XLSForm cannot say a file's size or types; the writer's dkst_type carries them back
    (through the real sandboxed reader)."""
    from server.xlsform.sandbox import read_xlsform
    from server.xlsform.writer import xlsform_bytes
    from shared_schema.forms import parse_form

    shipped = load_default_forms().latest("evidence").model_dump(mode="json")
    shipped.update(form_id="with_file", version=7)
    shipped["fields"].append(
        {
            "name": "scan",
            "type": "attachment",
            "label": {"vi": "Bản chụp", "en": "Scan"},
            "constraints": {"max_size": 1000000, "media_types": ["application/pdf", "image/jpeg"]},
        }
    )
    form = parse_form(shipped)
    back = read_xlsform(xlsform_bytes(form))
    assert back.problems == []
    assert parse_form(back.definition).sha256 == form.sha256
