"""``dkst backup`` and ``dkst restore``: a snapshot a fresh server can be rebuilt from (issue 21).

A backup is a directory:

- ``dkst.sqlite`` or ``dkst.pgdump``: the database, one consistent state (:mod:`server.db.backup`);
- ``files.csv``: ``sha256,size`` of every complete file that copy of the database records;
- ``files/``: the files themselves, as a local store (``ab/cd/<sha256>``), unless ``--no-files``
  (a bucket with versioning or replication of its own may be left to keep them);
- ``manifest.json``: what the rest is, with the SHA-256 of the database file; written last, so a
  directory without it is a backup that did not finish.

The list of files is read from the copy, not from the live database, so it says exactly what the
restored server will expect. Files are never deleted, only added, so every file the copy records is
in the store when the copy is taken.

Restore puts the database into an empty one, copies ``files/`` into the new server's store
(verified, resumable: :func:`server.services.storage.migrate`), then reads back every file of
``files.csv`` from that store and checks its hash: a restore is reported whole only when all are.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.clock import iso
from server.config import ServerSettings
from server.db import backup as db_backup
from server.db.engine import make_engine
from server.services.storage import MigrateReport, digest_of, migrate, recorded_files
from server.storage import BlobStore, LocalBlobStore

__all__ = ["RestoreReport", "backup", "restore"]

FORMAT = "dkst-backup/1"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1024 * 1024):
            h.update(block)
    return h.hexdigest()


def _copy_url(copy: Path, settings: ServerSettings) -> str | None:
    """A URL to read the copied database's file list from; None for PostgreSQL (the live one)."""
    return f"sqlite:///{copy.resolve()}" if copy.name == db_backup.SQLITE_FILE else None


def backup(settings: ServerSettings, blobs: BlobStore, out: Path, *, files: bool) -> dict[str, Any]:
    """Write a backup into the new or empty directory ``out``; its manifest."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise RuntimeError(f"{out} is not empty")
    copy = db_backup.dump(settings.db_url, out)
    # SQLite: the list from the copy itself. PostgreSQL: from the live database after the dump,
    # a superset of the dump's (files are only ever added), so none the copy names is left out.
    engine = make_engine(_copy_url(copy, settings) or settings.db_url)
    count = size = 0
    try:
        with open(out / "files.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["sha256", "size"])
            for sha, n in recorded_files(engine):
                w.writerow([sha, n])
                count, size = count + 1, size + n
    finally:
        engine.dispose()
    copied: MigrateReport | None = None
    if files:
        copied = migrate(blobs, LocalBlobStore(out / "files"), only=_listed(out))
        if not copied.ok:
            raise RuntimeError(
                f"{len(copied.corrupt_source)} files do not have their hash in the store"
            )
    manifest = {
        "format": FORMAT,
        "created_at": iso(),
        "database": {"file": copy.name, "sha256": _sha256_file(copy)},
        "blob_url": settings.blob_url,
        "files": {"list": "files.csv", "count": count, "bytes": size, "copied": files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _listed(folder: Path) -> set[str]:
    with open(folder / "files.csv", newline="", encoding="utf-8") as f:
        return {row["sha256"] for row in csv.DictReader(f)}


@dataclass
class RestoreReport:
    files: int
    copied: int
    missing: list[str]
    corrupt: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.corrupt)


def restore(settings: ServerSettings, blobs: BlobStore, folder: Path) -> RestoreReport:
    """Rebuild the (empty) server of ``settings`` from the backup in ``folder``."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise RuntimeError(f"not a backup of this kind: {manifest.get('format')!r}")
    copy = folder / manifest["database"]["file"]
    if _sha256_file(copy) != manifest["database"]["sha256"]:
        raise RuntimeError(f"{copy.name} is not the file the backup wrote (its hash differs)")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db_backup.load(settings.db_url, copy)
    wanted = _listed(folder)
    copied = 0
    if manifest["files"]["copied"]:
        report = migrate(LocalBlobStore(folder / "files"), blobs, only=wanted)
        copied = len(report.copied)
    missing, corrupt = [], []
    for sha in sorted(wanted):
        found = digest_of(blobs, sha)
        if found is None:
            missing.append(sha)
        elif found != sha:
            corrupt.append(sha)
    return RestoreReport(len(wanted), copied, missing, corrupt)
