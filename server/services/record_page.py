"""One record as the staff pages show it: its fields with their labels and display values in the
reader's language, its history in words, its visits and evidence (with whether each file may be
read), its open conflicts. Plain values in and out; the SQL is in ``store.records``,
``store.changes`` (history) and ``store.conflicts``."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, Row

from server import store
from server.errors import ServerError
from server.services import attachments as attachments_service
from server.services.auth import Principal
from server.services.browse import title_of
from server.services.forms import all_forms
from server.services.relocate import REFORM_DEVICE
from server.services.units import units_in_scope
from shared_schema.display import choices_text, review_state_label
from shared_schema.errors import ErrorCode
from shared_schema.forms import FieldDef, FormDefinition, FormSet
from shared_schema.periods import EVIDENCE_PARENTS
from shared_schema.titles import field_label

__all__ = ["Labeller", "record_detail", "visible_record"]


def _unit_names(conn: Connection, who: Principal) -> dict[str, str]:
    return {str(u["code"]): str(u["name"]) for u in units_in_scope(conn, who)}


_BEFORE_2025 = {"vi": "Đơn vị trước 1/7/2025", "en": "Unit before 1 July 2025"}


class Labeller:
    """Field labels and display values of one form version, in one language. ``legacy``: the
    names of the units before the 2025 reform, for ``unit_before_2025``."""

    def __init__(
        self,
        form: FormDefinition | None,
        lang: str,
        units: dict[str, str],
        refs: dict[str, str],
        tree: str | None = None,
        legacy: dict[str, str] | None = None,
    ) -> None:
        self.form, self.lang, self.units, self.refs = form, lang, units, refs
        self.tree = tree  # the server's: a unit field is labelled by it (shared_schema.titles)
        self.legacy = legacy or {}

    def before_reform(self) -> Labeller:
        """The same, for a change made before the reform: its unit codes name legacy units."""
        return Labeller(self.form, self.lang, self.legacy, self.refs, "legacy", self.legacy)

    def fdef(self, name: str) -> FieldDef | None:
        return self.form.field(name) if self.form else None

    def label(self, name: str) -> str:
        fdef = self.fdef(name)
        if name == "unit_before_2025":
            return _BEFORE_2025.get(self.lang, _BEFORE_2025["vi"])
        if fdef is None:
            return name
        return field_label(fdef, self.lang, self.tree)

    def value(self, name: str, value: Any) -> str:
        fdef = self.fdef(name)
        if value is None or value == "":
            return "—"
        if fdef is not None and fdef.type == "select_one" and isinstance(value, str):
            return choices_text(fdef, value, self.lang)
        if fdef is not None and fdef.type == "select_multiple" and isinstance(value, list):
            return choices_text(fdef, value, self.lang)
        if fdef is not None and fdef.type == "unit" and isinstance(value, str):
            return f"{self.units.get(value, value)} ({value})"
        if name == "unit_before_2025" and isinstance(value, str):
            return f"{self.legacy.get(value, value)} ({value})"
        if fdef is not None and fdef.type == "reference" and isinstance(value, str):
            return self.refs.get(value, value)
        if isinstance(value, dict) and "lat" in value and "lon" in value:
            acc = value.get("accuracy")
            return f"{value['lat']}, {value['lon']}" + (f" (± {acc} m)" if acc is not None else "")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value if isinstance(value, str) else orjson.dumps(value).decode()
        return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


_COMMENT = {"vi": "Lý do", "en": "Reason"}


def _in_words(changed: dict[str, Any], lab: Labeller, lang: str) -> list[tuple[str, str]]:
    """A change as the history shows it: each field by its label and value; a review decision as
    one line, "Trả lại: <reason>", not ``review_state: returned`` (issue 18)."""
    out = [
        (lab.label(k), lab.value(k, v))
        for k, v in changed.items()
        if k not in ("form_id", "form_version", "review_state", "review_comment")
    ]
    state, comment = changed.get("review_state"), changed.get("review_comment")
    words = review_state_label(state, lang) if isinstance(state, str) else ""
    if isinstance(comment, str) and comment.strip():
        words = (
            f"{words}: {comment}" if words else f"{_COMMENT.get(lang, _COMMENT['vi'])}: {comment}"
        )
    if words:
        out.insert(0, ("", words))  # a decision reads as itself: no field label before it
    return out


def _form_of(forms: FormSet, fields: dict[str, Any]) -> FormDefinition | None:
    fid, ver = fields.get("form_id"), fields.get("form_version")
    if isinstance(fid, str) and isinstance(ver, int) and not isinstance(ver, bool):
        return forms.get(fid, ver)
    return None


def visible_record(conn: Connection, who: Principal, record_id: str) -> Row[Any]:
    """The record if it lies in the caller's scope, else ``not_found`` (whatever the reason)."""
    row = store.records.one(conn, record_id) if len(record_id) <= 36 else None
    if row is None or not who.in_scope(row.unit):
        raise ServerError(ErrorCode.NOT_FOUND)
    return row


def record_detail(conn: Connection, who: Principal, record_id: str, lang: str) -> dict[str, Any]:
    """Everything the record page shows, with labels and display values in ``lang``."""
    row = visible_record(conn, who, record_id)
    fields = orjson.loads(row.fields)
    forms, _ = all_forms(conn)  # a version published as an XLSForm has its labels too
    form = _form_of(forms, fields)
    related = _related(conn, who, row)
    refs = {
        str(r.record_id): title_of(orjson.loads(r.fields))
        for r in store.records.rows_by_id(
            conn, [v for v in fields.values() if isinstance(v, str) and len(v) == 36]
        )
        if who.in_scope(r.unit)
    }
    own = store.units.by_codes(conn, [row.unit]) if row.unit else []
    before = _before_2025(conn, fields.get("unit_before_2025"))
    changes = store.changes.history(conn, row.record_id)
    reformed_at = store.reform.reformed_at(conn)
    legacy: dict[str, str] = {}
    if reformed_at is not None:  # the units a change names, by their names before the reform
        named = [orjson.loads(h.fields) for h in changes]
        codes = {v for c in named for k in ("unit", "unit_before_2025") if (v := c.get(k))}
        legacy = {k: v["name"] for k, v in store.reform.legacy_names(conn, codes).items()}
    tree = own[0]["tree"] if own else None
    lab = Labeller(form, lang, _unit_names(conn, who), refs, tree, legacy)
    old_lab = lab.before_reform()
    shown = [f.name for f in form.fields] if form else sorted(fields)
    field_rows = [
        {
            "name": n,
            "label": lab.label(n),
            "value": lab.value(n, fields.get(n)),
            "ref": fields.get(n) if (lab.fdef(n) and lab.fdef(n).type == "reference") else None,  # type: ignore[union-attr]
        }
        for n in shown
        if n in fields
    ]
    history = []
    for h in changes:
        changed = orjson.loads(h.fields)
        reform = h.device_id == REFORM_DEVICE
        old = reformed_at is not None and not reform and h.received_at < reformed_at
        history.append(
            {
                "who": h.username or "—",
                "reform": reform,
                "device": h.device_id,
                "when": h.received_at,
                "hlc": h.hlc,
                "op": h.op,
                "status": h.status,
                "rev": h.rev,
                "what": _in_words(changed, old_lab if old else lab, lang),
            }
        )
    conflicts = [
        {
            "id": c.id,
            "field": c.field,
            "label": lab.label(c.field),
            "kept": lab.value(c.field, orjson.loads(c.winning_value)),
            "kept_raw": c.winning_value,
            "losing": lab.value(c.field, orjson.loads(c.losing_value)),
            "losing_raw": c.losing_value,
            "when": c.created_at,
        }
        for c in store.conflicts.open_for(conn, row.record_id)
    ]
    return {
        "record_id": row.record_id,
        "entity": row.entity,
        "title": title_of(fields, refs.get(str(fields.get("model")))),
        "form_title": (form.title.en if lang == "en" else form.title.vi) if form else row.entity,
        "unit": row.unit,
        "before_2025": before,
        "rev": row.rev,
        "deleted": bool(row.deleted),
        "updated_at": row.updated_at,
        "review_state": fields.get("review_state") or "pending",
        "review_comment": fields.get("review_comment") or "",
        "fields": field_rows,
        "history": history,
        "conflicts": conflicts,
        **related,
    }


def _before_2025(conn: Connection, code: Any) -> dict[str, Any] | None:
    """The legacy unit a record came from (``unit_before_2025``), with its district's name."""
    if not isinstance(code, str):
        return None
    names = store.reform.legacy_names(conn, [code])
    unit = names.get(code)
    if unit is None:
        return {"code": code, "name": code, "parent_name": ""}
    parent = unit.get("parent")
    above = store.reform.legacy_names(conn, [parent]).get(parent, {}) if parent else {}
    return {"code": code, "name": unit["name"], "parent_name": above.get("name", "")}


def _related(conn: Connection, who: Principal, row: Row[Any]) -> dict[str, Any]:
    """A model's visits; its (or a visit's, an initiative's, an activity's: form set v2)
    evidence, each with whether its file is readable."""
    visits: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    if row.entity not in EVIDENCE_PARENTS or row.unit is None:
        return {"visits": visits, "evidence": evidence}
    visit_ids = {row.record_id} if row.entity == "visit" else set()
    if row.entity == "model":
        for v in store.records.of_unit(conn, row.unit, "visit"):
            vf = orjson.loads(v.fields)
            if vf.get("model") == row.record_id:
                visit_ids.add(v.record_id)
                title = title_of(vf, title_of(orjson.loads(row.fields)))
                visits.append({"record_id": v.record_id, "title": title, "fields": vf})
    for e in store.records.of_unit(conn, row.unit, "evidence"):
        ef = orjson.loads(e.fields)
        if ef.get("visit") in visit_ids or (
            row.entity != "visit" and ef.get(row.entity) == row.record_id
        ):
            sha = ef.get("sha256") if isinstance(ef.get("sha256"), str) else None
            readable = sha is not None and attachments_service.readable_file(conn, who, sha)
            evidence.append(
                {
                    "record_id": e.record_id,
                    "caption": ef.get("caption") or "",
                    "kind": ef.get("kind"),
                    "sha256": sha,
                    "media_type": ef.get("media_type"),
                    "available": bool(readable),
                }
            )
    return {"visits": visits, "evidence": evidence}
