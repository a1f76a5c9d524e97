"""The provisioning QR payload: server, username, language, and nothing that opens an account."""

from __future__ import annotations

import json

import pytest

from shared_schema.provisioning import Provisioning, ProvisioningError, decode, encode


def test_round_trip() -> None:
    text = encode("https://dkst.example.vn/", "canbo.dakwil", "en")
    assert json.loads(text) == {
        "dkst": 1,
        "server": "https://dkst.example.vn/",
        "username": "canbo.dakwil",
        "lang": "en",
    }
    assert decode(text) == Provisioning("https://dkst.example.vn", "canbo.dakwil", "en")


@pytest.mark.parametrize(
    "payload",
    [
        {"dkst": 1, "server": "http://x.vn", "username": "lan", "password": "bí mật"},
        {"dkst": 1, "server": "http://x.vn", "username": "lan", "token": "abc"},
        {"dkst": 2, "server": "http://x.vn", "username": "lan"},
        {"dkst": 1, "server": "ftp://x.vn", "username": "lan"},
        {"dkst": 1, "server": "http://x.vn", "username": ""},
        {"dkst": 1, "server": "http://x.vn", "username": "lan", "lang": "fr"},
        ["not", "an", "object"],
    ],
)
def test_refused(payload: object) -> None:
    with pytest.raises(ProvisioningError):
        decode(json.dumps(payload))


def test_not_json() -> None:
    with pytest.raises(ProvisioningError):
        decode("WIFI:S:cafe;;")
