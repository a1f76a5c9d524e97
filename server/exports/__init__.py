"""Downloads of a unit's whole dataset (SYNC.md "Reports and downloads", ``GET /exports/{name}``).

Four exports, each streamed so memory stays flat however many records there are, one module each:

- ``records.csv.zip`` (:mod:`.csv_zip`): one ``<entity>.csv`` per entity (all six, an empty one
  with its header only), plus ``columns.csv``, the data dictionary;
- ``records.xlsx`` (:mod:`.xlsx`): a ``summary`` sheet (records per commune and entity) and a sheet
  per entity, each sheet's XML written row by row into its zip member as the records are read
  (the summary and the workbook's small parts last), so its first bytes leave at once;
- ``models.geojson`` (:mod:`.geojson`): a FeatureCollection of the models that have a ``location``;
- ``media.zip`` (:mod:`.media_zip`): the evidence files, plus ``missing.csv``.

Around them: :mod:`.query` (what was asked, checked), :mod:`.columns` (columns, labels and values),
:mod:`.filters` (which records are kept), :mod:`.rows` (one snapshot, the records streamed),
:mod:`.zips` (archives written front to back by stream-zip), :mod:`.sheets` (SpreadsheetML, the
xlsx's XML, written front to back). :func:`parse_query` checks what was asked (the API's route
and the staff pages' downloads both call it), ``services.downloads`` checks it against the
caller's scope and plans, :func:`stream` writes the file and :func:`download_headers` names it.

Decisions, for the district staff who open these in Excel and QGIS:

- **Columns.** Geopoints are four numeric columns, ``<name>_lat``, ``<name>_lon``,
  ``<name>_accuracy``, ``<name>_altitude``: Excel sorts and filters them and QGIS reads them as
  X/Y. References hold the referenced ``record_id``, so sheets join on it (VLOOKUP, a QGIS join).
- **Values.** Choice values become their labels in ``lang`` (a ``select_multiple`` joined with
  ``"; "``); ``review_state`` is shown as a label as well, a record without one counting as
  pending. CSV numbers use a ``.`` decimal point (for Excel in a Vietnamese locale, the xlsx has
  real numbers and dates). A CSV text that starts with ``= + - @`` or a tab gets a leading ``'``,
  so Excel never runs a field officer's text as a formula. ``updated_at`` is UTC.
- **Filters.** ``content_area`` and ``status`` select models and what hangs off them;
  ``review_state`` filters every entity by the record's own state; ``from``/``to`` by the UTC date
  of ``updated_at``, inclusive.
- **Deleted records** appear only with ``include_deleted=true``, with their last fields.
- **Consistency.** Each export reads in one transaction (``REPEATABLE READ`` on PostgreSQL).
- **Errors** are all found before the first byte is sent (unknown export → ``not_found``, a bad
  filter → ``invalid_request``, a unit outside the caller's subtree → ``not_found``, any ``plan``
  → ``not_found``: no plans exist in this version). A failure while streaming cuts the download
  short; the client sees a broken file, never a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine

from server.exports.csv_zip import csv_zip
from server.exports.geojson import geojson
from server.exports.media_zip import media_zip
from server.exports.query import EXPORTS, ExportQuery, PreparedExport, parse_query
from server.exports.xlsx import xlsx
from server.storage import BlobStore

__all__ = [
    "EXPORTS",
    "ExportQuery",
    "PreparedExport",
    "download_headers",
    "parse_query",
    "stream",
]


def download_headers(prepared: PreparedExport) -> dict[str, str]:
    """The response headers of a download: its file name, and no cache outside the browser."""
    return {
        "Content-Disposition": f'attachment; filename="{prepared.filename}"',
        "Cache-Control": "private, no-store",
    }


def stream(engine: Engine, blobs: BlobStore, prepared: PreparedExport) -> Iterator[bytes]:
    """The export's bytes, chunk by chunk; a sync generator (Starlette runs it in its threadpool)."""
    name = prepared.query.name
    if name == "records.csv.zip":
        return csv_zip(engine, prepared)
    if name == "records.xlsx":
        return xlsx(engine, prepared)
    if name == "models.geojson":
        return geojson(engine, prepared)
    return media_zip(engine, blobs, prepared)
