"""What only the S3 store has (issue 21): two hosts sharing a bucket, the store going away, presigned
redirects, media.zip from the bucket, path-style addressing. The attachment rules themselves run
on both stores in tests/server/test_attachments.py.

Every server here keeps its files in a bucket of moto's standalone server, a real HTTP process.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, STANDARD_USERS
from tests.server.helpers import change, client, error_code, new_id, pull_all, push, record_fields
from tests.server.test_attachments import make_file, push_evidence, put, upload
from tests.support.s3 import MotoServer
from tests.support.server import CU_JUT, add_users, running_server, start_in_process, stop_server


@pytest.fixture
def s3_server(moto: MotoServer, tmp_path: Path) -> Iterator[Any]:
    with running_server(
        tmp_path, in_process=True, extra_env=moto.server_env(moto.new_bucket())
    ) as srv:
        add_users(srv, list(STANDARD_USERS), PASSWORD)
        yield srv


def test_an_upload_begun_on_one_host_ends_on_another(s3_server: Any) -> None:
    """Partials live in the bucket, not in a process: host B continues what host A began."""
    host_b = start_in_process(s3_server.data_dir, s3_server.database_url, s3_server.env)
    try:
        a, _ = client(s3_server, "officer")
        b, _ = client(host_b, "officer")
        data, sha = make_file(250_000)
        assert put(a, sha, data, 0, 99_999).status_code == 204
        assert b.head(f"/attachments/{sha}").headers["Upload-Offset"] == "100000"
        assert put(b, sha, data, 100_000, 199_999).status_code == 204
        assert a.head(f"/attachments/{sha}").headers["Upload-Offset"] == "200000"
        r = put(a, sha, data, 200_000)
        assert r.status_code == 201, r.text
        # Answered 201: the verified file is in the bucket under its hash, no partial left.
        blobs = s3_server.blobs()
        body = blobs.client.get_object(Bucket=blobs.bucket, Key=blobs.blob_key(sha))["Body"]
        assert hashlib.sha256(body.read()).hexdigest() == sha
        assert [k for k, _ in blobs._list(blobs.prefix + "partial/")] == []
        assert b.get(f"/attachments/{sha}").content == data
    finally:
        stop_server(host_b)


def test_an_outage_of_the_store_is_503_on_file_routes_only(tmp_path: Path) -> None:
    with MotoServer.start() as moto:
        bucket = moto.new_bucket()
        with running_server(tmp_path, in_process=True, extra_env=moto.server_env(bucket)) as srv:
            add_users(srv, list(STANDARD_USERS), PASSWORD)
            c, device = client(srv, "officer")
            done, done_sha = make_file(20_000)
            assert upload(c, done_sha, done, 10_000).status_code == 201
            data, sha = make_file(300_000)
            assert put(c, sha, data, 0, 99_999).status_code == 204

            moto.halt()
            for r in (
                c.head(f"/attachments/{sha}"),
                put(c, sha, data, 100_000, 199_999),
                c.get(f"/attachments/{done_sha}"),
                put(c, make_file(5000)[1], make_file(5000)[0], 0),
            ):
                assert r.status_code == 503, r.text
                assert r.request.method == "HEAD" or error_code(r) == "unavailable"
                assert int(r.headers["Retry-After"]) > 0
            # Records sync on: a push is applied and pulled back.
            record_id = push_evidence(c, device, sha, len(data))
            records, _ = pull_all(c)
            assert record_id in {r["record_id"] for r in records}

            moto.resume()  # a store back, but empty (moto holds its buckets in memory)
            moto.new_bucket(bucket)
            # The chunk refused during the outage was not recorded; the partial is gone with
            # the old store, so the upload starts again from 0 and completes.
            assert c.head(f"/attachments/{sha}").headers["Upload-Offset"] == "0"
            assert upload(c, sha, data).status_code == 201
            assert c.get(f"/attachments/{sha}").content == data


def test_presigned_redirect(moto: MotoServer, tmp_path: Path) -> None:
    env = {**moto.server_env(moto.new_bucket()), "DKST_BLOB_PRESIGN_SECONDS": "60"}
    with running_server(tmp_path, in_process=True, extra_env=env) as srv:
        add_users(srv, list(STANDARD_USERS), PASSWORD)
        c, _ = client(srv, "officer")
        other, _ = client(srv, "officer2")
        data, sha = make_file(40_000)
        assert upload(c, sha, data).status_code == 201
        r = c.get(f"/attachments/{sha}")
        assert r.status_code == 307
        location = r.headers["Location"]
        assert location.startswith(f"{moto.endpoint}/")  # path-style: the bucket in the path
        assert "Expires=" in location or "X-Amz-Expires=60" in location
        got = httpx.get(location)  # no bearer token: the signature is the permission
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["Content-Type"] == "image/jpeg"
        # The visibility rule still decides who is given a URL.
        assert other.get(f"/attachments/{sha}").status_code == 404


def test_media_zip_streams_from_the_bucket(s3_server: Any) -> None:
    c, device = client(s3_server, "officer")
    files = {}
    for _ in range(6):
        data, sha = make_file(200_000)
        assert upload(c, sha, data).status_code == 201
        record_id = new_id()
        fields = record_fields("evidence", "24643", model=new_id(), sha256=sha, size=len(data))
        [res] = push(c, device, [change(device, fields, record_id=record_id, entity="evidence")])
        assert res["status"] == "applied", res
        files[record_id] = sha
    district, _ = client(s3_server, "district")
    with district.stream("GET", "/exports/media.zip", params={"unit": CU_JUT}) as r:
        assert r.status_code == 200
        assert "content-length" not in r.headers  # streamed, not built in memory first
        body = b"".join(r.iter_bytes())
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert zf.testzip() is None
        got = {
            name.rsplit("/", 1)[1].split(".")[0]: hashlib.sha256(zf.read(name)).hexdigest()
            for name in zf.namelist()
            if name.startswith("model/")
        }
    assert got == files


def test_media_zip_is_503_before_its_first_byte_when_the_store_is_away(tmp_path: Path) -> None:
    with MotoServer.start() as moto:
        env = moto.server_env(moto.new_bucket())
        with running_server(tmp_path, in_process=True, extra_env=env) as srv:
            add_users(srv, list(STANDARD_USERS), PASSWORD)
            district, _ = client(srv, "district")
            moto.halt()
            r = district.get("/exports/media.zip", params={"unit": CU_JUT})
            assert (r.status_code, error_code(r)) == (503, "unavailable")
            assert district.get("/exports/records.csv.zip", params={"unit": CU_JUT}).is_success


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://evidence", "evidence", ""),
        ("s3://evidence/", "evidence", ""),
        ("s3://evidence/dkst/prod", "evidence", "dkst/prod/"),
    ],
)
def test_parse_s3_url(url: str, bucket: str, prefix: str) -> None:
    from server.storage_s3 import parse_s3_url

    assert parse_s3_url(url) == (bucket, prefix)


@pytest.mark.parametrize("url", ["evidence", "s3:///x", "https://bucket/x", "file:///tmp"])
def test_parse_s3_url_refuses(url: str) -> None:
    from server.storage_s3 import parse_s3_url

    with pytest.raises(ValueError):
        parse_s3_url(url)


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_addressing_style(moto: MotoServer, style: str) -> None:
    """Path-style puts the bucket in the path (MinIO, Ceph); virtual in the host name (AWS)."""
    from server.storage_s3 import S3BlobStore

    bucket = moto.new_bucket()
    # A host name, not an address: botocore falls back to path-style for an IP address anyway.
    endpoint = f"http://localhost:{moto.port}"
    store = S3BlobStore.from_url(f"s3://{bucket}/p", endpoint_url=endpoint, addressing_style=style)
    url = store.presigned_url("a" * 64, "image/jpeg", 60)
    assert url is not None
    if style == "path":
        assert url.startswith(f"{endpoint}/{bucket}/p/aa/aa/")
        data, sha = make_file(3000)
        store.put_blob(sha, io.BytesIO(data))
        assert list(store.blobs()) == [sha]
        with pytest.raises(ValueError):  # bytes that are not the hash are never stored
            store.put_blob(make_file(10)[1], io.BytesIO(data))
        assert list(store.blobs()) == [sha]
    else:
        assert url.startswith(f"http://{bucket}.localhost:{moto.port}/p/aa/aa/")
