"""Form versions: the shipped ones (``shared_schema``'s registry) and those a province or district
published as XLSForms (issue 20), who sees which, and publishing.

- Who may publish: administrators, for their own unit or a district or province under it
  (docs/SYNC.md, "Where this server decides"). A commune publishes nothing: a commune's records
  use the forms of the units above it.
- A version reaches the devices under the unit that published it (and that unit's staff above:
  the plans' rule), never another province's. A record may name a published version only when
  its unit lies under the publishing unit.
- Versions are immutable: the same ``(form_id, version)`` again is ``unchanged`` when identical,
  ``already_exists`` otherwise; a new version must be above every version of its entity that the
  unit's devices already have, so that it is the one they fill next (the app takes the newest).

The conversion (seconds, in a child process) runs before the transaction: :func:`convert` first,
then :func:`publish` in a short write transaction.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from server import store
from server.clock import iso
from server.errors import ServerError
from server.services.auth import Principal, scope_of, units_of
from server.xlsform.guard import Refusal
from server.xlsform.sandbox import read_xlsform
from shared_schema.errors import ErrorCode
from shared_schema.form_diff import FormDiff, diff_forms
from shared_schema.forms import (
    FormDefinition,
    FormLoadError,
    FormSet,
    load_default_forms,
    parse_form,
)
from shared_schema.merge import canonical

__all__ = [
    "PUBLISH_ROLES",
    "Draft",
    "Published",
    "all_forms",
    "convert",
    "forms_around",
    "get_visible",
    "list_visible",
    "preview",
    "publish",
    "shell_principal",
]

PUBLISH_ROLES = frozenset({"admin"})
PUBLISH_LEVELS = frozenset({"province", "district"})
# Form ids of the shipped set ("Đoàn kết sáng tạo"): a release may add versions of them, so a
# province publishes under ids of its own, and never collides with a later release.
SHIPPED_PREFIX = "dkst_"
# At most two workbooks read at once per process: each child may take 512 MB and a core.
_READERS = threading.BoundedSemaphore(2)
_REFUSAL_CODES = {
    400: ErrorCode.INVALID_REQUEST,
    413: ErrorCode.FILE_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.INVALID_FORM,
}


@dataclass(frozen=True)
class Draft:
    """A converted workbook, not yet published."""

    form: FormDefinition
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Published:
    status: str  # "published", "unchanged" or "preview"
    form: FormDefinition
    unit: str | None
    previous: FormDefinition | None
    diff: FormDiff
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        prev = self.previous
        return {
            "status": self.status,
            "form_id": self.form.form_id,
            "version": self.form.version,
            "entity": self.form.entity,
            "sha256": self.form.sha256,
            "title": self.form.title.model_dump(),
            "unit": self.unit,
            "previous": None
            if prev is None
            else {"form_id": prev.form_id, "version": prev.version},
            "diff": self.diff.as_dict(),
            "warnings": self.warnings,
        }


def _problem(p: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        "sheet": p.get("sheet"),
        "row": p.get("row"),
        "column": p.get("column"),
        "message": p.get("en") if lang == "en" else p.get("vi"),
    }


def _invalid(problems: list[dict[str, Any]], lang: str) -> ServerError:
    return ServerError(ErrorCode.INVALID_FORM, {"problems": [_problem(p, lang) for p in problems]})


def convert(data: bytes, *, lang: str = "vi", max_bytes: int | None = None) -> Draft:
    """The workbook ``data`` as a definition, read in the sandbox; a refusal is a ServerError."""
    with _READERS:
        try:
            got = read_xlsform(data, **({"max_bytes": max_bytes} if max_bytes else {}))
        except Refusal as exc:
            raise ServerError(
                _REFUSAL_CODES[exc.status], {"reason": exc.reason, "detail": exc.detail}
            ) from None
    if got.problems or got.definition is None:
        raise _invalid(got.problems, lang)
    try:
        form = parse_form(got.definition, source="XLSForm")
    except FormLoadError as exc:
        raise _invalid([{"sheet": "survey", "vi": str(exc), "en": str(exc)}], lang) from None
    return Draft(form, got.warnings)


# ---------------------------------------------------------------------------- the registry
_cache_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _parsed(rows: list[dict[str, Any]]) -> list[tuple[FormDefinition, str]]:
    """The published rows' definitions, less any whose ``form_id`` a later release of the
    shipped set took (``dkst_`` is refused at publishing; this keeps an older row harmless)."""
    shipped = {f.form_id for f in load_default_forms()}
    return [
        (parse_form(json.loads(r["definition"]), source="published"), r["unit"])
        for r in rows
        if r["form_id"] not in shipped
    ]


def all_forms(conn: Connection) -> tuple[FormSet, dict[tuple[str, int], str]]:
    """Every version the server knows (shipped and published) and the publishing unit of each
    published one; parsed once per process while nothing new is published."""
    gen = store.forms.generation(conn)
    with _cache_lock:
        if _cache.get("gen") == gen:
            return _cache["set"], _cache["owners"]
    published = _parsed(store.forms.list_all(conn))
    owners = {(f.form_id, f.version): unit for f, unit in published}
    forms = FormSet([*load_default_forms().all(), *(f for f, _ in published)])
    with _cache_lock:
        _cache.update(gen=gen, set=forms, owners=owners)
    return forms, owners


def _published(conn: Connection, keys: list[tuple[str, int]]) -> list[FormDefinition]:
    """The published versions ``keys`` name, from the parsed set (no JSON read per request)."""
    forms, owners = all_forms(conn)
    return [f for k in keys if k in owners and (f := forms.get(*k)) is not None]


def list_visible(conn: Connection, who: Principal) -> list[FormDefinition]:
    """The versions a caller's devices receive: shipped, and published around its units."""
    published = _published(conn, store.forms.visible_keys(conn, who.units))
    return sorted([*load_default_forms().all(), *published], key=lambda f: (f.form_id, f.version))


def get_visible(conn: Connection, who: Principal, form_id: str, version: int) -> FormDefinition:
    """One version the caller's devices receive, else ``not_found`` (never another province's)."""
    for form in list_visible(conn, who):
        if (form.form_id, form.version) == (form_id, version):
            return form
    raise ServerError(ErrorCode.NOT_FOUND)


def forms_around(conn: Connection, unit: str) -> FormSet:
    """Shipped versions and those published around ``unit`` (above it or in its subtree): the
    columns of an export of ``unit``."""
    published = _published(conn, store.forms.visible_keys(conn, [unit]))
    return FormSet([*load_default_forms().all(), *published])


# ---------------------------------------------------------------------------- publishing
def _at_unit(conn: Connection, unit: str) -> list[FormDefinition]:
    """The versions a record of ``unit`` may name: shipped, and published at or above it."""
    published = [f for f, _ in _parsed(store.forms.visible_to_unit(conn, unit))]
    return [*load_default_forms().all(), *published]


def _check_unit(conn: Connection, who: Principal, unit: Any) -> str:
    if who.role not in PUBLISH_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)
    if not isinstance(unit, str) or not who.in_scope(unit):
        raise ServerError(ErrorCode.NOT_FOUND)
    level = store.units.levels(conn, [unit]).get(unit)
    if level not in PUBLISH_LEVELS:
        raise ServerError(
            ErrorCode.INVALID_REQUEST, {"field": "unit", "reason": "a province or a district"}
        )
    return unit


def _version_problem(form: FormDefinition, newest: FormDefinition) -> dict[str, Any]:
    return {
        "sheet": "settings",
        "row": 2,
        "column": "version",
        "vi": f"phiên bản phải lớn hơn {newest.version} ({newest.form_id}, phiên bản mới nhất"
        f" của loại “{form.entity}” mà các thiết bị ở đơn vị này đang dùng)",
        "en": f"the version must be above {newest.version} ({newest.form_id}, the newest"
        f" version of {form.entity!r} the unit's devices have)",
    }


def preview(
    conn: Connection, who: Principal, draft: Draft, unit: Any, *, lang: str = "vi"
) -> Published:
    """What publishing ``draft`` at ``unit`` would do, without doing it (errors as :func:`publish`)."""
    unit = _check_unit(conn, who, unit)
    form = draft.form
    around = _at_unit(conn, unit)
    key = (form.form_id, form.version)
    same_entity = [f for f in around if f.entity == form.entity and (f.form_id, f.version) != key]
    previous = max(same_entity, key=lambda f: (f.version, f.form_id), default=None)
    shipped = load_default_forms().get(form.form_id, form.version)
    row = store.forms.get(conn, form.form_id, form.version)
    existing = shipped or (None if row is None else parse_form(json.loads(row["definition"])))
    if existing is not None:
        if existing.sha256 != form.sha256:
            raise ServerError(
                ErrorCode.ALREADY_EXISTS,
                {"form_id": form.form_id, "version": form.version},
                message=(
                    "This form version exists already, with other content: raise the version"
                    if lang == "en"
                    else "Phiên bản biểu mẫu này đã có, với nội dung khác: hãy tăng số phiên bản"
                ),
            )
        return Published(
            "unchanged", form, unit, previous, diff_forms(previous, form), draft.warnings
        )
    if form.form_id.startswith(SHIPPED_PREFIX):
        raise _invalid(
            [
                {
                    "sheet": "settings",
                    "row": 2,
                    "column": "form_id",
                    "vi": f"mã biểu mẫu bắt đầu bằng “{SHIPPED_PREFIX}” dành cho bộ biểu mẫu của"
                    " hệ thống; hãy đặt mã riêng của tỉnh, huyện",
                    "en": f"form ids beginning {SHIPPED_PREFIX!r} are the shipped set's; choose"
                    " the province's or district's own",
                }
            ],
            lang,
        )
    forms, _ = all_forms(conn)
    other = next((f for f in forms if f.form_id == form.form_id), None)
    if other is not None and other.entity != form.entity:
        raise _invalid(
            [
                {
                    "sheet": "settings",
                    "row": 2,
                    "column": "entity",
                    "vi": f"biểu mẫu {form.form_id} là loại “{other.entity}”, không đổi được",
                    "en": f"form {form.form_id} is for {other.entity!r}; it cannot change",
                }
            ],
            lang,
        )
    if previous is not None and previous.version >= form.version:
        raise _invalid([_version_problem(form, previous)], lang)
    return Published("preview", form, unit, previous, diff_forms(previous, form), draft.warnings)


def publish(
    conn: Connection, who: Principal, draft: Draft, unit: Any, *, lang: str = "vi"
) -> Published:
    """Store ``draft`` as a version published by ``unit`` (the caller's write transaction)."""
    result = preview(conn, who, draft, unit, lang=lang)
    if result.status == "unchanged":
        return result
    row = {
        "form_id": result.form.form_id,
        "version": result.form.version,
        "entity": result.form.entity,
        "unit": result.unit,
        "sha256": result.form.sha256,
        "definition": canonical(result.form.model_dump(mode="json")),
        "published_by": who.username,
        "published_at": iso(),
    }
    if not store.forms.add(conn, row):
        raise ServerError(
            ErrorCode.ALREADY_EXISTS, {"form_id": row["form_id"], "version": row["version"]}
        )
    return Published(
        "published", result.form, result.unit, result.previous, result.diff, result.warnings
    )


def shell_principal(conn: Connection, username: str) -> Principal:
    """The administrator ``dkst forms publish --as USERNAME`` acts for (the shell is trusted to
    name them; their role and units still decide, as over HTTP)."""
    row = store.users.by_name(conn, username)
    if row is None or row["disabled"]:
        raise ServerError(ErrorCode.NOT_FOUND, {"username": username})
    codes = units_of(conn, row["id"])
    return Principal(row["id"], username, row["role"], codes, "shell", scope_of(conn, codes))
