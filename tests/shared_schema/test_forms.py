"""Form definitions: the default "Đoàn kết sáng tạo v1" set, and every check a form file gets."""

from __future__ import annotations

import copy
import hashlib
import json
import unicodedata
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared_schema.entities import ENTITIES, SYSTEM_FIELDS
from shared_schema.forms import (
    FIELD_TYPES,
    Choice,
    Constraints,
    FieldDef,
    FormDefinition,
    FormLoadError,
    FormSet,
    load_default_forms,
    load_form_file,
    load_forms_dir,
    parse_form,
)
from shared_schema.merge import canonical
from shared_schema.wire import FormSummary, I18nText

FORMS_DIR = resources.files("shared_schema") / "data" / "forms"


def _raw(form_id: str = "dkst_model") -> dict[str, Any]:
    return json.loads((FORMS_DIR / f"{form_id}.v1.json").read_text(encoding="utf-8"))


def _index(data: dict[str, Any], name: str) -> int:
    return next(i for i, f in enumerate(data["fields"]) if f["name"] == name)


def _field(data: dict[str, Any], name: str) -> dict[str, Any]:
    return data["fields"][_index(data, name)]


# ---------------------------------------------------------------------------- the default set
def _v1(entity: str) -> FormDefinition:
    """The v1 form of ``entity`` ("Đoàn kết sáng tạo v1"): what these tests read, unchanged."""
    form = load_default_forms().get(f"dkst_{entity}", 1)
    assert form is not None
    return form


def test_default_set_has_v1_and_v2_of_every_entity() -> None:
    forms = load_default_forms()
    assert len(forms) == 2 * len(ENTITIES) == 12
    assert sorted({f.entity for f in forms.all()}) == sorted(ENTITIES)
    for entity in ENTITIES:
        form = forms.latest(entity)
        assert form.form_id == f"dkst_{entity}"
        assert form.version == 2  # "Đoàn kết sáng tạo v2" is the default for new records
        assert forms.get(form.form_id, 2) is form
        assert [f.version for f in forms.for_entity(entity)] == [1, 2]


def test_default_forms_are_cached() -> None:
    assert load_default_forms() is load_default_forms()


@pytest.mark.parametrize("form", load_default_forms().all(), ids=lambda f: str(f.form_id))
def test_every_default_form_is_sound(form: FormDefinition) -> None:
    unit = form.field("unit")
    assert unit is not None and unit.type == "unit" and unit.required and unit.relevant is None
    names = [f.name for f in form.fields]
    assert len(names) == len(set(names))
    assert not (set(names) & (SYSTEM_FIELDS - {"unit"}))
    for f in form.fields:
        assert f.type in FIELD_TYPES
        assert f.label.vi and f.label.en
        for c in f.choices or ():
            assert c.label.vi and c.label.en
    # A definition survives the trip over the wire unchanged.
    again = FormDefinition.model_validate(json.loads(json.dumps(form.model_dump(mode="json"))))
    assert again == form
    assert again.sha256 == form.sha256


def _entries() -> list[Any]:
    return sorted(FORMS_DIR.iterdir(), key=lambda e: str(e.name))


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: str(e.name))
def test_form_files_are_nfc_utf8(entry: Any) -> None:
    text = entry.read_bytes().decode("utf-8")
    assert unicodedata.normalize("NFC", text) == text
    assert entry.name.endswith(".json")


def test_vietnamese_labels_have_their_diacritics() -> None:
    model = _v1("model")
    status = model.field("status")
    assert status is not None
    assert [(c.value, c.label.vi) for c in status.choices or ()] == [
        ("building", "Đang xây dựng"),
        ("operating", "Đang hoạt động"),
        ("replicated", "Đã nhân rộng"),
        ("stopped", "Đã dừng"),
    ]
    assert status.choice_label("stopped", "en") == "Stopped"
    assert status.choice_label("nope") is None
    ra = _v1("residential_area").field("kind")
    assert ra is not None
    assert [c.label.vi for c in ra.choices or ()] == [
        "Thôn",
        "Xóm",
        "Bản",
        "Buôn",
        "Ấp",
        "Tổ dân phố",
    ]


def test_model_form_content() -> None:
    model = _v1("model")
    expected = {
        "name", "residential_area", "unit", "content_area", "linked_campaigns",
        "lead_organization", "start_date", "status", "participating_households",
        "participating_people", "state_budget_vnd", "people_contribution_vnd", "labour_days",
        "economic_value_vnd_per_year", "productivity_gain_pct", "households_out_of_poverty",
        "description", "recommendation", "location", "stop_reason",
    }  # fmt: skip
    assert set(model.field_names) == expected
    content_area = model.field("content_area")
    assert content_area is not None and content_area.choice_values == ("1", "2", "3", "4", "5")
    ra = model.field("residential_area")
    assert ra is not None and ra.type == "reference" and ra.required
    assert ra.reference_entity == "residential_area"
    stop = model.field("stop_reason")
    assert stop is not None and stop.required and stop.relevant == "status = 'stopped'"
    gain = model.field("productivity_gain_pct")
    assert gain is not None and gain.constraints == Constraints(min=0, max=1000)
    lead = model.field("lead_organization")
    assert lead is not None and "Đoàn TNCS Hồ Chí Minh" in [c.label.vi for c in lead.choices or ()]


def test_visit_and_evidence_content() -> None:
    visit = _v1("visit")
    for k in ("effectiveness", "creativity", "replicability", "participation", "sustainability"):
        score = visit.field(f"score_{k}")
        assert score is not None and score.type == "integer"
        assert score.constraints == Constraints(min=1, max=5)
    loc = visit.field("location")
    assert loc is not None and loc.type == "geopoint" and loc.required
    evidence = _v1("evidence")
    for name in ("sha256", "media_type", "size", "caption"):
        assert evidence.field(name) is not None
    size = evidence.field("size")
    assert size is not None and size.constraints == Constraints(min=0, max=26214400)
    model = evidence.field("model")
    assert model is not None and model.required and model.relevant == "empty(visit)"


def test_sync_md_shape() -> None:
    dumped = load_default_forms().get("dkst_model", 1).model_dump(mode="json")  # type: ignore[union-attr]
    assert set(dumped) == {"form_id", "version", "entity", "title", "fields"}
    assert dumped["version"] == 1 and set(dumped["title"]) == {"vi", "en"}
    assert isinstance(dumped["fields"], list)
    for f in dumped["fields"]:
        assert {"name", "type", "required", "label", "choices", "constraints", "relevant"} <= set(f)
        assert set(f["label"]) == {"vi", "en"}
        assert f["choices"] is None or all(set(c) == {"value", "label"} for c in f["choices"])


def test_sha256_is_of_canonical_json() -> None:
    form = _v1("visit")
    expected = hashlib.sha256(canonical(form.model_dump(mode="json")).encode()).hexdigest()
    assert form.sha256 == expected
    assert len(form.sha256) == 64 and form.sha256 == form.sha256.lower()
    # Key order in the file does not matter; any content change does.
    raw = _raw("dkst_visit")
    reordered = dict(reversed(list(raw.items())))
    assert parse_form(reordered).sha256 == form.sha256
    raw["title"]["en"] = "Another title"
    assert parse_form(raw).sha256 != form.sha256
    assert len({f.sha256 for f in load_default_forms()}) == 12


def test_summary() -> None:
    form = _v1("activity")
    summary = form.summary()
    assert isinstance(summary, FormSummary)
    assert summary.model_dump() == {
        "form_id": "dkst_activity",
        "version": 1,
        "entity": "activity",
        "sha256": form.sha256,
        "title": {"vi": form.title.vi, "en": form.title.en},
    }


def test_definitions_are_immutable() -> None:
    form = _v1("model")
    with pytest.raises(ValidationError):
        form.version = 2
    with pytest.raises(ValidationError):
        form.title.vi = "x"
    with pytest.raises(ValidationError):
        form.fields[0].required = False
    assert isinstance(form.fields, tuple)
    with pytest.raises(AttributeError):
        form.fields.append(form.fields[0])  # type: ignore[attr-defined]


def test_field_lookup() -> None:
    form = _v1("model")
    status = form.field("status")
    assert status is not None and status.name == "status"
    assert form.field("nope") is None
    assert form.field("review_state") is None
    assert form.field(None) is None  # type: ignore[arg-type]


def test_built_in_code() -> None:
    """Other code (tests, the server) may build definitions from plain models and dicts."""
    form = FormDefinition(
        form_id="tiny",
        version=3,
        entity="activity",
        title=I18nText(vi="Nhỏ", en="Tiny"),
        fields=[  # type: ignore[arg-type]
            FieldDef(
                name="unit", type="unit", required=True, label=I18nText(vi="Xã", en="Commune")
            ),
            FieldDef(
                name="kind",
                type="select_one",
                label=I18nText(vi="Loại", en="Kind"),
                choices=[Choice(value="a", label=I18nText(vi="A", en="A"))],  # type: ignore[arg-type]
                default="a",
            ),
        ],
    )
    assert form.field("kind") is not None
    assert form.model_dump(mode="json")["fields"][1]["default"] == "a"


# ---------------------------------------------------------------------------- FormSet
def test_formset_ordering_and_latest() -> None:
    v1 = parse_form(_raw("dkst_activity"))
    raw2 = _raw("dkst_activity")
    raw2["version"] = 2
    v2 = parse_form(raw2)
    other = _raw("dkst_activity")
    other["form_id"] = "aaa_activity"
    other["version"] = 2
    alt = parse_form(other)
    fs = FormSet([v2, alt, v1])
    assert [(f.form_id, f.version) for f in fs.all()] == [
        ("aaa_activity", 2),
        ("dkst_activity", 1),
        ("dkst_activity", 2),
    ]
    assert fs.latest("activity") is v2  # same version: the greatest form_id wins
    assert fs.get("dkst_activity", 1) is v1
    assert fs.get("dkst_activity", 3) is None
    assert fs.get("dkst_activity", True) is None
    assert fs.get(None, 1) is None  # type: ignore[arg-type]
    assert ("dkst_activity", 2) in fs
    assert list(fs) == fs.all()
    assert fs.for_entity("model") == []
    with pytest.raises(KeyError):
        fs.latest("model")


def test_formset_refuses_duplicates() -> None:
    form = parse_form(_raw("dkst_activity"))
    with pytest.raises(FormLoadError, match="dkst_activity v1: defined twice"):
        FormSet([form, form])


def test_formset_refuses_one_form_id_for_two_entities() -> None:
    a = _raw("dkst_activity")
    b = _raw("dkst_activity")
    b["version"] = 2
    b["entity"] = "visit"
    with pytest.raises(FormLoadError, match="dkst_activity v2: entity 'visit'"):
        FormSet([parse_form(a), parse_form(b)])


def test_load_forms_dir(tmp_path: Path) -> None:
    for entry in FORMS_DIR.iterdir():
        (tmp_path / entry.name).write_bytes(entry.read_bytes())
    (tmp_path / "README.txt").write_text("not a form")
    (tmp_path / "sub.json").mkdir()
    raw = _raw("dkst_model")
    raw["version"] = 3
    (tmp_path / "dkst_model.v3.json").write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    fs = load_forms_dir(tmp_path)
    assert len(fs) == 13
    assert fs.latest("model").version == 3
    assert load_forms_dir(str(tmp_path)).all() == fs.all()


def test_load_forms_dir_checks_file_names(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_bytes((FORMS_DIR / "dkst_model.v1.json").read_bytes())
    with pytest.raises(FormLoadError, match=r"model\.json: file name must be dkst_model\.v1\.json"):
        load_forms_dir(tmp_path)


def test_load_forms_dir_refuses_same_form_twice(tmp_path: Path) -> None:
    (tmp_path / "dkst_model.v1.json").write_bytes((FORMS_DIR / "dkst_model.v1.json").read_bytes())
    (tmp_path / "dkst_model.v01.json").write_bytes((FORMS_DIR / "dkst_model.v1.json").read_bytes())
    with pytest.raises(FormLoadError, match=r"dkst_model\.v01\.json"):
        load_forms_dir(tmp_path)


def test_load_forms_dir_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(FormLoadError, match="not a directory"):
        load_forms_dir(tmp_path / "missing")


def test_load_form_file_missing(tmp_path: Path) -> None:
    with pytest.raises(FormLoadError, match=r"nope\.v1\.json: cannot read"):
        load_form_file(tmp_path / "nope.v1.json")


# ---------------------------------------------------------------------------- malformed files
Mutation = Callable[[dict[str, Any]], Any]


def _set(name: str, key: str, value: Any) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        _field(d, name)[key] = value

    return mutate


def _drop(name: str, key: str) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        del _field(d, name)[key]

    return mutate


def _top(key: str, value: Any) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        d[key] = value

    return mutate


def _add_field(field: dict[str, Any]) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        d["fields"].append(field)

    return mutate


def _lbl(text: str = "X") -> dict[str, str]:
    return {"vi": text, "en": text}


STATUS = _index(_raw(), "status")
NAME = _index(_raw(), "name")
UNIT = _index(_raw(), "unit")
START = _index(_raw(), "start_date")
GAIN = _index(_raw(), "productivity_gain_pct")
STOP = _index(_raw(), "stop_reason")
LINKED = _index(_raw(), "linked_campaigns")
RA = _index(_raw(), "residential_area")
LAST = len(_raw()["fields"])

MALFORMED: list[tuple[str, Mutation, list[str]]] = [
    (
        "no choices",
        _drop("status", "choices"),
        [f"fields[{STATUS}] 'status'", "select_one needs choices"],
    ),
    (
        "empty choices",
        _set("status", "choices", []),
        [f"fields[{STATUS}] 'status'", "needs choices"],
    ),
    (
        "choices on text",
        _set("name", "choices", [{"value": "a", "label": _lbl()}]),
        [f"fields[{NAME}] 'name'", "choices are only for select types"],
    ),
    (
        "duplicate choice",
        _set(
            "status", "choices", [{"value": "a", "label": _lbl()}, {"value": "a", "label": _lbl()}]
        ),
        [f"fields[{STATUS}] 'status'", "duplicate choice values ['a']"],
    ),
    (
        "empty choice value",
        _set("status", "choices", [{"value": "", "label": _lbl()}]),
        [f"fields[{STATUS}] 'status'", "choices[0].value"],
    ),
    (
        "choice label missing en",
        _set("status", "choices", [{"value": "a", "label": {"vi": "A"}}]),
        [f"fields[{STATUS}] 'status'", "choices[0].label.en", "Field required"],
    ),
    (
        "duplicate field name",
        _add_field({"name": "status", "type": "text", "label": _lbl()}),
        [f"fields[{LAST}] 'status'", "duplicate name", f"fields[{STATUS}]"],
    ),
    (
        "bad identifier",
        _set("name", "name", "Tên mô hình"),
        [f"fields[{NAME}] 'Tên mô hình'", "must match"],
    ),
    ("keyword name", _set("name", "name", "and"), [f"fields[{NAME}] 'and'", "keyword"]),
    ("digit first", _set("name", "name", "1st"), [f"fields[{NAME}] '1st'", "must match"]),
    (
        "unknown type",
        _set("name", "type", "photo"),
        [f"fields[{NAME}] 'name'", "type", "Input should be"],
    ),
    ("unknown key", _set("name", "requried", True), [f"fields[{NAME}] 'name'", "requried"]),
    ("required not bool", _set("name", "required", "yes"), [f"fields[{NAME}] 'name'", "required"]),
    (
        "label missing",
        _drop("name", "label"),
        [f"fields[{NAME}] 'name'", "label", "Field required"],
    ),
    (
        "label empty",
        _set("name", "label", {"vi": " ", "en": "x"}),
        [f"fields[{NAME}] 'name'", "label.vi"],
    ),
    (
        "constraint for another type",
        _set("name", "constraints", {"min": 1}),
        [f"fields[{NAME}] 'name'", "constraints ['min'] do not apply to type text"],
    ),
    (
        "min above max",
        _set("productivity_gain_pct", "constraints", {"min": 10, "max": 1}),
        [f"fields[{GAIN}] 'productivity_gain_pct'", "min is greater than constraints.max"],
    ),
    (
        "date bound not a date",
        _set("start_date", "constraints", {"min": "16/5/2022"}),
        [f"fields[{START}] 'start_date'", "YYYY-MM-DD"],
    ),
    (
        "date bound not a real day",
        _set("start_date", "constraints", {"max": "2022-02-30"}),
        [f"fields[{START}] 'start_date'", "YYYY-MM-DD"],
    ),
    (
        "integer bound a string",
        _set("participating_people", "constraints", {"min": "0"}),
        ["'participating_people'", "must be an integer"],
    ),
    (
        "NaN-free bounds",
        _set("productivity_gain_pct", "constraints", {"min": True}),
        [f"fields[{GAIN}] 'productivity_gain_pct'", "constraints.min: must be a number"],
    ),
    (
        "negative length",
        _set("name", "constraints", {"max_length": -1}),
        [f"fields[{NAME}] 'name'", "constraints.max_length"],
    ),
    (
        "bad pattern",
        _set("name", "constraints", {"pattern": "(["}),
        [f"fields[{NAME}] 'name'", "pattern does not compile"],
    ),
    (
        "min_count above max_count",
        _set("linked_campaigns", "constraints", {"min_count": 3, "max_count": 1}),
        [f"fields[{LINKED}] 'linked_campaigns'", "min_count is greater"],
    ),
    (
        "unknown media type",
        _add_field(
            {
                "name": "file",
                "type": "attachment",
                "label": _lbl(),
                "constraints": {"media_types": ["text/html"]},
            }
        ),
        [f"fields[{LAST}] 'file'", "media_types"],
    ),
    (
        "relevant does not parse",
        _set("stop_reason", "relevant", "status == 'stopped'"),
        [f"fields[{STOP}] 'stop_reason'", "relevant:", "at position 8"],
    ),
    (
        "relevant names an unknown field",
        _set("stop_reason", "relevant", "state = 'stopped'"),
        [f"fields[{STOP}] 'stop_reason'", "relevant refers to unknown ['state']"],
    ),
    (
        "relevant names the field itself",
        _set("stop_reason", "relevant", "empty(stop_reason)"),
        [f"fields[{STOP}] 'stop_reason'", "itself"],
    ),
    (
        "relevant is Python",
        _set("stop_reason", "relevant", "__import__('os').system('id')"),
        [f"fields[{STOP}] 'stop_reason'", "relevant: unexpected character '.'"],
    ),
    (
        "default not a choice",
        _set("status", "default", "flying"),
        [f"fields[{STATUS}] 'status'", "default 'flying' is not valid", "not one of the choices"],
    ),
    (
        "default out of range",
        _set("productivity_gain_pct", "default", 5000),
        [f"fields[{GAIN}] 'productivity_gain_pct'", "default 5000", "greater than 1000"],
    ),
    (
        "reference without entity",
        _drop("residential_area", "reference_entity"),
        [f"fields[{RA}] 'residential_area'", "reference needs reference_entity"],
    ),
    (
        "reference to unknown entity",
        _set("residential_area", "reference_entity", "village"),
        [f"fields[{RA}] 'residential_area'", "reference needs reference_entity"],
    ),
    (
        "reference_entity on text",
        _set("name", "reference_entity", "model"),
        [f"fields[{NAME}] 'name'", "reference_entity is only for reference fields"],
    ),
    ("unknown entity", _top("entity", "village"), ["entity 'village' is not one of"]),
    ("version 0", _top("version", 0), ["version must be >= 1"]),
    ("version string", _top("version", "1"), ["version", "valid integer"]),
    ("bad form_id", _top("form_id", "DKST model"), ["form_id 'DKST model'"]),
    ("title missing", lambda d: d.pop("title"), ["title", "Field required"]),
    ("unknown top-level key", _top("owner", "x"), ["owner", "Extra inputs"]),
    (
        "no unit field",
        lambda d: d["fields"].pop(UNIT),
        ["every form needs a field 'unit'"],
    ),
    ("unit of another type", _set("unit", "type", "text"), [f"fields[{UNIT}] 'unit'", "type unit"]),
    ("unit optional", _set("unit", "required", False), [f"fields[{UNIT}] 'unit'", "required"]),
    (
        "unit with relevant",
        _set("unit", "relevant", "status = 'stopped'"),
        [f"fields[{UNIT}] 'unit'", "always relevant"],
    ),
    (
        "system field listed",
        _add_field({"name": "review_state", "type": "text", "label": _lbl()}),
        [f"fields[{LAST}] 'review_state'", "system field"],
    ),
    ("fields not a list", _top("fields", {"name": "x"}), ["fields: Input should be a valid list"]),
]


@pytest.mark.parametrize(("case", "mutate", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_form_names_file_and_field(
    tmp_path: Path, case: str, mutate: Mutation, expected: list[str]
) -> None:
    data = copy.deepcopy(_raw())
    mutate(data)
    path = tmp_path / "dkst_model.v1.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(FormLoadError) as info:
        load_form_file(path)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith("dkst_model.v1.json: "), message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    with pytest.raises(FormLoadError):
        load_forms_dir(tmp_path)


@pytest.mark.parametrize(
    ("case", "content", "expected"),
    [
        ("not json", b'{"form_id": ', "line 1 column 13"),
        ("trailing comma", b'{"form_id": "x",}', "line 1"),
        ("not utf-8", '{"title": "Mô hình"}'.encode("latin-1"), "not UTF-8"),
        ("a list", b"[]", "one JSON object"),
        ("NaN", b'{"version": NaN}', "NaN is not JSON"),
        ("duplicate key", b'{"version": 1, "version": 2}', "duplicate key 'version'"),
        ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "dkst_model.v1.json: "),
        (
            "decomposed text",
            '{\n  "title": {"vi": "Mô hình"}\n}'.replace("ô", "o\u0302").encode(),
            "line 2: text is not Unicode NFC",
        ),
    ],
)
def test_unreadable_form_file(tmp_path: Path, case: str, content: bytes, expected: str) -> None:
    path = tmp_path / "dkst_model.v1.json"
    path.write_bytes(content)
    with pytest.raises(FormLoadError) as info:
        load_form_file(path)
    assert str(info.value).startswith("dkst_model.v1.json: ")
    assert expected in str(info.value)


def test_parse_form_checks_nfc_of_labels() -> None:
    data = _raw()
    _field(data, "name")["label"]["vi"] = unicodedata.normalize("NFD", "Tên mô hình")
    with pytest.raises(FormLoadError, match=rf"<form>: fields\[{NAME}\] 'name': label.vi: .*NFC"):
        parse_form(data)


def test_parse_form_source_and_garbage() -> None:
    garbage: Any
    for garbage in (None, [], "x", 1, {"fields": [None, 1, "a"]}):
        with pytest.raises(FormLoadError, match=r"^upload: "):
            parse_form(garbage, source="upload")


def test_several_problems_are_counted() -> None:
    data = _raw()
    del data["title"]
    data["entity"] = 5
    with pytest.raises(FormLoadError, match=r"more problem"):
        parse_form(data)


def test_every_field_type_can_be_declared() -> None:
    data = _raw("dkst_activity")
    extra: dict[str, dict[str, Any]] = {
        "select_multiple": {"choices": [{"value": "a", "label": _lbl()}]},
        "select_one": {"choices": [{"value": "a", "label": _lbl()}]},
        "reference": {"reference_entity": "model"},
    }
    for t in FIELD_TYPES:
        if t != "unit":
            data["fields"].append(
                {"name": f"f_{t}", "type": t, "label": _lbl(), **extra.get(t, {})}
            )
    form = parse_form(data)
    assert {f.type for f in form.fields} == set(FIELD_TYPES)
