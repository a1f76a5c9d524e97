"""``media.zip``: the evidence files, ``index.csv`` saying what each file is, and ``missing.csv``
listing evidence whose file is not here.

A file goes in as ``<visit|model|initiative|activity>/<parent record_id>/<evidence record_id>.<ext>``, the extension from
the type the server detected when it arrived; it is stored, not deflated (photos, audio and PDF are
compressed already). ``missing.csv`` lists the evidence left out, with a ``reason``:
``not_uploaded`` (the file has not arrived yet), ``not_in_store`` (recorded but absent from the
blob store: logged as an error) or ``no_parent`` (the record names no visit, model, initiative
or activity).
A deleted evidence record no longer makes its file visible (SYNC.md "Attachments"), so media.zip
never holds the file of one, whatever ``include_deleted`` says.

``index.csv`` (SYNC.md, issue 18: "the photo of model X" was a hunt through UUIDs) has a row per
file: its ``path`` in the zip, the evidence ``record_id``, ``sha256``, ``caption``, the model's
``model_id`` and ``model_name`` (a visit's photo: the visit's model), the ``visit_date`` if any,
the ``residential_area``'s name, the ``unit`` and its ``unit_name``. Records are named only from
the exported subtree. Both lists are UTF-8 with a BOM, for Excel.
"""

from __future__ import annotations

import csv
import itertools
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine
from stream_zip import MemberFile

from server import store
from server.clock import utc_now
from server.exports.columns import choice_labels, label, utc
from server.exports.filters import links
from server.exports.query import PreparedExport
from server.exports.rows import records, snapshot
from server.exports.zips import archive, csv_member, stored_member
from server.storage import BlobStore
from shared_schema.forms import load_default_forms
from shared_schema.ids import UUID_RE
from shared_schema.media import EXTENSIONS
from shared_schema.periods import EVIDENCE_PARENTS

log = logging.getLogger("dkst.server")

_BATCH = 200  # evidence records whose files are looked up in one query
_INDEX_HEADER = [
    "path",
    "record_id",
    "sha256",
    "caption",
    "model_id",
    "model_name",
    "visit_date",
    "residential_area",
    "unit",
    "unit_name",
]
_MISSING_HEADER = [
    "record_id",
    "parent_entity",
    "parent_record_id",
    "unit",
    "kind",
    "sha256",
    "media_type",
    "size",
    "caption",
    "reason",
]


def media_zip(engine: Engine, blobs: BlobStore, prepared: PreparedExport) -> Iterator[bytes]:
    # The index and the missing files are listed at the end; each list waits on disk once it is
    # larger than 1 MiB.
    with (
        tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+", newline="") as index,
        tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+", newline="") as missing,
        snapshot(engine) as conn,
    ):
        yield from archive(_members(conn, blobs, prepared, index, missing))


class _Names:
    """What the index says of a batch of evidence: their visits, models, areas, units, by name;
    only records and units of the exported subtree (nothing is named across scopes)."""

    def __init__(self, conn: Connection, unit: str) -> None:
        self.conn = conn
        self.units = store.units.names_under(conn, unit)

    def _rows(self, ids: set[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        return {
            r.record_id: (r.entity, orjson.loads(r.fields))
            for r in store.records.rows_by_id(self.conn, ids)
            if r.unit in self.units and not r.deleted
        }

    def load(self, batch: list[tuple[Any, dict[str, Any]]]) -> None:
        visits = self._rows({v for _, f in batch if isinstance(v := f.get("visit"), str)})
        models_of = {vid: f.get("model") for vid, (e, f) in visits.items() if e == "visit"}
        wanted = {m for m in models_of.values() if isinstance(m, str)}
        wanted |= {m for _, f in batch if isinstance(m := f.get("model"), str)}
        models = self._rows(wanted)
        areas = self._rows(
            {
                a
                for e, f in models.values()
                if e == "model" and isinstance(a := f.get("residential_area"), str)
            }
        )
        self.visits, self.models_of, self.models, self.areas = visits, models_of, models, areas

    def row(self, path: str, row: Any, fields: dict[str, Any]) -> list[Any]:
        visit = self.visits.get(fields.get("visit") or "")
        model_id = fields.get("model") or self.models_of.get(fields.get("visit") or "")
        model = self.models.get(model_id or "")
        model_fields = model[1] if model is not None and model[0] == "model" else {}
        area = self.areas.get(model_fields.get("residential_area") or "")
        return [
            path,
            row.record_id,
            fields.get("sha256"),
            fields.get("caption"),
            model_id if model_fields else "",
            model_fields.get("name", ""),
            visit[1].get("visit_date", "") if visit is not None and visit[0] == "visit" else "",
            area[1].get("name", "") if area is not None and area[0] == "residential_area" else "",
            row.unit,
            self.units.get(row.unit or "", ""),
        ]


def _parent(fields: dict[str, Any]) -> tuple[str, str] | None:
    """``(entity, record_id)`` of the record an evidence file belongs to: its visit, else its
    model, initiative or activity (form set v2, issue 20)."""
    for entity in EVIDENCE_PARENTS:
        value = fields.get(entity)
        if isinstance(value, str) and UUID_RE.fullmatch(value):
            return entity, value
    return None


def _members(
    conn: Connection, blobs: BlobStore, prepared: PreparedExport, index: IO[str], missing: IO[str]
) -> Iterator[MemberFile]:
    q = prepared.query
    live = replace(prepared, query=replace(q, include_deleted=False))
    kinds = choice_labels(load_default_forms(), "evidence", "kind")
    out, listed = csv.writer(missing), csv.writer(index)
    names = _Names(conn, prepared.unit_code)
    rows = records(conn, live, "evidence", links(conn, live))
    while batch := list(itertools.islice(rows, _BATCH)):
        names.load(batch)
        hashes = {f.get("sha256") for _, f in batch if isinstance(f.get("sha256"), str)}
        stored = store.attachments.stored_files(conn, hashes)  # type: ignore[arg-type]
        for row, fields in batch:
            sha = fields.get("sha256")
            parent = _parent(fields)
            found = stored.get(sha) if isinstance(sha, str) else None
            reason = None if found else "not_uploaded"
            if found is not None and parent is not None:
                try:
                    f = blobs.open_blob(str(sha))
                except (FileNotFoundError, ValueError):
                    log.error("attachment %s is recorded complete but missing from the store", sha)
                    reason = "not_in_store"
                else:
                    ext = EXTENSIONS.get(found[0], "bin")
                    when = utc(str(row.updated_at))
                    stamp = when if isinstance(when, datetime) else utc_now()
                    path = f"{parent[0]}/{parent[1]}/{row.record_id}.{ext}"
                    listed.writerow(names.row(path, row, fields))
                    yield stored_member(path, stamp, f)
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
                        label(kinds, fields.get("kind"), q.lang),
                        sha,
                        fields.get("media_type"),
                        fields.get("size"),
                        fields.get("caption"),
                        reason,
                    ]
                )
    index.seek(0)
    yield csv_member("index.csv", _INDEX_HEADER, csv.reader(index))
    missing.seek(0)
    yield csv_member("missing.csv", _MISSING_HEADER, csv.reader(missing))
