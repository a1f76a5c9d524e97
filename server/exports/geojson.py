"""``models.geojson``: a FeatureCollection of the models that have a usable ``location``.

Each feature's properties are the model's columns (:mod:`server.exports.columns`) but the
latitude and longitude, which are its geometry; QGIS reads it as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Engine

from server import store
from server.exports.columns import cell, entity_columns, number
from server.exports.filters import links
from server.exports.query import PreparedExport
from server.exports.rows import records, snapshot
from server.exports.zips import FLUSH


def geojson(engine: Engine, prepared: PreparedExport) -> Iterator[bytes]:
    q = prepared.query
    cols = [
        c
        for c in entity_columns("model", include_deleted=q.include_deleted, tree=prepared.tree)
        if c.part not in ("lat", "lon")
    ]
    yield b'{"type":"FeatureCollection","features":['
    with snapshot(engine) as conn:
        names = store.units.names_under(conn, prepared.unit_code)
        found = links(conn, prepared)
        buf = bytearray()
        first = True
        for row, fields in records(conn, prepared, "model", found):
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
            if len(buf) >= FLUSH:
                yield bytes(buf)
                buf.clear()
        if buf:
            yield bytes(buf)
    yield b"]}"


def _point(value: Any) -> list[float] | None:
    """``[lon, lat]`` of a geopoint, or None when it is missing or not a usable position."""
    if not isinstance(value, dict):
        return None
    lat, lon = number(value.get("lat")), number(value.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return [lon, lat]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value
