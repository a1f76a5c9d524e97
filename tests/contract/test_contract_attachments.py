"""SYNC.md "Attachments (evidence files): content-addressed, resumable"."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest

from tests.contract import (
    DAK_WIL,
    EA_TLING,
    Client,
    assert_error,
    create_model,
    uid,
)
from tests.support.records import record_fields

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PDF = b"%PDF-1.4\n"
MAX_FILE = 25 * 1024 * 1024


def blob(magic: bytes = PNG, size: int = 4000) -> tuple[bytes, str]:
    data = magic + os.urandom(size - len(magic))
    return data, hashlib.sha256(data).hexdigest()


def put(
    cl: Client,
    sha: str,
    chunk: bytes,
    start: int,
    total: int,
    ctype: str = "image/png",
    end: int | None = None,
) -> httpx.Response:
    end = start + len(chunk) - 1 if end is None else end
    return cl.request(
        "PUT",
        f"/attachments/{sha}",
        content=chunk,
        headers={"Content-Range": f"bytes {start}-{end}/{total}", "Content-Type": ctype},
    )


def head(cl: Client, sha: str) -> httpx.Response:
    return cl.request("HEAD", f"/attachments/{sha}")


def upload(cl: Client, data: bytes, sha: str, ctype: str = "image/png") -> httpx.Response:
    return put(cl, sha, data, 0, len(data), ctype)


def name_in_evidence(cl: Client, sha: str, size: int, unit: str = DAK_WIL) -> tuple[str, int]:
    mid = create_model(cl, unit)
    eid = uid()
    res = cl.push1(
        cl.change(
            "evidence",
            eid,
            record_fields(
                "evidence",
                unit,
                model=mid,
                sha256=sha,
                size=size,
                media_type="image/png",
                caption="ảnh",
            ),
        )
    )
    assert res["status"] == "applied", res
    return eid, res["rev"]


def test_single_chunk_upload_head_get_reput(c: dict[str, Client]) -> None:
    a = c["a"]
    data, sha = blob()
    assert head(a, sha).status_code == 404
    r = upload(a, data, sha)
    assert r.status_code == 201, r.text
    h = head(a, sha)
    assert h.status_code == 200
    assert h.headers["Upload-Complete"] == "?1"
    assert int(h.headers["Content-Length"]) == len(data)
    assert h.content == b""
    g = a.get(f"/attachments/{sha}")
    assert g.status_code == 200 and g.content == data
    r = upload(a, data, sha)
    assert r.status_code == 200, r.text
    assert a.get(f"/attachments/{sha}").content == data


def test_chunked_upload(c: dict[str, Client]) -> None:
    a = c["a"]
    data, sha = blob(JPEG, 3000)
    r = put(a, sha, data[:1000], 0, 3000, "image/jpeg")
    assert r.status_code == 204, r.text
    assert r.headers["Upload-Offset"] == "1000"
    h = head(a, sha)
    assert h.status_code == 200
    assert h.headers["Upload-Complete"] == "?0" and h.headers["Upload-Offset"] == "1000"
    # a chunk that does not start at the stored offset
    for start in (0, 500, 1001, 2000):
        r = put(a, sha, data[start : start + 1000], start, 3000, "image/jpeg")
        err = assert_error(r, 409, "offset_mismatch")
        assert r.headers["Upload-Offset"] == "1000", err
    # a changed total
    r = put(a, sha, data[1000:2000], 1000, 4000, "image/jpeg")
    assert_error(r, 409, "offset_mismatch")
    assert r.headers["Upload-Offset"] == "1000"
    r = put(a, sha, data[1000:2000], 1000, 3000, "image/jpeg")
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "2000"
    # the partial is not served
    assert a.get(f"/attachments/{sha}").status_code == 404
    r = put(a, sha, data[2000:], 2000, 3000, "image/jpeg")
    assert r.status_code == 201, r.text
    h = head(a, sha)
    assert h.headers["Upload-Complete"] == "?1" and h.headers["Content-Length"] == "3000"
    assert a.get(f"/attachments/{sha}").content == data


def test_resume_from_another_device_of_same_user(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    data, sha = blob(PDF, 2000)
    assert put(a, sha, data[:700], 0, 2000, "application/pdf").status_code == 204
    h = head(b, sha)
    assert h.status_code == 200 and h.headers["Upload-Offset"] == "700"
    assert put(b, sha, data[700:], 700, 2000, "application/pdf").status_code == 201
    assert b.get(f"/attachments/{sha}").content == data


def test_hash_mismatch_discards_partial(c: dict[str, Client]) -> None:
    a = c["a"]
    data, _ = blob()
    sha = hashlib.sha256(b"something else").hexdigest()
    assert put(a, sha, data[:2000], 0, len(data)).status_code == 204
    r = put(a, sha, data[2000:], 2000, len(data))
    assert_error(r, 422, "hash_mismatch")
    assert head(a, sha).status_code == 404
    # single-chunk mismatch too
    r = upload(a, data, sha)
    assert_error(r, 422, "hash_mismatch")
    assert head(a, sha).status_code == 404
    # after discarding, a fresh upload of the right bytes starts at 0
    r = upload(a, data, hashlib.sha256(data).hexdigest())
    assert r.status_code == 201


@pytest.mark.parametrize(
    "sha",
    ["abc", "0" * 63, "0" * 65, "g" * 64, "z" + "0" * 63, "0" * 64 + ".png", "%2e%2e%2fetc"],
)
def test_bad_sha_is_404(c: dict[str, Client], sha: str) -> None:
    a = c["a"]
    assert head(a, sha).status_code == 404
    assert_error(a.get(f"/attachments/{sha}"), 404, "not_found")
    assert_error(put(a, sha, PNG + b"x" * 10, 0, 18), 404, "not_found")


def test_uppercase_hex_sha(c: dict[str, Client]) -> None:
    # "64 hex digits": upper case is hex too; SYNC.md does not say whether it names the same file.
    a = c["a"]
    data, sha = blob()
    assert upload(a, data, sha).status_code == 201
    r = a.get(f"/attachments/{sha.upper()}")
    assert r.status_code in (200, 404)
    if r.status_code == 200:
        assert r.content == data
    else:
        assert_error(r, 404, "not_found")


@pytest.mark.parametrize(
    "magic,ctype",
    [
        (b"hello world, plain text", "image/png"),
        (PNG, "text/plain"),
        (b"MZ\x90\x00executable", "application/octet-stream"),
        (b"<html><body>", "image/jpeg"),
        (b"GIF89a", "image/gif"),
    ],
)
def test_unsupported_media_type(c: dict[str, Client], magic: bytes, ctype: str) -> None:
    a = c["a"]
    data, sha = blob(magic, 1000)
    assert_error(upload(a, data, sha, ctype), 415, "unsupported_media_type")
    assert head(a, sha).status_code == 404


@pytest.mark.parametrize(
    "magic,ctype",
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\xff\xf1\x50\x80\x00\x1f\xfc", "audio/aac"),
    ],
)
def test_allowed_media_types(c: dict[str, Client], magic: bytes, ctype: str) -> None:
    a = c["a"]
    data, sha = blob(magic, 1000)
    r = upload(a, data, sha, ctype)
    assert r.status_code == 201, r.text


def test_file_too_large_checked_on_first_chunk(c: dict[str, Client]) -> None:
    a = c["a"]
    data, sha = blob(PNG, 1000)
    r = put(a, sha, data, 0, MAX_FILE + 1)
    assert_error(r, 413, "file_too_large")
    assert head(a, sha).status_code == 404
    # exactly the limit is fine as a first chunk
    r = put(a, sha, data, 0, MAX_FILE)
    assert r.status_code == 204, r.text


def test_415_before_413(c: dict[str, Client]) -> None:
    a = c["a"]
    data, sha = blob(b"plain text here", 1000)
    r = put(a, sha, data, 0, MAX_FILE + 1, "text/plain")
    assert_error(r, 415, "unsupported_media_type")
    r = put(a, sha, data, 0, MAX_FILE + 1, "image/png")
    assert_error(r, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_range",
    [None, "bytes 0-9/x", "bytes */10", "items 0-9/10", "bytes 5-2/10", "bytes 0-99/10", "garbage"],
)
def test_bad_content_range(c: dict[str, Client], content_range: str | None) -> None:
    a = c["a"]
    data, sha = blob(PNG, 10)
    headers = {"Content-Type": "image/png"}
    if content_range:
        headers["Content-Range"] = content_range
    r = a.request("PUT", f"/attachments/{sha}", content=data, headers=headers)
    assert 400 <= r.status_code < 500 and r.status_code != 404, r.text
    assert_error(r, r.status_code)


def test_chunk_length_must_match_range(c: dict[str, Client]) -> None:
    a = c["a"]
    data, sha = blob(PNG, 100)
    r = put(a, sha, data[:50], 0, 100, end=79)  # says 80 bytes, sends 50
    assert 400 <= r.status_code < 500, r.text
    assert_error(r, r.status_code)


# -- visibility --------------------------------------------------------------------------------


def test_visibility_rules(c: dict[str, Client]) -> None:
    a, b, o2, cs, d = c["a"], c["b"], c["o2"], c["commune"], c["district"]
    data, sha = blob()
    assert upload(a, data, sha).status_code == 201
    # the uploader's user from any device
    assert head(b, sha).status_code == 200
    # nobody else yet, not even the same commune's staff
    for other in (o2, cs, d):
        assert head(other, sha).status_code == 404
        assert_error(other.get(f"/attachments/{sha}"), 404, "not_found")
    # an evidence record in scope makes it visible
    eid, rev = name_in_evidence(a, sha, len(data))
    for who in (cs, d):
        assert head(who, sha).status_code == 200
        assert who.get(f"/attachments/{sha}").content == data
        assert put(who, sha, data, 0, len(data)).status_code == 200  # complete & visible
    assert head(o2, sha).status_code == 404
    # a deleted evidence record no longer makes its file visible
    assert a.push1(a.delete("evidence", eid, base_rev=rev))["status"] == "applied"
    for who in (cs, d):
        assert head(who, sha).status_code == 404
        assert_error(who.get(f"/attachments/{sha}"), 404, "not_found")
    assert head(a, sha).status_code == 200 and head(b, sha).status_code == 200


def test_evidence_before_upload(c: dict[str, Client]) -> None:
    a, cs = c["a"], c["commune"]
    data, sha = blob()
    name_in_evidence(a, sha, len(data))
    assert head(cs, sha).status_code == 404
    assert head(a, sha).status_code == 404
    assert upload(a, data, sha).status_code == 201
    assert head(cs, sha).status_code == 200


def test_evidence_out_of_scope_does_not_reveal(c: dict[str, Client]) -> None:
    a, o2, d = c["a"], c["o2"], c["district"]
    data, sha = blob()
    assert upload(o2, data, sha).status_code == 201
    name_in_evidence(o2, sha, len(data), EA_TLING)
    assert head(a, sha).status_code == 404
    assert head(d, sha).status_code == 200


def test_invisible_complete_file_is_uploaded_like_new(c: dict[str, Client]) -> None:
    # "the hash of a file says nothing across scopes": a PUT by someone who cannot see the file
    # must not answer 200 ("already complete and visible"); it is an upload like any other.
    a, o2 = c["a"], c["o2"]
    data, sha = blob()
    assert upload(a, data, sha).status_code == 201
    r = upload(o2, data, sha)
    assert r.status_code == 201, r.text
    assert o2.get(f"/attachments/{sha}").content == data


def test_partial_belongs_to_user_who_started(c: dict[str, Client]) -> None:
    a, o2 = c["a"], c["o2"]
    data, sha = blob(PNG, 3000)
    assert put(a, sha, data[:1000], 0, 3000).status_code == 204
    assert head(o2, sha).status_code == 404
    # to o2 the file does not exist: its stored offset is 0, never a's 1000
    r = put(o2, sha, data[1000:2000], 1000, 3000)
    assert_error(r, 409, "offset_mismatch")
    assert r.headers["Upload-Offset"] == "0"
    r = put(o2, sha, data[:1000], 0, 3000)
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "1000", r.text
    # a's own partial is untouched
    h = head(a, sha)
    assert h.status_code == 200 and h.headers["Upload-Offset"] == "1000"


def test_gzip_response_for_get(c: dict[str, Client]) -> None:
    a = c["a"]
    data, sha = blob(PDF, 20000)
    assert upload(a, data, sha, "application/pdf").status_code == 201
    r = a.get(f"/attachments/{sha}", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.content == data
