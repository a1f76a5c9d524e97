"""Downloads of a unit's whole dataset (SYNC.md "Reports and downloads", ``GET /exports/{name}``).

Four exports, each streamed so memory stays flat however many records there are:

- ``records.csv.zip``: one ``<entity>.csv`` per entity (all six, an empty one with its header only),
  plus ``columns.csv``, the data dictionary (entity, column, label in ``lang``, type);
- ``records.xlsx``: a ``summary`` sheet (records per commune and entity) and a sheet per entity;
- ``models.geojson``: a FeatureCollection of the models that have a ``location``;
- ``media.zip``: the evidence files, plus ``missing.csv`` listing evidence whose file is not here.

Decisions, for the district staff who open these in Excel and QGIS:

- **Columns.** ``record_id, rev, unit, updated_at``, then the form's fields (the union over the
  entity's form versions: the newest version's order, then fields only older versions had), then
  ``unit_name``, ``review_state``, ``review_comment``, ``form_id``, ``form_version`` and, with
  ``include_deleted=true``, a trailing ``deleted``. The form's own ``unit`` field is the ``unit``
  column. A geopoint is four numeric columns, ``<name>_lat``, ``<name>_lon``, ``<name>_accuracy``,
  ``<name>_altitude``: Excel sorts and filters them and QGIS reads them as X/Y. References hold
  the referenced ``record_id``, so sheets join on it (VLOOKUP, a QGIS join).
- **Headers.** CSV headers are the field names: stable across languages and form versions, so a
  saved pivot or join keeps working; ``columns.csv`` gives every column's label. The xlsx sheets,
  read by people, carry the labels in ``lang`` as their one header row (frozen, with autofilter).
- **Values.** Choice values become their labels in ``lang`` (a ``select_multiple`` joined with
  ``"; "``); ``review_state`` is shown as a label as well, a record without one counting as
  pending. CSV numbers use a ``.`` decimal point (for Excel in a Vietnamese locale, the xlsx has real
  numbers and dates). A CSV text that starts with ``= + - @`` or a tab gets a leading ``'``, so Excel
  never runs a field officer's text as a formula; the xlsx writes every text as a plain string.
  ``updated_at`` is UTC.
- **Filters.** ``content_area`` and ``status`` (one value, or several comma-separated) select
  models, and what hangs off a model follows it: a visit is kept when its model is, an evidence
  record when its visit's model is (or its model, when it names no visit). Residential areas,
  initiatives and activities do not hang off a model and are not filtered by them.
  ``review_state`` (comma-separated too) filters every entity by the record's own state;
  ``from``/``to`` by the UTC date of ``updated_at``, inclusive. With a model filter the models and
  visits are read once more first, to learn which ids match: that pass keeps a set of matching
  model and visit ids (about 100 bytes each), the only thing that grows with the data.
- **media.zip** holds ``<visit|model>/<parent record_id>/<evidence record_id>.<ext>``, the
  extension from the type the server detected when the file arrived; files are stored, not
  deflated (photos, audio and PDF are compressed already). ``missing.csv`` lists the evidence left
  out, with a ``reason``: ``not_uploaded`` (the file has not arrived yet), ``not_in_store``
  (recorded but absent from the blob store: logged as an error) or ``no_parent`` (the record names
  neither a visit nor a model).
- **Deleted records** appear only with ``include_deleted=true``, with their last fields. A deleted
  evidence record no longer makes its file visible (SYNC.md "Attachments"), so ``media.zip`` never
  holds the file of one.
- **Consistency.** Each export reads in one transaction (``REPEATABLE READ`` on PostgreSQL), so the
  summary sheet's counts match the sheets and a file is never half of two states.
- **Streaming.** Zips are written front to back into a small buffer drained after each write
  (members carry data descriptors; ZIP64 as needed). XlsxWriter cannot stream, so the workbook is
  built in constant-memory mode into a temporary file under ``<data_dir>/tmp`` and then sent; its
  first byte comes once it is built, and the file is removed when the response ends or is cut.
- **Errors** are all found before the first byte is sent (unknown export → ``not_found``, a bad
  filter → ``invalid_request``, a unit outside the caller's subtree → ``not_found``, any ``plan``
  → ``not_found``: no plans exist in this version). A failure while streaming cuts the download
  short; the client sees a broken file, never a wrong one.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import math
import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import xlsxwriter
from sqlalchemy import Connection, Engine, Row, select

from server.db.schema import attachments, units
from server.errors import ApiError
from server.services.auth import Principal
from server.services.scope import iter_records, subtree, unit_in_scope
from server.storage import BlobStore
from shared_schema.entities import ENTITIES, REVIEW_STATES
from shared_schema.errors import ErrorCode
from shared_schema.forms import FieldDef, FormSet, load_default_forms

__all__ = [
    "EXPORTS",
    "ExportParams",
    "ExportQuery",
    "PreparedExport",
    "entity_columns",
    "parse_query",
    "prepare",
    "stream",
]

log = logging.getLogger("dkst.server")

EXPORTS: dict[str, str] = {
    "records.csv.zip": "application/zip",
    "records.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "models.geojson": "application/geo+json",
    "media.zip": "application/zip",
}
LANGS = ("vi", "en")
CONTENT_AREAS = ("1", "2", "3", "4", "5")
# File name extensions of the stored media types (server/services/attachments.py sniffs them).
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
}
REVIEW_LABELS = {
    "pending": ("Chờ duyệt", "Pending"),
    "approved": ("Đã duyệt", "Approved"),
    "returned": ("Trả lại", "Returned"),
}
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FLUSH = 64 * 1024  # bytes gathered before a chunk goes to the client
_READ_BLOCK = 256 * 1024
_BATCH = 200  # evidence records whose files are looked up in one query
_XLSX_ROWS = 1_048_576  # Excel's limit per sheet: more rows go on to "<entity> (2)"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class ExportParams:
    """The query string as it came, every value a string or None (parsed by :func:`parse_query`)."""

    unit: str | None = None
    content_area: str | None = None
    status: str | None = None
    review_state: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    plan: str | None = None
    lang: str | None = None
    include_deleted: str | None = None


@dataclass(frozen=True)
class ExportQuery:
    """A checked export request. ``None`` for a filter means "not filtered"."""

    name: str
    unit: str
    content_areas: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    review_states: frozenset[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    lang: str = "vi"
    include_deleted: bool = False

    @property
    def model_filter(self) -> bool:
        return self.content_areas is not None or self.statuses is not None


def _bad(parameter: str, **details: Any) -> ApiError:
    return ApiError(ErrorCode.INVALID_REQUEST, {"parameter": parameter, **details})


def _choice_set(parameter: str, raw: str | None, allowed: Iterable[str]) -> frozenset[str] | None:
    if raw is None or raw == "":
        return None
    allowed = tuple(allowed)
    values = frozenset(v.strip() for v in raw.split(","))
    if not values <= set(allowed):
        raise _bad(parameter, allowed=list(allowed))
    return values


def _date(parameter: str, raw: str | None) -> date | None:
    if raw is None or raw == "":
        return None
    if not _DATE_RE.fullmatch(raw):
        raise _bad(parameter, expected="YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(parameter, expected="YYYY-MM-DD") from None


def model_statuses(forms: FormSet) -> tuple[str, ...]:
    """Every ``status`` choice of every model form version."""
    out: dict[str, None] = {}
    for form in forms.for_entity("model"):
        f = form.field("status")
        for c in (f.choices if f is not None else None) or ():
            out[c.value] = None
    return tuple(out)


def parse_query(name: str, params: ExportParams, forms: FormSet | None = None) -> ExportQuery:
    """Check the export name (``not_found``) and every filter (``invalid_request``).

    ``unit`` is only checked for presence here; scope needs the database (:func:`prepare`).
    """
    if name not in EXPORTS:
        raise ApiError(ErrorCode.NOT_FOUND)
    forms = forms or load_default_forms()
    lang = params.lang or "vi"
    if lang not in LANGS:
        raise _bad("lang", allowed=list(LANGS))
    raw_deleted = (params.include_deleted or "false").strip().lower()
    if raw_deleted not in ("true", "false", "1", "0"):
        raise _bad("include_deleted", allowed=["true", "false"])
    date_from = _date("from", params.date_from)
    date_to = _date("to", params.date_to)
    if date_from and date_to and date_from > date_to:
        raise _bad("from", reason="from is after to")
    if not params.unit:
        raise _bad("unit")
    return ExportQuery(
        name=name,
        unit=params.unit,
        content_areas=_choice_set("content_area", params.content_area, CONTENT_AREAS),
        statuses=_choice_set("status", params.status, model_statuses(forms)),
        review_states=_choice_set("review_state", params.review_state, REVIEW_STATES),
        date_from=date_from,
        date_to=date_to,
        lang=lang,
        include_deleted=raw_deleted in ("true", "1"),
    )


@dataclass(frozen=True)
class PreparedExport:
    """Everything checked: what to send, under which name and type."""

    query: ExportQuery
    unit: dict[str, Any]
    unit_codes: tuple[str, ...]
    filename: str
    media_type: str


def prepare(conn: Connection, who: Principal, name: str, params: ExportParams) -> PreparedExport:
    """Parse and check a request against the caller's scope; raises the documented errors."""
    query = parse_query(name, params)
    unit = unit_in_scope(conn, who, query.unit)
    if params.plan is not None and params.plan != "":
        raise ApiError(ErrorCode.NOT_FOUND, {"parameter": "plan"})  # no plans in this version
    return PreparedExport(
        query=query,
        unit=unit,
        unit_codes=tuple(subtree(conn, unit["code"])),
        filename=f"dkst-{unit['code']}-{name}",
        media_type=EXPORTS[name],
    )


def stream(
    engine: Engine, store: BlobStore, prepared: PreparedExport, tmp_dir: Path
) -> Iterator[bytes]:
    """The export's bytes, chunk by chunk; a sync generator (Starlette runs it in its threadpool)."""
    name = prepared.query.name
    if name == "records.csv.zip":
        return _csv_zip(engine, prepared)
    if name == "records.xlsx":
        return _xlsx(engine, prepared, tmp_dir)
    if name == "models.geojson":
        return _geojson(engine, prepared)
    return _media_zip(engine, store, prepared)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction for the whole export (a consistent snapshot on PostgreSQL too)."""
    conn = engine.connect()
    try:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn
    finally:
        conn.close()


# ---------------------------------------------------------------------------- columns and values
@dataclass(frozen=True)
class Column:
    """One output column: where its value comes from and how it is shown."""

    key: str  # the CSV header, a stable name
    label_vi: str
    label_en: str
    type: str  # a form field type, or "meta", "unit_name", "review_state", "deleted"
    source: str  # the field (or row attribute) read
    part: str | None = None  # a geopoint's lat / lon / accuracy / altitude
    choices: dict[str, tuple[str, str]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_vi


_GEO_PARTS = (
    ("lat", "vĩ độ", "latitude"),
    ("lon", "kinh độ", "longitude"),
    ("accuracy", "độ chính xác (m)", "accuracy (m)"),
    ("altitude", "độ cao (m)", "altitude (m)"),
)
_LEADING = (
    Column("record_id", "Mã bản ghi", "Record ID", "meta", "record_id"),
    Column("rev", "Số lần sửa", "Revision", "meta", "rev"),
    Column("unit", "Mã xã, phường, thị trấn", "Commune code", "meta", "unit"),
    Column("updated_at", "Cập nhật lúc (UTC)", "Updated at (UTC)", "meta", "updated_at"),
)


def _trailing(include_deleted: bool) -> tuple[Column, ...]:
    cols: tuple[Column, ...] = (
        Column("unit_name", "Tên xã, phường, thị trấn", "Commune name", "unit_name", "unit"),
        Column("review_state", "Trạng thái duyệt", "Review state", "review_state", "review_state"),
        Column("review_comment", "Ý kiến duyệt", "Review comment", "text", "review_comment"),
        Column("form_id", "Mã biểu mẫu", "Form", "text", "form_id"),
        Column("form_version", "Phiên bản biểu mẫu", "Form version", "integer", "form_version"),
    )
    if include_deleted:
        cols += (Column("deleted", "Đã xoá", "Deleted", "deleted", "deleted"),)
    return cols


def _form_fields(forms: FormSet, entity: str) -> list[FieldDef]:
    """The union of the entity's form fields: newest version's order, then older-only fields."""
    versions = sorted(forms.for_entity(entity), key=lambda f: (f.version, f.form_id), reverse=True)
    seen: dict[str, FieldDef] = {}
    for form in versions:
        for f in form.fields:
            seen.setdefault(f.name, f)
    return [f for f in seen.values() if f.name != "unit"]


def _choice_labels(forms: FormSet, entity: str, name: str) -> dict[str, tuple[str, str]]:
    """Choice labels of a field over every version of the entity's forms (newest wins)."""
    out: dict[str, tuple[str, str]] = {}
    for form in sorted(forms.for_entity(entity), key=lambda f: (f.version, f.form_id)):
        f = form.field(name)
        for c in (f.choices if f is not None else None) or ():
            out[c.value] = (c.label.vi, c.label.en)
    return out


def entity_columns(
    entity: str, *, include_deleted: bool = False, forms: FormSet | None = None
) -> list[Column]:
    """The columns of an entity's CSV or sheet, in order (see the module docstring)."""
    forms = forms or load_default_forms()
    cols = list(_LEADING)
    for f in _form_fields(forms, entity):
        if f.type == "geopoint":
            for part, vi, en in _GEO_PARTS:
                cols.append(
                    Column(
                        f"{f.name}_{part}",
                        f"{f.label.vi} – {vi}",
                        f"{f.label.en} – {en}",
                        "decimal",
                        f.name,
                        part,
                    )
                )
            continue
        choices = _choice_labels(forms, entity, f.name) if f.choices else {}
        cols.append(Column(f.name, f.label.vi, f.label.en, f.type, f.name, None, choices))
    cols.extend(_trailing(include_deleted))
    return cols


def _label(labels: dict[str, tuple[str, str]], value: Any, lang: str) -> Any:
    pair = labels.get(value) if isinstance(value, str) else None
    if pair is None:
        return value
    return pair[1] if lang == "en" else pair[0]


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def review_state_of(fields: dict[str, Any]) -> str:
    state = fields.get("review_state")
    return state if state in REVIEW_STATES else "pending"


def cell(
    col: Column, row: Row[Any], fields: dict[str, Any], lang: str, names: dict[str, str]
) -> Any:
    """A column's value for one record: str, int, float, bool, date, datetime or None.

    Values that do not fit the column's type (data from an older form, say) come out as JSON text
    rather than being dropped.
    """
    t = col.type
    if t == "meta":
        value = getattr(row, col.source)
        return _utc(value) if col.source == "updated_at" else value
    if t == "unit_name":
        return names.get(row.unit or "")
    if t == "deleted":
        return bool(row.deleted)
    if t == "review_state":
        return _label(REVIEW_LABELS, review_state_of(fields), lang)
    value = fields.get(col.source)
    if value is None:
        return None
    if col.part is not None:
        return _number(value.get(col.part)) if isinstance(value, dict) else None
    if t in ("integer", "decimal"):
        num = _number(value)
        return num if num is not None else _json_text(value)
    if t == "date" and isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if t == "select_one":
        return _label(col.choices, value, lang) if isinstance(value, str) else _json_text(value)
    if t == "select_multiple" and isinstance(value, list):
        return "; ".join(str(_label(col.choices, v, lang)) for v in value)
    if t == "attachment" and isinstance(value, dict):
        return value.get("sha256")
    if isinstance(value, str):
        return value
    return _json_text(value)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _utc(stamp: str) -> datetime | str:
    """``2024-05-01T10:00:00.123Z`` as a naive UTC datetime (what a spreadsheet cell holds)."""
    try:
        return datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None)
    except (TypeError, ValueError):
        return stamp


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 1e16 else str(int(value))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------------------- filters
@dataclass
class _Links:
    """Ids of the models that pass ``content_area``/``status``, and of their visits."""

    models: set[str]
    visits: set[str]


def _links(conn: Connection, prepared: PreparedExport) -> _Links | None:
    q = prepared.query
    if not q.model_filter:
        return None
    links = _Links(set(), set())
    for row in iter_records(conn, prepared.unit_codes, ["model"], include_deleted=True):
        if _model_matches(q, orjson.loads(row.fields)):
            links.models.add(row.record_id)
    for row in iter_records(conn, prepared.unit_codes, ["visit"], include_deleted=True):
        if orjson.loads(row.fields).get("model") in links.models:
            links.visits.add(row.record_id)
    return links


def _model_matches(q: ExportQuery, fields: dict[str, Any]) -> bool:
    if q.content_areas is not None and fields.get("content_area") not in q.content_areas:
        return False
    return q.statuses is None or fields.get("status") in q.statuses


def _keep(q: ExportQuery, links: _Links | None, row: Row[Any], fields: dict[str, Any]) -> bool:
    if q.review_states is not None and review_state_of(fields) not in q.review_states:
        return False
    if q.date_from is not None or q.date_to is not None:
        day = str(row.updated_at)[:10]
        if q.date_from is not None and day < q.date_from.isoformat():
            return False
        if q.date_to is not None and day > q.date_to.isoformat():
            return False
    if links is None:
        return True
    if row.entity == "model":
        return row.record_id in links.models
    if row.entity == "visit":
        return fields.get("model") in links.models
    if row.entity == "evidence":
        visit = fields.get("visit")
        if visit:
            return visit in links.visits
        return fields.get("model") in links.models
    return True


def _records(
    conn: Connection, prepared: PreparedExport, entity: str, links: _Links | None
) -> Iterator[tuple[Row[Any], dict[str, Any]]]:
    q = prepared.query
    rows = iter_records(conn, prepared.unit_codes, [entity], include_deleted=q.include_deleted)
    for row in rows:
        fields = orjson.loads(row.fields)
        if not isinstance(fields, dict):
            fields = {}
        if _keep(q, links, row, fields):
            yield row, fields


def _unit_names(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    q = select(units.c.code, units.c.name).where(units.c.code.in_(list(codes)))
    return {r.code: r.name for r in conn.execute(q)}


def _entity_title(entity: str, lang: str, forms: FormSet) -> str:
    try:
        title = forms.latest(entity).title
    except KeyError:
        return entity
    return title.en if lang == "en" else title.vi


# ---------------------------------------------------------------------------- zip streaming
class _Sink:
    """A write-only file for :class:`zipfile.ZipFile` that the generator drains after each write.

    It has no ``seek``, so zipfile writes data descriptors after each member instead of going
    back to patch the local header: the archive is produced front to back.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def write(self, data: bytes) -> int:
        self._buf += data
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._buf)

    def take(self) -> bytes:
        out = bytes(self._buf)
        self._buf.clear()
        return out


def _member(name: str, when: datetime, compress: int, size: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_time(when))
    info.compress_type = compress
    info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped (zero would be no access at all)
    if size is not None:
        info.file_size = size  # lets zipfile choose ZIP64 for a member over 2 GiB up front
    return info


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    when = max(when, datetime(1980, 1, 1))  # the earliest a zip can say
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _csv_member(
    zf: zipfile.ZipFile, sink: _Sink, name: str, header: list[str], rows: Iterable[list[Any]]
) -> Iterator[bytes]:
    """Write one UTF-8-with-BOM CSV member, yielding the archive's bytes as they come."""
    info = _member(name, _now(), zipfile.ZIP_DEFLATED)
    with zf.open(info, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(header)
        for values in rows:
            writer.writerow([_csv_text(v) for v in values])
            if len(sink) >= _FLUSH:
                yield sink.take()
    if len(sink):
        yield sink.take()


def _csv_zip(engine: Engine, prepared: PreparedExport) -> Iterator[bytes]:
    q = prepared.query
    forms = load_default_forms()
    sink = _Sink()
    zf = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    with _snapshot(engine) as conn:
        names = _unit_names(conn, prepared.unit_codes)
        links = _links(conn, prepared)
        dictionary: list[list[Any]] = []
        for entity in ENTITIES:
            cols = entity_columns(entity, include_deleted=q.include_deleted, forms=forms)
            dictionary += [[entity, c.key, c.label(q.lang), c.type] for c in cols]
            rows = (
                [cell(c, row, fields, q.lang, names) for c in cols]
                for row, fields in _records(conn, prepared, entity, links)
            )
            yield from _csv_member(zf, sink, f"{entity}.csv", [c.key for c in cols], rows)
    header = ["entity", "column", "label", "type"]
    yield from _csv_member(zf, sink, "columns.csv", header, dictionary)
    zf.close()
    yield sink.take()


# ---------------------------------------------------------------------------- xlsx
def _xlsx(engine: Engine, prepared: PreparedExport, tmp_dir: Path) -> Iterator[bytes]:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="export-", suffix=".xlsx", dir=tmp_dir)
    os.close(fd)
    path = Path(name)
    try:
        _write_xlsx(engine, prepared, path, tmp_dir)
        with open(path, "rb") as f:
            while block := f.read(_READ_BLOCK):
                yield block
    finally:
        path.unlink(missing_ok=True)


class _Sheets:
    """A workbook's cell formats, and writing one typed value into a cell."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.date = wb.add_format({"num_format": "dd/mm/yyyy"})
        self.stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.bold = wb.add_format({"bold": True})

    def put(self, ws: Any, r: int, c: int, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            ws.write_boolean(r, c, value)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value)
        elif isinstance(value, datetime):
            ws.write_datetime(r, c, value, self.stamp)
        elif isinstance(value, date):
            ws.write_datetime(r, c, value, self.date)
        else:
            # write_string, never write(): a text starting with "=" stays text, not a formula.
            ws.write_string(r, c, str(value)[:32767])


def _width(col: Column) -> int:
    if col.type == "meta":
        return {"record_id": 38, "rev": 6, "unit": 10, "updated_at": 20}.get(col.key, 12)
    if col.type == "reference":
        return 38
    if col.type in ("text", "unit_name", "select_multiple"):
        return 30
    return 14


def _write_xlsx(engine: Engine, prepared: PreparedExport, path: Path, tmp_dir: Path) -> None:
    q = prepared.query
    forms = load_default_forms()
    wb = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "tmpdir": str(tmp_dir), "strings_to_numbers": False}
    )
    sheets = _Sheets(wb)
    summary = wb.add_worksheet("summary")  # first tab; written last, when the counts are known
    counts: Counter[tuple[str, str]] = Counter()
    try:
        with _snapshot(engine) as conn:
            names = _unit_names(conn, prepared.unit_codes)
            communes = _communes(conn, prepared.unit_codes)
            links = _links(conn, prepared)
            for entity in ENTITIES:
                cols = entity_columns(entity, include_deleted=q.include_deleted, forms=forms)
                records = _records(conn, prepared, entity, links)
                part = 1
                while True:
                    title = entity if part == 1 else f"{entity} ({part})"
                    done = _write_sheet(
                        wb.add_worksheet(title), sheets, cols, q.lang, names, records, counts
                    )
                    if done:
                        break
                    part += 1
        _write_summary(summary, sheets, prepared, forms, names, communes, counts)
    finally:
        wb.close()


def _write_sheet(
    ws: Any,
    sheets: _Sheets,
    cols: list[Column],
    lang: str,
    names: dict[str, str],
    records: Iterator[tuple[Row[Any], dict[str, Any]]],
    counts: Counter[tuple[str, str]],
) -> bool:
    """Fill one sheet; False when Excel's row limit stopped it before the records ran out."""
    for c, col in enumerate(cols):
        ws.set_column(c, c, _width(col))
        ws.write_string(0, c, col.label(lang), sheets.head)
    ws.freeze_panes(1, 0)
    r = 0
    for row, fields in records:
        r += 1
        for c, col in enumerate(cols):
            sheets.put(ws, r, c, cell(col, row, fields, lang, names))
        counts[(row.unit or "", row.entity)] += 1
        if r == _XLSX_ROWS - 1:
            ws.autofilter(0, 0, r, len(cols) - 1)
            return False
    ws.autofilter(0, 0, r, len(cols) - 1)
    return True


def _communes(conn: Connection, codes: Iterable[str]) -> list[str]:
    q = (
        select(units.c.code)
        .where(units.c.code.in_(list(codes)), units.c.level == "commune")
        .order_by(units.c.code)
    )
    return list(conn.execute(q).scalars())


_SUMMARY_TEXT = {
    "title": ("Tổng hợp dữ liệu “Đoàn kết sáng tạo”", "“Đoàn kết sáng tạo” data summary"),
    "unit": ("Đơn vị", "Unit"),
    "generated": ("Thời điểm xuất (UTC)", "Exported at (UTC)"),
    "filters": ("Bộ lọc", "Filters"),
    "none": ("không", "none"),
    "code": ("Mã đơn vị", "Code"),
    "name": ("Tên đơn vị", "Name"),
    "total": ("Tổng cộng", "Total"),
}


def _filters_text(q: ExportQuery) -> str:
    parts = []
    for key, value in (
        ("content_area", q.content_areas),
        ("status", q.statuses),
        ("review_state", q.review_states),
    ):
        if value is not None:
            parts.append(f"{key}={','.join(sorted(value))}")
    if q.date_from:
        parts.append(f"from={q.date_from.isoformat()}")
    if q.date_to:
        parts.append(f"to={q.date_to.isoformat()}")
    if q.include_deleted:
        parts.append("include_deleted=true")
    return "; ".join(parts)


def _write_summary(
    ws: Any,
    sheets: _Sheets,
    prepared: PreparedExport,
    forms: FormSet,
    names: dict[str, str],
    communes: list[str],
    counts: Counter[tuple[str, str]],
) -> None:
    q = prepared.query
    i = 1 if q.lang == "en" else 0

    def t(key: str) -> str:
        return _SUMMARY_TEXT[key][i]

    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 1 + len(ENTITIES), 14)
    ws.write_string(0, 0, t("title"), sheets.bold)
    ws.write_string(1, 0, t("unit"))
    ws.write_string(1, 1, f"{prepared.unit['name']} ({prepared.unit['code']})")
    ws.write_string(2, 0, t("generated"))
    ws.write_datetime(2, 1, _now(), sheets.stamp)
    ws.write_string(3, 0, t("filters"))
    ws.write_string(3, 1, _filters_text(q) or t("none"))
    top = 5
    header = [t("code"), t("name")] + [_entity_title(e, q.lang, forms) for e in ENTITIES]
    for c, text in enumerate(header):
        ws.write_string(top, c, text, sheets.head)
    # Every commune of the subtree, those with nothing too: who has not reported shows at once.
    extra = sorted({u for u, _ in counts} - set(communes))
    r = top
    for code in [*communes, *extra]:
        r += 1
        ws.write_string(r, 0, code)
        ws.write_string(r, 1, names.get(code, ""))
        for c, entity in enumerate(ENTITIES, start=2):
            ws.write_number(r, c, counts[(code, entity)])
    r += 1
    ws.write_string(r, 1, t("total"), sheets.bold)
    for c, entity in enumerate(ENTITIES, start=2):
        ws.write_number(r, c, sum(n for (_, e), n in counts.items() if e == entity), sheets.bold)
    ws.freeze_panes(top + 1, 2)


# ---------------------------------------------------------------------------- geojson
def _geojson(engine: Engine, prepared: PreparedExport) -> Iterator[bytes]:
    q = prepared.query
    cols = [
        c
        for c in entity_columns("model", include_deleted=q.include_deleted)
        if c.part not in ("lat", "lon")
    ]
    yield b'{"type":"FeatureCollection","features":['
    with _snapshot(engine) as conn:
        names = _unit_names(conn, prepared.unit_codes)
        links = _links(conn, prepared)
        buf = bytearray()
        first = True
        for row, fields in _records(conn, prepared, "model", links):
            point = _point(fields.get("location"))
            if point is None:
                continue
            props = {c.key: _json_value(cell(c, row, fields, q.lang, names)) for c in cols}
            feature = {
                "type": "Feature",
                "id": row.record_id,
                "geometry": {"type": "Point", "coordinates": point},
                "properties": props,
            }
            if not first:
                buf += b","
            first = False
            buf += orjson.dumps(feature)
            if len(buf) >= _FLUSH:
                yield bytes(buf)
                buf.clear()
        if buf:
            yield bytes(buf)
    yield b"]}"


def _point(value: Any) -> list[float] | None:
    """``[lon, lat]`` of a geopoint, or None when it is missing or not a usable position."""
    if not isinstance(value, dict):
        return None
    lat, lon = _number(value.get("lat")), _number(value.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return [lon, lat]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------- media
def _parent(fields: dict[str, Any]) -> tuple[str, str] | None:
    """``(entity, record_id)`` of the record an evidence file belongs to: its visit, else its model."""
    for entity in ("visit", "model"):
        value = fields.get(entity)
        if isinstance(value, str) and _UUID_RE.fullmatch(value):
            return entity, value
    return None


def _media_zip(engine: Engine, store: BlobStore, prepared: PreparedExport) -> Iterator[bytes]:
    q = prepared.query
    # A deleted evidence record no longer makes its file visible: never in media.zip.
    live = replace(prepared, query=replace(q, include_deleted=False))
    kinds = _choice_labels(load_default_forms(), "evidence", "kind")
    sink = _Sink()
    zf = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED)
    missing_header = ["record_id", "parent_entity", "parent_record_id", "unit", "kind"]
    missing_header += ["sha256", "media_type", "size", "caption", "reason"]
    # Missing files are listed at the end; the list waits on disk once it is larger than 1 MiB.
    with (
        tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+", newline="") as missing,
        _snapshot(engine) as conn,
    ):
        out = csv.writer(missing)
        links = _links(conn, live)
        records = _records(conn, live, "evidence", links)
        while batch := list(itertools.islice(records, _BATCH)):
            hashes = {f.get("sha256") for _, f in batch if isinstance(f.get("sha256"), str)}
            stored = _stored_files(conn, hashes)
            for row, fields in batch:
                sha = fields.get("sha256")
                parent = _parent(fields)
                found = stored.get(sha) if isinstance(sha, str) else None
                reason = None if found else "not_uploaded"
                if found is not None and parent is not None:
                    media_type, size = found
                    ext = EXTENSIONS.get(media_type, "bin")
                    path = f"{parent[0]}/{parent[1]}/{row.record_id}.{ext}"
                    when = _utc(str(row.updated_at))
                    stamp = when if isinstance(when, datetime) else _now()
                    wrote = yield from _media_member(zf, sink, store, str(sha), path, stamp, size)
                    if not wrote:
                        reason = "not_in_store"
                elif found is not None:
                    reason = "no_parent"
                if reason is not None:
                    p_entity, p_id = parent or ("", "")
                    out.writerow(
                        [
                            row.record_id,
                            p_entity,
                            p_id,
                            row.unit,
                            _label(kinds, fields.get("kind"), q.lang),
                            sha,
                            fields.get("media_type"),
                            fields.get("size"),
                            fields.get("caption"),
                            reason,
                        ]
                    )
        missing.seek(0)
        yield from _csv_member(zf, sink, "missing.csv", missing_header, csv.reader(missing))
    zf.close()
    yield sink.take()


def _stored_files(conn: Connection, hashes: set[Any]) -> dict[str, tuple[str, int]]:
    if not hashes:
        return {}
    q = select(attachments.c.sha256, attachments.c.media_type, attachments.c.size).where(
        attachments.c.sha256.in_(sorted(hashes))
    )
    return {r.sha256: (r.media_type, int(r.size)) for r in conn.execute(q)}


def _media_member(
    zf: zipfile.ZipFile,
    sink: _Sink,
    store: BlobStore,
    sha: str,
    path: str,
    when: datetime,
    size: int,
) -> Generator[bytes, None, bool]:
    """Copy one stored file into the archive (stored, not deflated: media is compressed already).

    Returns (as the generator's value) False when the blob is recorded but absent from the store.
    """
    try:
        f = store.open_blob(sha)
    except (FileNotFoundError, ValueError):
        log.error("attachment %s is recorded complete but missing from the store", sha)
        return False
    with f, zf.open(_member(path, when, zipfile.ZIP_STORED, size), "w") as dest:
        while block := f.read(_READ_BLOCK):
            dest.write(block)
            if len(sink) >= _FLUSH:
                yield sink.take()
    if len(sink):
        yield sink.take()
    return True


# The query parameters, as the route documents them in OpenAPI.
FILTER_DOC: dict[str, str] = {
    "unit": "The unit whose subtree is exported (required; outside your subtree → 404)",
    "content_area": "Models of these content areas (1..5, comma-separated); their visits and "
    "evidence follow them",
    "status": "Models of these statuses (comma-separated); their visits and evidence follow them",
    "review_state": "Records in these review states (pending, approved, returned; comma-separated);"
    " a record without one is pending",
    "from": "Records updated on or after this UTC date (YYYY-MM-DD)",
    "to": "Records updated on or before this UTC date (YYYY-MM-DD)",
    "plan": "A plan's id (no plans exist in this version: any value → 404)",
    "lang": "Language of labels and choice values: vi (default) or en",
    "include_deleted": "true: deleted records too, with a trailing `deleted` column",
}
