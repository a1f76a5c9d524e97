"""Password hashes: Argon2id at argon2-cffi's recommended cost, or a cheap one for tests only.

``DKST_PASSWORD_HASH=test`` picks parameters a thousand times cheaper (one pass over 8 KiB), so
that a test suite that creates and logs in hundreds of users does not spend minutes hashing. It is
never the default, and a server that runs with it says so in its log at every start. A hash keeps
its own parameters: whatever the setting, a stored hash is checked at the cost it was made with.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["PROFILE_ENV", "hash_password", "profile", "verify"]

log = logging.getLogger("dkst.server")
PROFILE_ENV = "DKST_PASSWORD_HASH"
_PARAMS: dict[str, dict[str, Any]] = {
    "standard": {},  # argon2-cffi's RFC 9106 "low memory" profile: 64 MiB, 3 passes
    "test": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
}


def profile() -> str:
    """``standard`` unless the environment asks for the tests' cheap hashes."""
    name = os.environ.get(PROFILE_ENV, "standard").strip() or "standard"
    if name not in _PARAMS:
        raise ValueError(f"{PROFILE_ENV} must be one of {', '.join(_PARAMS)}, not {name!r}")
    return name


@cache
def _hasher(name: str) -> PasswordHasher:
    if name != "standard":
        log.warning(
            "password hashes at the tests' cost (%s=%s): never in production", PROFILE_ENV, name
        )
    return PasswordHasher(**_PARAMS[name])


@cache
def _dummy(name: str) -> str:
    return _hasher(name).hash("dkst-dummy-password")


def hash_password(password: str) -> str:
    return _hasher(profile()).hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no user (``None``) a dummy hash is checked,
    so that "no such user" takes the time of "wrong password"."""
    name = profile()
    try:
        return _hasher(name).verify(stored or _dummy(name), password) and stored is not None
    except (VerificationError, InvalidHashError, UnicodeError):
        return False
