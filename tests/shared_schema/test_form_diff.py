"""What changed between two form versions (shared_schema/form_diff.py)."""

from __future__ import annotations

from shared_schema.form_diff import diff_forms
from shared_schema.forms import load_default_forms, parse_form


def test_added_removed_and_changed_fields() -> None:
    old = load_default_forms().get("dkst_activity", 1)
    assert old is not None
    data = old.model_dump(mode="json")
    data["version"] = 2
    data["fields"] = [f for f in data["fields"] if f["name"] != "notes"]
    data["fields"].append(
        {
            "name": "contestants",
            "type": "integer",
            "label": {"vi": "Số người dự thi", "en": "Contestants"},
        }
    )
    title = next(f for f in data["fields"] if f["name"] == "title")
    title["required"] = False
    title["label"] = {"vi": "Tên", "en": "Name"}
    new = parse_form(data)
    diff = diff_forms(old, new)
    assert diff.added == ("contestants",)
    assert diff.removed == ("notes",)
    assert [(c.name, c.aspects) for c in diff.changed] == [("title", ("required", "label"))]
    assert not diff.empty and not diff.title_changed
    assert diff_forms(old, old).empty
    assert diff_forms(None, new).added == new.field_names
