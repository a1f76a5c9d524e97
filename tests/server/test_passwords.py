"""server/services/passwords.py: full-strength Argon2 unless DKST_PASSWORD_HASH=test says
otherwise (the test suite's cheap hashes must never be the default), and a stored hash is checked
at the cost it was made with, whatever the setting now."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from server.services import passwords


def test_the_default_is_full_strength(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(passwords.PROFILE_ENV, raising=False)
    assert passwords.profile() == "standard"
    stored = passwords.hash_password("mật khẩu đủ dài")
    params = PasswordHasher().check_needs_rehash(stored)
    assert params is False  # argon2-cffi's own recommended parameters: nothing to upgrade
    assert "m=65536" in stored and "t=3" in stored


def test_the_tests_cost_is_asked_for_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(passwords.PROFILE_ENV, "test")
    cheap = passwords.hash_password("mật khẩu đủ dài")
    assert "m=8" in cheap and "t=1" in cheap
    monkeypatch.setenv(passwords.PROFILE_ENV, "weak")
    with pytest.raises(ValueError, match="DKST_PASSWORD_HASH"):
        passwords.profile()


def test_a_stored_hash_keeps_its_own_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(passwords.PROFILE_ENV, "test")
    cheap = passwords.hash_password("một")
    monkeypatch.delenv(passwords.PROFILE_ENV)
    strong = passwords.hash_password("hai")
    monkeypatch.setenv(passwords.PROFILE_ENV, "test")
    assert passwords.verify(strong, "hai") and passwords.verify(cheap, "một")
    assert not passwords.verify(strong, "một") and not passwords.verify(None, "một")
