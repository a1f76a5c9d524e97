"""HEAD/PUT/GET /attachments/{sha256} (SYNC.md "Attachments") through real HTTP, SQLite and PostgreSQL,
each with its files in a local directory and in an S3 bucket (moto's server, over HTTP; issue 21).

Users (tests/conftest.py): ``officer`` and ``commune`` in Đắk Wil (24643), ``officer2`` in Ea T'Ling
(24640), ``district`` over Cư Jút (662). Every test uploads its own random bytes, so tests sharing
the module's server never see each other's files.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.server.helpers import change, client, error_code, new_id, push, record_fields

MiB = 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
SAMPLES = {  # first bytes of each accepted format, and the type the server stores
    "image/jpeg": (JPEG, "image/jpeg"),
    "image/png": (PNG, "image/png"),
    "image/webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    "application/pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    "audio/x-m4a": (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
    "audio/aac": (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
    "audio/mpeg": (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    "audio/ogg": (b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00", "audio/ogg"),
}


def make_file(size: int = 300_000, magic: bytes = JPEG) -> tuple[bytes, str]:
    data = magic + os.urandom(size - len(magic))
    return data, hashlib.sha256(data).hexdigest()


def put(
    c: httpx.Client,
    sha: str,
    data: bytes,
    start: int,
    end: int | None = None,
    *,
    total: int | None = None,
    media_type: str = "image/jpeg",
) -> httpx.Response:
    """PUT bytes ``start..end`` (inclusive; default: to the end) of ``data``."""
    end = len(data) - 1 if end is None else end
    total = len(data) if total is None else total
    return c.put(
        f"/attachments/{sha}",
        content=data[start : end + 1],
        headers={"Content-Range": f"bytes {start}-{end}/{total}", "Content-Type": media_type},
    )


def upload(
    c: httpx.Client, sha: str, data: bytes, chunk: int = 100_000, media_type: str = "image/jpeg"
) -> httpx.Response:
    for start in range(0, len(data), chunk):
        r = put(c, sha, data, start, min(start + chunk, len(data)) - 1, media_type=media_type)
        if start + chunk < len(data):
            assert r.status_code == 204, r.text
    return r


def push_evidence(c: httpx.Client, device: str, sha: str, size: int, unit: str = "24643") -> str:
    record_id = new_id()
    [res] = push(
        c,
        device,
        [
            change(
                device,
                record_fields("evidence", unit, model=new_id(), sha256=sha, size=size),
                record_id=record_id,
                entity="evidence",
            )
        ],
    )
    assert res["status"] == "applied", res
    return record_id


def stored_names(srv: Any, sha: str) -> list[str]:
    """What the server's store holds under this hash: ``sha`` for the complete file,
    ``<sha>.<user_id>.part`` for a partial; in a directory or in a bucket alike."""
    blobs = srv.blobs()
    if hasattr(blobs, "root"):
        return sorted(p.name for p in blobs.root.rglob(f"{sha}*"))
    names = set()
    for key, _ in blobs._list(blobs.prefix):
        rest = key[len(blobs.prefix) :]
        if rest.startswith(f"partial/{sha}."):
            names.add(rest.split("/")[1] + ".part")
        elif rest.endswith("/" + sha):
            names.add(sha)
    return sorted(names)


def written_at(srv: Any, sha: str) -> object:
    """When the complete file was written (to see that it was not written again)."""
    blobs = srv.blobs()
    if hasattr(blobs, "root"):
        return blobs.blob_path(sha).stat().st_mtime_ns
    head = blobs.client.head_object(Bucket=blobs.bucket, Key=blobs.blob_key(sha))
    return head["LastModified"], head["ETag"]


@pytest.fixture(scope="module")
def live_server(live_server_any_store: Any) -> Any:
    return live_server_any_store


@pytest.fixture(scope="module")
def officer(live_server: Any) -> Iterator[tuple[httpx.Client, str]]:
    c, device = client(live_server, "officer")
    yield c, device
    c.close()


@pytest.fixture(scope="module")
def officer2(live_server: Any) -> Iterator[httpx.Client]:
    c, _ = client(live_server, "officer2")
    yield c
    c.close()


@pytest.fixture(scope="module")
def commune(live_server: Any) -> Iterator[httpx.Client]:
    c, _ = client(live_server, "commune")
    yield c
    c.close()


# ---------------------------------------------------------------------------- upload, resume, download
def test_upload_in_chunks_head_and_get(live_server: Any, officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    data, sha = make_file(250_000)
    assert c.head(f"/attachments/{sha}").status_code == 404

    r = put(c, sha, data, 0, 99_999)
    assert r.status_code == 204
    assert r.headers["Upload-Offset"] == "100000"
    assert r.headers["Upload-Complete"] == "?0"
    h = c.head(f"/attachments/{sha}")
    assert h.status_code == 200
    assert h.headers["Upload-Offset"] == "100000"
    assert h.headers["Upload-Complete"] == "?0"

    r = put(c, sha, data, 100_000, 199_999)
    assert (r.status_code, r.headers["Upload-Offset"]) == (204, "200000")
    r = put(c, sha, data, 200_000)
    assert r.status_code == 201, r.text
    assert r.headers["Upload-Complete"] == "?1"

    h = c.head(f"/attachments/{sha}")
    assert h.status_code == 200
    assert h.headers["Content-Length"] == str(len(data))
    assert h.headers["Upload-Complete"] == "?1"
    g = c.get(f"/attachments/{sha}")
    assert g.status_code == 200
    assert g.headers["Content-Type"] == "image/jpeg"
    assert g.content == data
    # Content-addressed: one file under the hash, nothing left partial.
    assert stored_names(live_server, sha) == [sha]


def test_resume_after_head_from_another_device(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, _ = officer
    data, sha = make_file(180_000)
    assert put(c, sha, data, 0, 59_999).status_code == 204
    other, _ = client(live_server, "officer")  # the same user on a new phone
    with other:
        h = other.head(f"/attachments/{sha.upper()}")  # the hash is case-insensitive
        assert h.status_code == 200
        offset = int(h.headers["Upload-Offset"])
        assert offset == 60_000
        assert put(other, sha, data, offset).status_code == 201
        assert other.get(f"/attachments/{sha}").content == data
    assert c.get(f"/attachments/{sha}").content == data


def test_whole_file_in_one_put(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    data, sha = make_file(1000)
    r = put(c, sha, data, 0)
    assert r.status_code == 201
    assert r.headers["Upload-Offset"] == "1000"


def test_gzip_encoded_chunk(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    data, sha = make_file(5000)
    r = c.put(
        f"/attachments/{sha}",
        content=gzip.compress(data),
        headers={
            "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}",
            "Content-Type": "image/jpeg",
            "Content-Encoding": "gzip",
        },
    )
    assert r.status_code == 201, r.text
    assert c.get(f"/attachments/{sha}").content == data


@pytest.mark.parametrize("declared", sorted(SAMPLES))
def test_every_accepted_type(officer: tuple[httpx.Client, str], declared: str) -> None:
    c, _ = officer
    magic, stored = SAMPLES[declared]
    data, sha = make_file(4000, magic)
    assert put(c, sha, data, 0, media_type=declared).status_code == 201
    g = c.get(f"/attachments/{sha}")
    assert g.headers["Content-Type"].split(";")[0] == stored
    assert g.content == data


# ---------------------------------------------------------------------------- offsets
def test_offset_mismatch(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    data, sha = make_file(30_000)
    # Nothing stored yet: only a chunk from 0 continues it.
    r = put(c, sha, data, 10_000, 19_999)
    assert (r.status_code, error_code(r), r.headers["Upload-Offset"]) == (
        409,
        "offset_mismatch",
        "0",
    )
    assert put(c, sha, data, 0, 9_999).status_code == 204

    for start in (0, 5_000, 20_000):  # behind, inside, ahead
        r = put(c, sha, data, start, start + 999)
        assert r.status_code == 409, start
        assert error_code(r) == "offset_mismatch"
        assert r.headers["Upload-Offset"] == "10000"
        assert r.json()["error"]["details"]["offset"] == 10_000

    r = put(c, sha, data, 10_000, 19_999, total=40_000)  # another total
    assert (r.status_code, error_code(r), r.headers["Upload-Offset"]) == (
        409,
        "offset_mismatch",
        "10000",
    )
    assert c.head(f"/attachments/{sha}").headers["Upload-Offset"] == "10000"
    assert put(c, sha, data, 10_000).status_code == 201


def test_same_chunk_twice_at_once_does_not_corrupt(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    data, sha = make_file(400_000)
    assert put(c, sha, data, 0, 99_999).status_code == 204
    statuses: list[int] = []

    def send() -> None:
        statuses.append(put(c, sha, data, 100_000, 299_999).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [204, 409, 409, 409]
    assert c.head(f"/attachments/{sha}").headers["Upload-Offset"] == "300000"
    assert put(c, sha, data, 300_000).status_code == 201
    assert c.get(f"/attachments/{sha}").content == data


def test_concurrent_first_chunks_and_completions(
    live_server: Any, officer: tuple[httpx.Client, str], officer2: httpx.Client
) -> None:
    c, _ = officer
    data, sha = make_file(200_000)
    results: list[tuple[str, int]] = []

    def send(who: str, cl: httpx.Client, start: int, end: int | None) -> None:
        results.append((who, put(cl, sha, data, start, end).status_code))

    def at_once(*calls: tuple[str, httpx.Client, int, int | None]) -> list[tuple[str, int]]:
        results.clear()
        threads = [threading.Thread(target=send, args=call) for call in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sorted(results)

    # Three copies of one user's first chunk: one starts the upload, the others are told the offset.
    first = ("officer", c, 0, 99_999)
    assert at_once(first, first, first) == [("officer", 204), ("officer", 409), ("officer", 409)]
    # Two users who cannot see each other finish the same bytes at the same moment.
    assert put(officer2, sha, data, 0, 99_999).status_code == 204
    assert at_once(("officer", c, 100_000, None), ("officer2", officer2, 100_000, None)) == [
        ("officer", 201),
        ("officer2", 201),
    ]
    assert c.get(f"/attachments/{sha}").content == data
    assert officer2.get(f"/attachments/{sha}").content == data
    assert stored_names(live_server, sha) == [sha]


def test_partial_on_disk_out_of_step_with_the_database(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    """What a crash can leave: bytes past the recorded offset, or fewer bytes than recorded."""
    from server.storage import PartKey

    c, _ = officer
    data, sha = make_file(300_000)
    assert put(c, sha, data, 0, 99_999).status_code == 204
    [partial] = stored_names(live_server, sha)
    user_id = int(partial.split(".")[1])
    blobs, part = live_server.blobs(), PartKey(sha, user_id)
    with blobs.open_append(part, 100_000) as f:  # an append whose transaction never committed
        f.write(os.urandom(5000))
    assert blobs.partial_size(part) == 105_000
    assert c.head(f"/attachments/{sha}").headers["Upload-Offset"] == "100000"
    assert put(c, sha, data, 100_000, 199_999).status_code == 204
    with blobs.open_append(part, 150_000):  # the partial lost its tail
        pass
    assert blobs.partial_size(part) == 150_000
    assert c.head(f"/attachments/{sha}").headers["Upload-Offset"] == "150000"
    r = put(c, sha, data, 200_000)
    assert (r.status_code, r.headers["Upload-Offset"]) == (409, "150000")
    assert put(c, sha, data, 150_000).status_code == 201
    assert c.get(f"/attachments/{sha}").content == data


def test_local_store_names(tmp_path: Path) -> None:
    from server.storage import LocalBlobStore, PartKey

    store = LocalBlobStore(tmp_path)
    _, sha = make_file(1000)
    with pytest.raises(ValueError):
        PartKey("../" + sha[3:], 1)
    with pytest.raises(ValueError):
        store.blob_path(sha.upper())
    assert store.partial_path(PartKey(sha, 7)) == tmp_path / "partial" / f"{sha}.7.part"
    assert store.blob_path(sha) == tmp_path / sha[:2] / sha[2:4] / sha


def test_store_appends_and_finalize(live_server: Any) -> None:
    """The BlobStore protocol itself, on the module's store (a directory, or a bucket)."""
    from server.storage import PartKey

    store = live_server.blobs()
    data, sha = make_file(1000)
    with pytest.raises(ValueError):
        store.open_blob(sha.upper())
    part = PartKey(sha, 7)
    with store.open_append(part, 0) as f:
        f.write(data[:10] + b"junk")
    with store.open_append(part, 10) as f:  # cuts off what lies past the offset
        f.write(data[10:])
    with pytest.raises(ValueError), store.open_append(part, 5000):
        pass
    assert store.partial_size(part) == 1000
    assert store.finalize(part)
    assert store.partial_size(part) == 0
    with store.open_blob(sha) as f:
        assert f.read() == data
    other = PartKey(sha, 8)  # the same bytes again: verified, then dropped
    with store.open_append(other, 0) as f:
        f.write(data)
    assert store.finalize(other)
    assert stored_names(live_server, sha) == [sha]
    assert store.has_blob(sha) and sha in set(store.blobs())
    wrong = PartKey(make_file(1000)[1], 7)
    with store.open_append(wrong, 0) as f:
        f.write(data)
    assert not store.finalize(wrong)
    assert store.partial_size(wrong) == 0


def test_hash_mismatch_discards_the_partial(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, _ = officer
    data, _ = make_file(20_000)
    _, sha = make_file(20_000)  # a hash these bytes do not have
    assert put(c, sha, data, 0, 9_999).status_code == 204
    r = put(c, sha, data, 10_000)
    assert (r.status_code, error_code(r)) == (422, "hash_mismatch")
    assert c.head(f"/attachments/{sha}").status_code == 404
    assert c.get(f"/attachments/{sha}").status_code == 404
    assert stored_names(live_server, sha) == []
    # Starting again from 0 is a fresh upload.
    assert put(c, sha, data, 0, 9_999).status_code == 204


def test_reput_of_a_complete_visible_file_is_200(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, _ = officer
    data, sha = make_file(3000)
    assert put(c, sha, data, 0).status_code == 201
    before = written_at(live_server, sha)
    for start in (0, 1000):
        r = put(c, sha, data, start)
        assert r.status_code == 200, r.text
        assert r.headers["Upload-Complete"] == "?1"
    assert written_at(live_server, sha) == before


# ---------------------------------------------------------------------------- types, sizes, malformed requests
def test_type_is_checked_from_the_first_bytes(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    png, sha = make_file(2000, PNG)
    r = put(c, sha, png, 0, media_type="image/jpeg")  # PNG bytes declared as JPEG
    assert (r.status_code, error_code(r)) == (415, "unsupported_media_type")
    text, sha = make_file(2000, b"hello, world!!!!")
    for declared in ("image/jpeg", "application/pdf", "audio/mpeg"):
        r = put(c, sha, text, 0, media_type=declared)
        assert (r.status_code, error_code(r)) == (415, "unsupported_media_type"), declared
    jpeg, sha = make_file(2000)
    for declared in ("text/plain", "image/gif", "video/mp4", "audio/mpeg", ""):
        r = put(
            c, sha, jpeg, 0, media_type=declared
        )  # header not allowed, or not the bytes' family
        assert (r.status_code, error_code(r)) == (415, "unsupported_media_type"), declared
    assert c.head(f"/attachments/{sha}").status_code == 404
    assert put(c, sha, jpeg, 0, media_type="image/jpeg; charset=binary").status_code == 201


def test_415_before_413_and_file_too_large(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    big = 25 * MiB + 1
    text, sha = make_file(4096, b"not an image at all")
    r = put(c, sha, text, 0, 4095, total=big, media_type="image/jpeg")
    assert (r.status_code, error_code(r)) == (415, "unsupported_media_type")
    r = put(c, sha, text, 0, 4095, total=big, media_type="text/plain")
    assert (r.status_code, error_code(r)) == (415, "unsupported_media_type")
    jpeg, sha = make_file(4096)
    r = put(c, sha, jpeg, 0, 4095, total=big)
    assert (r.status_code, error_code(r)) == (413, "file_too_large")
    assert c.head(f"/attachments/{sha}").status_code == 404
    r = put(c, sha, jpeg, 0, 4095, total=25 * MiB)  # exactly the limit is fine
    assert r.status_code == 204


@pytest.mark.parametrize(
    "path",
    [
        "abc",
        "0" * 63,
        "0" * 65,
        "g" * 64,
        "../../etc/passwd",
        "0" * 64 + ".part",
        "%2e%2e%2f" + "0" * 55,
    ],
)
def test_a_path_that_is_not_a_sha256_is_404(officer: tuple[httpx.Client, str], path: str) -> None:
    c, _ = officer
    data, _ = make_file(100)
    for method in ("HEAD", "GET", "PUT"):
        r = c.request(
            method,
            f"/attachments/{path}",
            content=data if method == "PUT" else None,
            headers={"Content-Range": "bytes 0-99/100", "Content-Type": "image/jpeg"},
        )
        assert r.status_code == 404, (method, r.status_code)
        if method != "HEAD":
            assert error_code(r) == "not_found"


@pytest.mark.parametrize(
    "content_range",
    [
        None,
        "",
        "bytes 0-9",
        "bytes 5-3/10",
        "bytes 0-10/10",
        "bytes */10",
        "items 0-9/10",
        "bytes -1-9/10",
        "bytes 0-9/10, 10-19/20",
        "bytes 0-9/" + "9" * 20,
    ],
)
def test_malformed_content_range_is_400(
    officer: tuple[httpx.Client, str], content_range: str | None
) -> None:
    c, _ = officer
    data, sha = make_file(100)
    headers = {"Content-Type": "image/jpeg"}
    if content_range is not None:
        headers["Content-Range"] = content_range
    r = c.put(f"/attachments/{sha}", content=data, headers=headers)
    assert (r.status_code, error_code(r)) == (400, "invalid_request")


def test_the_first_chunk_must_carry_the_first_bytes(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    data, sha = make_file(100)
    r = put(c, sha, data, 0, 3)  # too few bytes to tell the type
    assert (r.status_code, error_code(r)) == (400, "invalid_request")
    assert put(c, sha, data, 0, 15).status_code == 204


def test_a_body_longer_or_shorter_than_its_range(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    data, sha = make_file(20_000)
    headers = {"Content-Range": "bytes 0-9999/20000", "Content-Type": "image/jpeg"}
    r = c.put(f"/attachments/{sha}", content=data, headers=headers)  # Content-Length says 20000
    assert (r.status_code, error_code(r)) == (413, "body_too_large")

    def chunked(body: bytes) -> Iterator[bytes]:  # no Content-Length: caught while streaming
        for i in range(0, len(body), 4096):
            yield body[i : i + 4096]

    r = c.put(f"/attachments/{sha}", content=chunked(data), headers=headers)
    assert (r.status_code, error_code(r)) == (413, "body_too_large")
    r = c.put(f"/attachments/{sha}", content=chunked(data[:5000]), headers=headers)
    assert (r.status_code, error_code(r)) == (400, "invalid_request")
    assert c.head(f"/attachments/{sha}").status_code == 404
    assert (
        c.put(f"/attachments/{sha}", content=chunked(data[:10_000]), headers=headers).status_code
        == 204
    )


def test_a_2gb_content_length_is_refused_without_reading(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, _ = officer
    _, sha = make_file(100)
    url = urlparse(live_server.url)
    request = (
        f"PUT /api/v1/attachments/{sha} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: {c.headers['Authorization']}\r\nContent-Type: image/jpeg\r\n"
        f"Content-Range: bytes 0-2147483647/2147483648\r\nContent-Length: 2147483648\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(request + JPEG)  # a few bytes of the 2 GB, then wait for the answer
        head = s.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head


# ---------------------------------------------------------------------------- who sees what
def test_invisible_across_users_and_stored_once(
    live_server: Any,
    officer: tuple[httpx.Client, str],
    officer2: httpx.Client,
    commune: httpx.Client,
) -> None:
    c, _ = officer
    data, sha = make_file(60_000)
    assert upload(c, sha, data, 25_000).status_code == 201
    # Another commune's officer, and even a colleague of the same commune: no evidence names it.
    for other in (officer2, commune):
        assert other.head(f"/attachments/{sha}").status_code == 404
        r = other.get(f"/attachments/{sha}")
        assert (r.status_code, error_code(r)) == (404, "not_found")
        # A PUT behaves as for a hash never seen: only offset 0 continues it.
        r = put(other, sha, data, 25_000, 49_999)
        assert (r.status_code, r.headers["Upload-Offset"]) == (409, "0")
    # officer2 uploads the same bytes like a new file; they are stored once.
    assert put(officer2, sha, data, 0, 29_999).status_code == 204
    assert (
        c.head(f"/attachments/{sha}").headers["Upload-Complete"] == "?1"
    )  # officer's view unchanged
    assert (
        commune.head(f"/attachments/{sha}").status_code == 404
    )  # officer2's partial is theirs alone
    assert put(officer2, sha, data, 30_000).status_code == 201
    assert officer2.get(f"/attachments/{sha}").content == data
    assert stored_names(live_server, sha) == [sha]
    assert commune.head(f"/attachments/{sha}").status_code == 404


def test_same_bytes_uploaded_at_once_by_users_who_cannot_see_each_other(
    live_server: Any, officer: tuple[httpx.Client, str], officer2: httpx.Client
) -> None:
    c, _ = officer
    data, sha = make_file(50_000)
    assert put(c, sha, data, 0, 19_999).status_code == 204
    # officer2 cannot tell that officer's partial exists: its own upload starts at 0.
    assert officer2.head(f"/attachments/{sha}").status_code == 404
    assert put(officer2, sha, data, 0, 9_999).status_code == 204
    assert officer2.head(f"/attachments/{sha}").headers["Upload-Offset"] == "10000"
    assert c.head(f"/attachments/{sha}").headers["Upload-Offset"] == "20000"
    assert put(officer2, sha, data, 10_000).status_code == 201
    assert (
        c.head(f"/attachments/{sha}").headers["Upload-Complete"] == "?0"
    )  # still officer's own partial
    assert put(c, sha, data, 20_000).status_code == 201
    assert c.get(f"/attachments/{sha}").content == data
    assert stored_names(live_server, sha) == [sha]


def test_visible_through_evidence_in_scope_until_deleted(
    live_server: Any,
    officer: tuple[httpx.Client, str],
    officer2: httpx.Client,
    commune: httpx.Client,
) -> None:
    c, device = officer
    data, sha = make_file(40_000)
    # Evidence may name a file before it is uploaded; a partial stays its uploader's alone.
    record_id = push_evidence(c, device, sha, len(data))
    assert put(c, sha, data, 0, 19_999).status_code == 204
    assert commune.head(f"/attachments/{sha}").status_code == 404
    assert put(c, sha, data, 20_000).status_code == 201

    district, _ = client(live_server, "district")
    with district:
        for viewer in (commune, district):
            h = viewer.head(f"/attachments/{sha}")
            assert (h.status_code, h.headers["Content-Length"], h.headers["Upload-Complete"]) == (
                200,
                str(len(data)),
                "?1",
            )
            assert viewer.get(f"/attachments/{sha}").content == data
            assert (
                put(viewer, sha, data, 0).status_code == 200
            )  # complete and visible: nothing written
        assert officer2.head(f"/attachments/{sha}").status_code == 404  # another commune

        [res] = push(
            c,
            device,
            [change(device, record_id=record_id, entity="evidence", op="delete", base_rev=1)],
        )
        assert res["status"] in ("applied", "conflict"), res
        for viewer in (commune, district):
            assert viewer.head(f"/attachments/{sha}").status_code == 404
            assert viewer.get(f"/attachments/{sha}").status_code == 404
    assert c.get(f"/attachments/{sha}").content == data  # the uploader still sees it


def test_evidence_in_another_commune_does_not_make_it_visible(
    live_server: Any, officer: tuple[httpx.Client, str], commune: httpx.Client
) -> None:
    c, _ = officer
    data, sha = make_file(5000)
    assert put(c, sha, data, 0).status_code == 201
    o2, o2_device = client(live_server, "officer2")
    with o2:
        assert o2.head(f"/attachments/{sha}").status_code == 404
        push_evidence(o2, o2_device, sha, len(data), unit="24640")
        assert (
            o2.get(f"/attachments/{sha}").content == data
        )  # an evidence record in its scope names it
    assert commune.head(f"/attachments/{sha}").status_code == 404  # none in Đắk Wil does


# ---------------------------------------------------------------------------- OpenAPI
def test_openapi_documents_every_answer(live_server: Any) -> None:
    doc = httpx.get(live_server.api + "/openapi.json").json()
    ops = doc["paths"]["/api/v1/attachments/{sha256}"]
    assert set(ops) >= {"head", "put", "get"}
    assert set(ops["head"]["responses"]) >= {"200", "401", "404"}
    assert set(ops["put"]["responses"]) >= {
        "200",
        "201",
        "204",
        "400",
        "401",
        "404",
        "409",
        "413",
        "415",
        "422",
    }
    assert set(ops["get"]["responses"]) >= {"200", "401", "404"}
