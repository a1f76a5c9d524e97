"""Readiness (``GET /api/v1/health/ready``): whether what a request needs answers right now.

A load balancer sends no traffic to a process that is not ready; liveness (``/health``) only says
the process runs. Each check is one round trip: a query of the database, and the store's own ping
(a HEAD of the bucket, or a look at the directory).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from server import store
from server.db.engine import read_tx
from server.storage import BlobStore, BlobStoreUnavailable

__all__ = ["readiness"]

log = logging.getLogger("dkst.server")


def readiness(engine: Engine, blobs: BlobStore) -> list[str]:
    """The parts that do not answer: ``database``, ``blob_store``; empty when ready."""
    down = []
    try:
        with read_tx(engine) as conn:
            store.meta.ping(conn)
    except SQLAlchemyError as exc:
        log.warning("not ready: database: %s", exc)
        down.append("database")
    try:
        blobs.ping()
    except (BlobStoreUnavailable, OSError) as exc:
        log.warning("not ready: blob store: %s", exc)
        down.append("blob_store")
    return down
