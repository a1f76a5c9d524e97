"""moto's standalone S3 server as a real HTTP process, and buckets on it for tests and benchmarks.

    with MotoServer.start() as moto:
        env = moto.server_env(moto.new_bucket())   # DKST_BLOB_URL and the endpoint, path-style
        ...

moto keeps its buckets in the memory of its process: a server killed and started again on the
same port (``restart``) answers with no buckets at all, as a store replaced by an empty one would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.pg import free_port

# moto accepts any credentials; boto3 wants some. Set for this process and the servers it starts.
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "dkst-test",
    "AWS_SECRET_ACCESS_KEY": "dkst-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class MotoServer:
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, port: int | None = None) -> MotoServer:
        for key, value in TEST_CREDENTIALS.items():
            os.environ.setdefault(key, value)
        srv = cls(port or free_port())
        srv.resume()
        return srv

    def resume(self) -> None:
        """Start the process (again) on this port; it holds no buckets."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.proc.returncode}")
            try:
                httpx.get(self.endpoint + "/moto-api/", timeout=1)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    self.halt()
                    raise RuntimeError("moto server did not start in 30 s") from None
                time.sleep(0.1)

    def halt(self) -> None:
        """kill -9: the store is gone at once."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt()

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )

    def new_bucket(self, name: str | None = None) -> str:
        name = name or "dkst-" + uuid.uuid4().hex[:12]
        self.client().create_bucket(Bucket=name)
        return name

    def server_env(self, bucket: str, prefix: str = "evidence") -> dict[str, str]:
        """What a server needs to keep its files in ``bucket`` (path-style, as for MinIO)."""
        return {
            "DKST_BLOB_URL": f"s3://{bucket}/{prefix}",
            "DKST_S3_ENDPOINT_URL": self.endpoint,
            "DKST_S3_ADDRESSING_STYLE": "path",
            "DKST_S3_TIMEOUT_SECONDS": "3",
        }

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        out: list[str] = []
        for page in (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        ):
            out += [o["Key"] for o in page.get("Contents", [])]
        return out
