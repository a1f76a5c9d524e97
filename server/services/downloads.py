"""A download of a unit's dataset (SYNC.md "Reports and downloads"), for the API and the pages.

:func:`prepare` checks a parsed request (``server.exports.parse_query``) against the caller: the
unit in its subtree, the plan one it may see. Every error is raised here, before the first byte;
:func:`open_download` then gives the streamed body and its headers, which each edge answers as
it answers a stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from server import exports
from server.blobs import blob_store
from server.config import ServerSettings
from server.exports import ExportQuery, PreparedExport
from server.services import plans as plans_service
from server.services.auth import Principal
from server.services.forms import forms_around
from server.services.units import server_tree, unit_in_scope

__all__ = ["Download", "open_download", "prepare"]


@dataclass(frozen=True)
class Download:
    body: Iterator[bytes]
    media_type: str
    headers: dict[str, str]


def prepare(
    conn: Connection, who: Principal, query: ExportQuery, *, plan: str | None
) -> PreparedExport:
    """Check a parsed request against the caller's scope; raises the documented errors."""
    unit = unit_in_scope(conn, who, query.unit)
    period = None
    if plan is not None and plan != "":
        found = plans_service.get_plan(conn, who, plan)  # not_found when the caller cannot see it
        period = (str(found["period"]["from"]), str(found["period"]["to"]))
    return PreparedExport(
        query=query,
        unit=unit,
        filename=f"dkst-{unit['code']}-{query.name}",
        media_type=exports.EXPORTS[query.name],
        period=period,
        tree=server_tree(conn),
        forms=forms_around(conn, str(unit["code"])),
    )


def open_download(
    conn: Connection,
    engine: Engine,
    settings: ServerSettings,
    who: Principal,
    query: ExportQuery,
    plan: str | None,
) -> Download:
    """Every check first (in ``conn``), then the file's stream, read in its own snapshot
    (``server.exports.rows``), not in ``conn``."""
    prepared = prepare(conn, who, query, plan=plan)
    blobs = blob_store(settings)
    if query.name == "media.zip":
        blobs.ping()  # a store that is away answers 503 before the first byte, not a cut zip
    body = exports.stream(engine, blobs, prepared)
    return Download(body, prepared.media_type, exports.download_headers(prepared))
