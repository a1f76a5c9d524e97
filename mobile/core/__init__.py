"""The field app without its screens: local store, outbox, sync client, photos and location.

Nothing here imports Kivy (``mobile.ui`` does) or the server (only HTTP and SYNC.md lie between).
"""

from mobile.core.device import Device, LoginFailed, NotLoggedIn, account_paths
from mobile.core.errors import DeviceError, DeviceErrorCode, Refused, UnknownForm
from mobile.core.http import DeviceApiError, NeedsLogin, ServerUnreachable
from mobile.core.location import (
    Fix,
    FixQuality,
    LocationProvider,
    LocationUnavailable,
    ManualLocationProvider,
    PlyerLocationProvider,
    StaticLocationProvider,
    classify,
    default_provider,
)
from mobile.core.media import MediaStore, StoredFile, UnsupportedFile
from mobile.core.records import Issue, ListItem, LocalRecord, RecordNotFound, Records, SaveResult
from mobile.core.settings import DeviceSettings
from mobile.core.store import Store, StoreError
from mobile.core.sync import Progress, SyncReport

__all__ = [
    "Device",
    "DeviceApiError",
    "DeviceError",
    "DeviceErrorCode",
    "DeviceSettings",
    "Fix",
    "FixQuality",
    "Issue",
    "ListItem",
    "LocalRecord",
    "LocationProvider",
    "LocationUnavailable",
    "LoginFailed",
    "ManualLocationProvider",
    "MediaStore",
    "NeedsLogin",
    "NotLoggedIn",
    "PlyerLocationProvider",
    "Progress",
    "RecordNotFound",
    "Records",
    "Refused",
    "SaveResult",
    "ServerUnreachable",
    "StaticLocationProvider",
    "Store",
    "StoreError",
    "StoredFile",
    "SyncReport",
    "UnknownForm",
    "UnsupportedFile",
    "account_paths",
    "classify",
    "default_provider",
]
