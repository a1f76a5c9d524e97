"""The modules behind ``forms``, ``expr`` and ``validation`` (split in issue 17): the names the
server and the app import from those three stay there, and the value rules stand below the form
models that use them, so forms and validation no longer import each other."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

# Every public name the three modules had before the split.
PUBLIC = {
    "shared_schema.forms": (
        "FIELD_TYPES MEDIA_TYPES NAME_RE Choice Constraints Count FieldDef FieldType FiniteFloat "
        "FormDefinition FormLoadError FormSet I18nLabel Label load_default_forms load_form_file "
        "load_forms_dir parse_form"
    ),
    "shared_schema.expr": (
        "FUNCTIONS KEYWORDS MAX_DEPTH MAX_LENGTH And Call Compare CompareOp Const ExprError "
        "Expression FieldRef In Node Not Or compile_expr parse_expr truthy"
    ),
    "shared_schema.validation": (
        "DEFAULT_MAX_FILE_SIZE DEFAULT_MAX_TEXT_LENGTH MAX_ISSUES MAX_REVIEW_COMMENT_LENGTH "
        "MAX_SAFE_INTEGER FieldIssue apply_defaults evaluate_relevance is_empty validate "
        "value_problem"
    ),
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_names_stay_importable_where_they_were(module: str) -> None:
    mod = importlib.import_module(module)
    names = PUBLIC[module].split()
    assert [n for n in names if not hasattr(mod, n)] == []
    assert set(names) <= set(mod.__all__)


def test_a_name_is_one_object_whichever_module_it_comes_from() -> None:
    from shared_schema import expr, expr_eval, expr_parser, fields, form_files, forms, values
    from shared_schema import validation as v

    assert forms.FieldDef is fields.FieldDef and forms.parse_form is form_files.parse_form
    assert v.value_problem is values.value_problem and v.is_empty is values.is_empty
    assert expr.ExprError is expr_parser.ExprError and expr.truthy is expr_eval.truthy


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {m for m in json.loads(out.stdout) if m.startswith("shared_schema.")}


def test_value_rules_do_not_import_the_form_models() -> None:
    """A field checks its default by its value rule, so the rules must not need the field."""
    models = {
        "shared_schema.fields",
        "shared_schema.form_definition",
        "shared_schema.form_files",
        "shared_schema.forms",
        "shared_schema.validation",
    }
    assert _loaded_after("import shared_schema.values") & models == set()
    assert "shared_schema.values" in _loaded_after("import shared_schema.fields")


def test_a_default_is_judged_by_the_value_rule() -> None:
    from shared_schema.fields import FieldDef

    label = {"vi": "Số hộ", "en": "Households"}
    FieldDef(name="n", type="integer", label=label, default=3)
    with pytest.raises(ValueError, match="default 'ba' is not valid: must be an integer"):
        FieldDef(name="n", type="integer", label=label, default="ba")
