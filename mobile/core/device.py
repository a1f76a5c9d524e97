"""The field app's one object: an account (server + username) on a data directory.

Where an account's files lie in the data directory, and which account is the current one, is
:mod:`mobile.core.data_dir`'s. The device id belongs to the data directory (the phone), because
the server binds tokens to devices.

A ``Device`` and its SQLite connection belong to one thread; a UI runs sync on a second
``Device`` opened on the same directory (WAL lets them read and write side by side).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mobile.core.clock import DeviceClock, utc_now, wall_ms
from mobile.core.data_dir import account_paths, read_device_json, write_device_json
from mobile.core.errors import DeviceErrorCode, Refused
from mobile.core.forms import FormCatalog
from mobile.core.http import ApiClient, DeviceApiError, NeedsLogin, RetryPolicy
from mobile.core.media import MediaStore, StoredFile
from mobile.core.outbox import Outbox
from mobile.core.records import Records, SaveResult
from mobile.core.settings import DeviceSettings, officer_changes
from mobile.core.store import Store
from mobile.core.store import reference as store_reference
from mobile.core.sync import Progress, Synchronizer, SyncReport
from shared_schema.errors import ErrorCode
from shared_schema.hlc import DEVICE_ID_RE

__all__ = ["Device", "LoginFailed", "NotLoggedIn", "account_paths"]


class NotLoggedIn(RuntimeError):
    """No account on this data directory yet: log in first."""


class LoginFailed(RuntimeError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Device:
    def __init__(
        self,
        data_dir: str | Path,
        server: str,
        username: str,
        *,
        device_id: str,
        wall: Callable[[], int] = wall_ms,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.server = server.rstrip("/")
        self.username = username
        self.device_id = device_id
        paths = account_paths(self.data_dir, self.server, username)
        self.store = Store(paths.database)
        self.clock = DeviceClock(self.store, device_id, wall=wall)
        self.forms = FormCatalog(self.store)
        self.records = Records(self.store, self.forms, self.clock)
        self.outbox = Outbox(self.store, self.clock)
        self.media = MediaStore(paths.files, self.store)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        data_dir: str | Path,
        *,
        server: str | None = None,
        username: str | None = None,
        wall: Callable[[], int] = wall_ms,
    ) -> Device:
        """The current account of ``data_dir`` (or the one named)."""
        data_dir = Path(data_dir)
        meta = read_device_json(data_dir)
        current = meta.get("current") or {}
        server = server or current.get("server")
        username = username or current.get("username")
        if not server or not username or not meta.get("device_id"):
            raise NotLoggedIn(f"no account in {data_dir}: run `dkst device login` first")
        return cls(data_dir, server, username, device_id=meta["device_id"], wall=wall)

    @classmethod
    def login(
        cls,
        data_dir: str | Path,
        *,
        server: str,
        username: str,
        password: str,
        device_id: str | None = None,
        wall: Callable[[], int] = wall_ms,
    ) -> Device:
        """Log in (``POST /auth/token``) and make this account the data directory's current one."""
        data_dir = Path(data_dir)
        meta = read_device_json(data_dir)
        device_id = device_id or meta.get("device_id") or f"dkst-{uuid.uuid4().hex[:16]}"
        if not DEVICE_ID_RE.fullmatch(device_id):
            raise Refused(DeviceErrorCode.INVALID_DEVICE_ID, device_id=device_id)
        device = cls(data_dir, server, username, device_id=device_id, wall=wall)
        try:
            device._token(password)
        except BaseException:
            device.close()
            raise
        meta.update(
            {"device_id": device_id, "current": {"server": device.server, "username": username}}
        )
        write_device_json(data_dir, meta)
        return device

    def _client(self, *, token: str | None) -> ApiClient:
        s = self.store.settings()
        return ApiClient(
            self.server,
            token=token,
            gzip_requests=s.gzip,
            retry=RetryPolicy(s.retry_max_attempts, s.retry_base_s, s.retry_cap_s),
            on_server_time=self.clock.observe_server_time,
        )

    def _token(self, password: str) -> None:
        client = self._client(token=None)
        try:
            resp = client.request(
                "POST",
                "/auth/token",
                auth=False,
                data={
                    "grant_type": "password",
                    "username": self.username,
                    "password": password,
                    "device_id": self.device_id,
                },
            )
        except DeviceApiError as exc:
            if exc.code in (
                ErrorCode.INVALID_CREDENTIALS,
                ErrorCode.ACCOUNT_DISABLED,
                ErrorCode.DEVICE_REVOKED,
                ErrorCode.RATE_LIMITED,
            ):
                raise LoginFailed(exc.code, exc.message) from exc
            raise
        finally:
            client.close()
        body = resp.json()
        with self.store.transaction():
            self.store.set_state("token", body["access_token"])
            self.store.set_state("token_obtained_at", utc_now())
            self.store.set_state("token_expires_in", body.get("expires_in"))
            self.store.set_state("user", body.get("user"))
            self.store.set_state("device_id", self.device_id)
            self.store.set_state("server_url", self.server)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ work
    @property
    def user(self) -> dict[str, Any]:
        return self.store.get_state("user") or {}

    @property
    def logged_in(self) -> bool:
        """Whether the account holds a token (the server may still refuse it: a sync tells)."""
        return bool(self.store.get_state("token"))

    def log_out(self) -> None:
        """Forget the token. The account's records, drafts, outbox and files stay on the device,
        and are sent after the next login to this account."""
        with self.store.transaction():
            self.store.delete_state("token")

    def settings(self) -> DeviceSettings:
        return self.store.settings()

    def update_settings(
        self, *, gps_accept_m: float | None = None, photo_max_side: int | None = None
    ) -> DeviceSettings:
        """Save what the officer chose; :func:`~mobile.core.settings.officer_changes` holds the
        rule (the GPS warning threshold follows the accept one up) and what it refuses."""
        changes = officer_changes(
            self.store.settings(), gps_accept_m=gps_accept_m, photo_max_side=photo_max_side
        )
        return self.store.update_settings(**changes)

    def sync(
        self, progress: Callable[[Progress], None] | None = None, *, upload: bool = True
    ) -> SyncReport:
        """Push, pull, upload; safe to rerun. Raises ``NeedsLogin`` or ``ServerUnreachable``."""
        client = self.api_client()
        try:
            return self.synchronizer(client, progress).run(upload=upload)
        except NeedsLogin:
            # The server no longer takes this token (expired, user or device revoked): forget it
            # so the app shows the login screen; the outbox and records stay.
            self.log_out()
            raise
        finally:
            client.close()

    def api_client(self) -> ApiClient:
        """A client for this account's server with its token (the caller closes it)."""
        return self._client(token=self.store.get_state("token"))

    def synchronizer(
        self, client: ApiClient, progress: Callable[[Progress], None] | None = None
    ) -> Synchronizer:
        """The sync's steps over ``client`` (``sync`` runs them all; a benchmark times one)."""
        return Synchronizer(
            store=self.store,
            client=client,
            device_id=self.device_id,
            records=self.records,
            outbox=self.outbox,
            forms=self.forms,
            media=self.media,
            progress=progress,
        )

    def add_evidence(
        self,
        source: str | Path | bytes,
        *,
        parent_field: str,
        parent_id: str,
        caption: str = "",
        kind: str | None = None,
        extra: Mapping[str, Any] | None = None,
        finalize: bool = True,
    ) -> tuple[StoredFile, SaveResult]:
        """Store a photo or document and record it as evidence of a visit or model."""
        stored = self.add_file(source)
        parent = self.records.get(parent_id)
        values: dict[str, Any] = {
            parent_field: parent_id,
            "sha256": stored.sha256,
            "media_type": stored.media_type,
            "size": stored.size,
            "caption": caption,
            "kind": kind or ("document" if stored.media_type == "application/pdf" else "photo"),
        }
        form = self.forms.latest("evidence")
        names = {f.name for f in form.fields}
        if stored.taken_at and "captured_at" in names:
            values["captured_at"] = stored.taken_at
        if stored.gps and "location" in names:
            values["location"] = stored.gps
        values.update(extra or {})
        values = {k: v for k, v in values.items() if k in names or k in {"unit"}}
        result = self.records.create("evidence", values, unit=parent.unit, finalize=finalize)
        return stored, result

    def add_file(self, source: str | Path | bytes) -> StoredFile:
        """Store a photo (resized as the settings say) or a document for an attachment field."""
        s = self.store.settings()
        return self.media.add(source, max_side=s.photo_max_side, jpeg_quality=s.jpeg_quality)

    def local_file(self, sha256: str) -> Path | None:
        """An evidence file on this device, its own or fetched before (``fetch_file``), or None."""
        for path in (self.media.path_of(sha256), self.media.root / "cache" / sha256):
            if path.exists():
                return path
        return None

    def fetch_file(self, sha256: str, *, cache_limit_bytes: int = 200 * 1024 * 1024) -> Path:
        """An evidence file, local or recorded by another device (downloaded once, on demand).

        A downloaded file is checked against its hash and kept in ``<files>/cache/``; past
        ``cache_limit_bytes`` the least recently used ones go (this device's own files never do).
        Raises ``ApiError`` (``not_found`` while the other device has not uploaded it yet),
        ``NeedsLogin`` or ``ServerUnreachable``.
        """
        here = self.local_file(sha256)
        if here is not None:
            if here != self.media.path_of(sha256):
                here.touch()  # a cached one, recently used
            return here
        cache = self.media.root / "cache"
        path = cache / sha256
        client = self._client(token=self.store.get_state("token"))
        try:
            data = client.request("GET", f"/attachments/{sha256}").content
        finally:
            client.close()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise DeviceApiError(0, ErrorCode.HASH_MISMATCH, "the downloaded file does not match")
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache, prefix=".part-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        kept = sorted(
            (p for p in cache.iterdir() if not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        total = 0
        for p in kept:
            total += p.stat().st_size
            if total > cache_limit_bytes and p != path:
                p.unlink(missing_ok=True)
        return path

    def units(self) -> list[dict[str, Any]]:
        """The user's own units, with names once a sync has fetched the unit list."""
        codes = list(self.user.get("units") or [])
        names = store_reference.unit_names(self.store)
        trees = store_reference.unit_trees(self.store)
        return [
            {
                "code": c,
                "name": names.get(c, (c, None))[0],
                "level": names.get(c, (c, None))[1],
                "tree": trees.get(c),
            }
            for c in codes
        ]

    def units_tree(self) -> str | None:
        """The tree the server works in (``legacy`` / ``current``), from the last unit list."""
        return store_reference.units_tree(self.store)

    def status(self) -> dict[str, Any]:
        counts = self.outbox.counts()
        return {
            "server": self.server,
            "username": self.username,
            "device_id": self.device_id,
            "logged_in": self.logged_in,
            "records": self.records.count(),
            "drafts": self.records.draft_count(),
            "outbox": counts.__dict__,
            "files": self.media.counts(),
            "last_sync_at": self.store.get_state("last_sync_at"),
            "clock_offset_ms": self.clock.offset_ms,
            "rejected": [r.__dict__ for r in self.outbox.rejected()],
        }
