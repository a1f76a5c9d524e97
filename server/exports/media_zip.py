"""``media.zip``: the evidence files, plus ``missing.csv`` listing evidence whose file is not here.

A file goes in as ``<visit|model>/<parent record_id>/<evidence record_id>.<ext>``, the extension from
the type the server detected when it arrived; it is stored, not deflated (photos, audio and PDF are
compressed already). ``missing.csv`` lists the evidence left out, with a ``reason``:
``not_uploaded`` (the file has not arrived yet), ``not_in_store`` (recorded but absent from the
blob store: logged as an error) or ``no_parent`` (the record names neither a visit nor a model).
A deleted evidence record no longer makes its file visible (SYNC.md "Attachments"), so media.zip
never holds the file of one, whatever ``include_deleted`` says.
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

log = logging.getLogger("dkst.server")

_BATCH = 200  # evidence records whose files are looked up in one query
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
    # Missing files are listed at the end; the list waits on disk once it is larger than 1 MiB.
    with (
        tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+", newline="") as missing,
        snapshot(engine) as conn,
    ):
        yield from archive(_members(conn, blobs, prepared, missing))


def _parent(fields: dict[str, Any]) -> tuple[str, str] | None:
    """``(entity, record_id)`` of the record an evidence file belongs to: its visit, else its model."""
    for entity in ("visit", "model"):
        value = fields.get(entity)
        if isinstance(value, str) and UUID_RE.fullmatch(value):
            return entity, value
    return None


def _members(
    conn: Connection, blobs: BlobStore, prepared: PreparedExport, missing: IO[str]
) -> Iterator[MemberFile]:
    q = prepared.query
    live = replace(prepared, query=replace(q, include_deleted=False))
    kinds = choice_labels(load_default_forms(), "evidence", "kind")
    out = csv.writer(missing)
    rows = records(conn, live, "evidence", links(conn, live))
    while batch := list(itertools.islice(rows, _BATCH)):
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
                    yield stored_member(f"{parent[0]}/{parent[1]}/{row.record_id}.{ext}", stamp, f)
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
    missing.seek(0)
    yield csv_member("missing.csv", _MISSING_HEADER, csv.reader(missing))
