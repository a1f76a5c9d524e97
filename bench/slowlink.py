"""Slow link: one device's first sync of 1,000 records and 20 photos over an emulated 3G link.

    python bench/slowlink.py                          # 1 Mbit/s, 150 ms one way, 1 % loss
    python bench/slowlink.py --records 200 --photos 5 --loss 0

A real ``dkst serve`` (SQLite, uvicorn subprocess, tests/support/server.py) sits behind
``bench/linkproxy.py``; the real device core (``Device.sync``, the Synchronizer that ``dkst device
sync`` runs) logs in through the proxy, saves the records and evidence photos offline (the photos
go through the device's media pipeline: resized and re-encoded as JPEG, so the noise images are
sized to come out at about ``--photo-kb``), and then one sync from an empty outbox is timed:
push, forms and units, pull, uploads.

The link's own limit is the time the link needs to carry the bytes that went over it: the proxy
models each direction as its own pipe of ``--rate`` bit/s (full duplex, as a 3G bearer is), so the
limit is ``max(bytes up, bytes down) * 8 / rate``: the busier direction, sent back to back with no
round trip, no loss and no idle moment. The ratio printed is seconds ÷ that limit (target ≤ 1.3).
Bytes are TCP payload (HTTP headers and bodies) counted by the proxy. Requests are counted in the
device process, by method, at ``requests``' transport (every attempt, retries included).

``--peer`` then does the same for PouchDB (issue 11): pouchdb-server and pouchdb from the npm
registry, installed into a temporary folder (nothing of them is committed; ``--npm-prefix`` reuses a
folder), the same records as documents (``_id`` the record id, the record's fields) and the same
processed JPEGs as attachments, saved in a local PouchDB (LevelDB) and replicated once
(``local.replicate.to(remote)``, PouchDB's defaults) to pouchdb-server through an identical
proxy. Requests are counted by PouchDB's ``fetch`` option.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from PIL import Image  # noqa: E402

from bench.linkproxy import LinkProxy  # noqa: E402
from mobile.core.device import Device  # noqa: E402
from mobile.core.media import _process_image  # noqa: E402
from tests.support.device import area_values, model_values  # noqa: E402
from tests.support.pg import free_port  # noqa: E402
from tests.support.server import DAK_WIL, add_user, running_server  # noqa: E402

PW = "mật khẩu bench 2026"


class RequestCounter:
    """Counts every HTTP request this process sends through ``requests``, by method."""

    def __init__(self) -> None:
        self.by_method: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._orig = requests.adapters.HTTPAdapter.send

    def __enter__(self) -> RequestCounter:
        counter = self

        def send(adapter: Any, request: Any, *a: Any, **kw: Any) -> Any:
            with counter._lock:
                counter.by_method[request.method] += 1
            return counter._orig(adapter, request, *a, **kw)

        requests.adapters.HTTPAdapter.send = send  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: Any) -> None:
        requests.adapters.HTTPAdapter.send = self._orig  # type: ignore[method-assign]

    def reset(self) -> None:
        with self._lock:
            self.by_method.clear()


def noise_photos(n: int, target_bytes: int, seed: int = 7) -> list[bytes]:
    """``n`` distinct noise JPEGs that come out of the device's pipeline at about ``target_bytes``
    (noise barely compresses, like a photo of leaves or a crowd)."""

    def make(side: int, k: int) -> bytes:
        img = Image.effect_noise((side * 4 // 3, side), 60 + k % 5).convert("RGB")
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        return buf.getvalue()

    side = 480
    for _ in range(3):  # the processed size grows with the pixel count: scale the side to fit
        got = len(_process_image(make(side, 0), "image/jpeg", max_side=1600, jpeg_quality=80)[0])
        side = max(64, round(side * (target_bytes / got) ** 0.5))
    return [make(side, seed + k) for k in range(n)]


def prepare(dev: Device, records: int, photos: list[bytes]) -> None:
    """Save ``records`` records (one residential area, the rest models) and one evidence record
    per photo, offline, as an officer would."""
    area = dev.records.create("residential_area", area_values("Buôn Trum")).record_id
    models = []
    for i in range(records - 1):
        values = model_values(area, f"Mô hình Đoàn Kết sáng tạo số {i}")
        values["participating_households"] = 10 + i % 90
        models.append(dev.records.create("model", values).record_id)
    for k, photo in enumerate(photos):
        parent = models[k % len(models)] if models else area
        field = "model" if models else "residential_area"
        _, res = dev.add_evidence(photo, parent_field=field, parent_id=parent, caption=f"ảnh {k}")
        assert res.finalized, res.issues


def run(args: argparse.Namespace, tmp: Path, peer_input: dict[str, Any]) -> dict[str, Any]:
    """The DKST sync; fills ``peer_input`` with the same records and files for PouchDB."""
    photos = noise_photos(args.photos, args.photo_kb * 1000)
    with running_server(tmp) as srv:
        add_user(srv, "lan", "field_officer", DAK_WIL, PW)
        port = int(srv.url.rsplit(":", 1)[1])
        with (
            LinkProxy(
                ("127.0.0.1", port),
                rate_bps=args.rate,
                delay_s=args.delay,
                loss=args.loss,
                seed=args.seed,
            ) as link,
            RequestCounter() as counter,
        ):
            dev = Device.login(
                tmp / "phone",
                server=f"http://127.0.0.1:{link.port}",
                username="lan",
                password=PW,
                device_id="bench-slowlink",
            )
            try:
                prepare(dev, args.records, photos)
                pending_files = dev.media.pending()
                peer_input.update(same_data(dev, tmp / "peer-files"))
                file_bytes = sum(f["size"] for f in pending_files)
                changes = dev.outbox.pending_count()
                link.reset_counts()
                counter.reset()
                t = time.perf_counter()
                report = dev.sync()
                seconds = time.perf_counter() - t
                up, down, conns = link.bytes_up, link.bytes_down, link.connections
                assert dev.outbox.pending_count() == 0, "changes left in the outbox"
                assert dev.media.pending() == [], "files left to upload"
                assert report.files_uploaded == len(pending_files), report
                assert report.rejected == 0, report.problems
            finally:
                dev.close()
    limit = max(up, down) * 8 / args.rate if args.rate else 0.0
    return {
        "seconds": round(seconds, 2),
        "link_limit_s": round(limit, 2),
        "ratio": round(seconds / limit, 3) if limit else None,
        "bytes_up": up,
        "bytes_down": down,
        "requests": sum(counter.by_method.values()),
        "requests_by_method": dict(sorted(counter.by_method.items())),
        "connections": conns,
        "changes": changes,
        "files": len(pending_files),
        "file_bytes": file_bytes,
        "pulled": report.pulled,
    }


POUCH_JS = r"""
const path = require("path");
const fs = require("fs");
const readline = require("readline");
const PouchDB = require(path.join(process.env.POUCH_PREFIX, "node_modules", "pouchdb"));
const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
(async () => {
  const local = new PouchDB(input.local);
  const docs = input.docs.slice();
  for (const p of input.photos) {
    const data = fs.readFileSync(p.path);
    docs.push({...p.doc, _attachments: {"photo.jpg": {content_type: p.type, data: data}}});
  }
  for (let i = 0; i < docs.length; i += 500) await local.bulkDocs(docs.slice(i, i + 500));
  const byMethod = {};
  const remote = new PouchDB(input.remote, {fetch: (url, opts) => {
    const m = (opts && opts.method) || "GET";
    byMethod[m] = (byMethod[m] || 0) + 1;
    return PouchDB.fetch(url, opts);
  }});
  await remote.info();  // creates the database: not part of the timed replication
  for (const k of Object.keys(byMethod)) delete byMethod[k];
  console.log("ready");
  const lines = readline.createInterface({input: process.stdin});
  for await (const _ of lines) break;
  const t = process.hrtime.bigint();
  const res = await local.replicate.to(remote);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(JSON.stringify({seconds, docs_written: res.docs_written, by_method: byMethod}));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
"""


def same_data(dev: Device, folder: Path) -> dict[str, Any]:
    """The device's records as PouchDB documents, and its processed files, for the peer run."""
    folder.mkdir(parents=True, exist_ok=True)
    docs, photos = [], []
    for rec in dev.records.list(limit=10**6):
        doc = {"_id": rec.record_id, "entity": rec.entity, **rec.fields}
        sha = rec.fields.get("sha256") if rec.entity == "evidence" else None
        if sha:
            target = folder / f"{sha}.jpg"
            shutil.copyfile(dev.media.path_of(sha), target)
            photos.append({"doc": doc, "path": str(target), "type": rec.fields["media_type"]})
        else:
            docs.append(doc)
    return {"docs": docs, "photos": photos}


def npm_install(prefix: Path) -> None:
    if (prefix / "node_modules" / ".bin" / "pouchdb-server").exists():
        return
    prefix.mkdir(parents=True, exist_ok=True)
    packages = ["pouchdb-server@4", "pouchdb@9"]
    flags = ["--no-audit", "--no-fund", "--loglevel=error"]
    subprocess.run(["npm", "install", "--prefix", str(prefix), *flags, *packages], check=True)


def run_peer(args: argparse.Namespace, tmp: Path, data: dict[str, Any]) -> dict[str, Any]:
    prefix = Path(args.npm_prefix) if args.npm_prefix else tmp / "npm"
    npm_install(prefix)
    work = tmp / "pouch"
    work.mkdir()
    port = free_port()
    (work / "server").mkdir()
    command = [str(prefix / "node_modules/.bin/pouchdb-server"), "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--dir", str(work / "server"), "--no-stdout-logs"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", server)
        with LinkProxy(
            ("127.0.0.1", port),
            rate_bps=args.rate,
            delay_s=args.delay,
            loss=args.loss,
            seed=args.seed,
        ) as link:
            spec = {
                **data,
                "local": str(work / "local"),
                "remote": f"http://127.0.0.1:{link.port}/dkst",
            }
            (work / "input.json").write_text(json.dumps(spec))
            (work / "replicate.js").write_text(POUCH_JS)
            node = subprocess.Popen(
                ["node", str(work / "replicate.js"), str(work / "input.json")],
                cwd=work,
                env={**os.environ, "POUCH_PREFIX": str(prefix)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert node.stdin and node.stdout
            if node.stdout.readline().strip() != "ready":
                raise RuntimeError("the PouchDB side did not start")
            link.reset_counts()
            node.stdin.write("go\n")
            node.stdin.flush()
            result = json.loads(node.stdout.readline())
            node.wait(60)
            up, down, conns = link.bytes_up, link.bytes_down, link.connections
    finally:
        server.terminate()
        server.wait(10)
    expected = len(data["docs"]) + len(data["photos"])
    if result["docs_written"] != expected:
        raise RuntimeError(f"PouchDB wrote {result['docs_written']} of {expected} documents")
    limit = max(up, down) * 8 / args.rate if args.rate else 0.0
    return {
        "seconds": round(result["seconds"], 2),
        "link_limit_s": round(limit, 2),
        "ratio": round(result["seconds"] / limit, 3) if limit else None,
        "bytes_up": up,
        "bytes_down": down,
        "requests": sum(result["by_method"].values()),
        "requests_by_method": dict(sorted(result["by_method"].items())),
        "connections": conns,
        "docs": expected,
    }


def wait_http(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pouchdb-server exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("pouchdb-server did not start in 60 s")


def report(name: str, fig: dict[str, Any]) -> None:
    print(
        f"{name}: {fig['seconds']:.1f} s; link limit {fig['link_limit_s']:.1f} s "
        f"(max(up, down) bytes / rate); ratio {fig['ratio']}× (target ≤ 1.3)"
    )
    print(
        f"  bytes up {fig['bytes_up']:,}, down {fig['bytes_down']:,}; {fig['requests']} requests "
        f"{fig['requests_by_method']} on {fig['connections']} connections"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="records saved offline")
    parser.add_argument("--photos", type=int, default=20, help="evidence photos")
    parser.add_argument("--photo-kb", type=int, default=300, help="size of a processed photo")
    parser.add_argument("--rate", type=float, default=1_000_000, help="link rate, bit/s each way")
    parser.add_argument("--delay", type=float, default=0.150, help="one-way delay, seconds")
    parser.add_argument("--loss", type=float, default=0.01, help="segment loss probability")
    parser.add_argument("--seed", type=int, default=1, help="the proxy's loss draws")
    parser.add_argument("--peer", action="store_true", help="also PouchDB to pouchdb-server")
    parser.add_argument("--npm-prefix", help="a folder with (or for) the npm packages")
    args = parser.parse_args()
    if args.records < 1 or args.photos < 0:
        parser.error("--records must be at least 1 and --photos at least 0")
    conditions = {
        "records": args.records,
        "photos": args.photos,
        "photo_kb": args.photo_kb,
        "rate_bps": args.rate,
        "delay_s": args.delay,
        "loss": args.loss,
        "seed": args.seed,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(
        f"slow link: {args.rate / 1e6:g} Mbit/s each way, {args.delay * 1000:g} ms one way, "
        f"{args.loss:.1%} segment loss; {args.records} records and {args.photos} photos of "
        f"~{args.photo_kb} KB from an empty outbox; {platform.machine()}, {os.cpu_count()} CPUs"
    )
    out: dict[str, Any] = {"bench": "slowlink"}
    with tempfile.TemporaryDirectory() as d:
        data: dict[str, Any] = {}
        fig = out["dkst"] = run(args, Path(d), data)
        report("dkst sync", fig)
        print(
            f"  {fig['changes']} changes, {fig['files']} files ({fig['file_bytes']:,} bytes), "
            f"{fig['pulled']} records pulled back"
        )
        if args.peer:
            peer = out["pouchdb"] = run_peer(args, Path(d), data)
            report("pouchdb replicate.to", peer)
            print(
                f"  dkst / pouchdb: time {fig['seconds'] / peer['seconds']:.2f}×, bytes up "
                f"{fig['bytes_up'] / peer['bytes_up']:.2f}×"
            )
    out["conditions"] = conditions
    print(json.dumps(out))


if __name__ == "__main__":
    main()
