"""The server's settings from the environment (``DKST_*``; ``DATABASE_URL`` too), one per process.

The device has its own (``mobile.core.store.Settings``, kept in its database); this is the server's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DKST_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "DKST_DATABASE_URL")
    )
    token_ttl_seconds: int = 14 * 24 * 3600
    max_body_bytes: int = 64 * MiB
    max_file_bytes: int = 25 * MiB
    # An XLSForm upload (POST /forms, the staff web's publish page): a real form is tens of KB
    max_form_bytes: int = 2 * MiB
    max_batch: int = 1000
    clock_skew_seconds: int = 24 * 3600
    login_fail_limit_user: int = 10
    login_fail_limit_ip: int = 100
    login_window_seconds: int = 15 * 60
    retry_after_seconds: int = 5
    # Staff web pages: the map's tile URL ("" = no tiles, the points alone: an office may be
    # offline), e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; where npm put the
    # front-end packages (server/web/node_modules by default, installed by ./dev).
    map_tile_url: str = ""
    web_assets_dir: Path | None = None
    # The address phones and browsers reach this server at (the set-up QR code holds it), e.g.
    # "https://dkst.example.vn"; `dkst serve` sets it from --host/--port when not given. Never
    # taken from a request's Host header, which the sender chooses (issue 16).
    public_url: str = ""
    # Where evidence files live (issue 21): "" = the local directory data_dir/attachments (the
    # embedded default); "s3://bucket/prefix" = an S3-compatible bucket (AWS S3, MinIO, Ceph,
    # Garage, R2). Credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID, …, or a
    # role); the endpoint and region may be given here or by the standard AWS variables.
    blob_url: str = ""
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "DKST_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"
        ),
    )
    s3_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DKST_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    # "path" for MinIO and Ceph (http://host:9000/bucket/key), "virtual" for AWS's bucket.host.
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # Connect and read timeout of one call to the bucket: an outage answers 503 this soon.
    s3_timeout_seconds: float = 10.0
    # GET /attachments/{sha256} answers a redirect to a URL signed for this many seconds instead
    # of streaming the file through the API (0: stream; only with an S3 store).
    blob_presign_seconds: int = 0
    # GET /metrics answers only a request with "Authorization: Bearer <this>"; unset, it is 404
    # (the figures tell an outsider how busy the server is and which routes are used).
    metrics_token: str = ""

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dkst.sqlite').resolve()}"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"
