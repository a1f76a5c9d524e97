"""The deployment's blob store, from its settings: ``DKST_BLOB_URL`` or the local directory.

Apart from :mod:`server.storage` so that the S3 store (which builds on that module) is imported
only where a bucket is configured, and without a circle.
"""

from __future__ import annotations

from functools import lru_cache

from server.config import ServerSettings
from server.storage import BlobStore, LocalBlobStore

__all__ = ["blob_store"]


def blob_store(settings: ServerSettings) -> BlobStore:
    """The deployment's store: ``DKST_BLOB_URL`` (``s3://bucket/prefix``), else the local directory.

    One per process and configuration: an S3 client holds a connection pool worth sharing.
    """
    if not settings.blob_url:
        return LocalBlobStore(settings.attachments_dir)
    return _s3_store(
        settings.blob_url,
        settings.s3_endpoint_url,
        settings.s3_region,
        settings.s3_addressing_style,
        settings.s3_timeout_seconds,
    )


@lru_cache(maxsize=8)
def _s3_store(
    url: str, endpoint: str | None, region: str | None, style: str, timeout: float
) -> BlobStore:
    from server.storage_s3 import S3BlobStore  # boto3 only where a bucket is configured

    return S3BlobStore.from_url(
        url, endpoint_url=endpoint, region=region, addressing_style=style, timeout=timeout
    )
