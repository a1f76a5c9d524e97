"""Moving evidence files between stores, and checking a store against the database (issue 21).

``dkst storage migrate --to s3|local`` copies every complete file from one store to the other. Each
file is written to the target by :meth:`~server.storage.BlobStore.put_blob`, which refuses bytes that
do not have the file's hash, then read back from the target and hashed again. A file already in the
target whose hash verifies is left as it is, so a migration cut short is resumed by running it
again. The source is deleted from only when asked, and only once every file of the run verified in
the target: until then both stores hold everything.

``dkst storage check`` reads every file the database says is complete from the store and reports
those missing and those whose bytes no longer have their hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine

from server import store
from server.db.engine import read_tx
from server.storage import BlobStore

__all__ = ["CheckReport", "MigrateReport", "check", "migrate", "recorded_files"]

_BLOCK = 1024 * 1024


def digest_of(blobs: BlobStore, sha256: str) -> str | None:
    """The SHA-256 of the stored file's bytes; None when it is not stored."""
    try:
        f = blobs.open_blob(sha256)
    except FileNotFoundError:
        return None
    h = hashlib.sha256()
    with f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def recorded_files(engine: Engine) -> Iterator[tuple[str, int]]:
    """``(sha256, size)`` of every complete file in the database, a page per transaction."""
    after = ""
    while True:
        with read_tx(engine) as conn:
            page = store.attachments.complete_page(conn, after=after)
        yield from page
        if not page:
            return
        after = page[-1][0]


@dataclass
class MigrateReport:
    copied: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # in the target and verified: not copied
    corrupt_source: list[str] = field(default_factory=list)  # bytes not of their hash: not copied
    failed: list[str] = field(default_factory=list)  # copied but not verified in the target
    missing_source: list[str] = field(default_factory=list)  # named by ``only``, not in the source
    deleted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.corrupt_source or self.failed or self.missing_source)


def migrate(
    source: BlobStore,
    target: BlobStore,
    *,
    delete_source: bool = False,
    only: set[str] | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> MigrateReport:
    """Copy every file of ``source`` (or those of ``only``) into ``target``, verified; see the
    module docstring."""
    report = MigrateReport()
    say = progress or (lambda _sha, _what: None)
    names = sorted(source.blobs()) if only is None else sorted(only)
    for sha in names:
        if digest_of(target, sha) == sha:
            report.already.append(sha)
            say(sha, "already")
            continue
        try:
            with source.open_blob(sha) as f:
                target.put_blob(sha, f)
        except FileNotFoundError:
            report.missing_source.append(sha)
            say(sha, "missing from the source")
            continue
        except ValueError:
            report.corrupt_source.append(sha)
            say(sha, "corrupt in the source")
            continue
        if digest_of(target, sha) == sha:
            report.copied.append(sha)
            say(sha, "copied")
        else:
            report.failed.append(sha)
            say(sha, "not verified in the target")
    if delete_source and report.ok:
        for sha in report.copied + report.already:
            source.delete_blob(sha)
            report.deleted.append(sha)
    return report


@dataclass
class CheckReport:
    checked: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.corrupt)


def check(engine: Engine, blobs: BlobStore) -> CheckReport:
    """Every file the database records as complete, read back from ``blobs`` and hashed."""
    report = CheckReport()
    for sha, size in recorded_files(engine):
        report.checked += 1
        found = digest_of(blobs, sha)
        if found is None:
            report.missing.append(sha)
        elif found != sha:
            report.corrupt.append(sha)
        else:
            report.bytes += size
    return report
