"""DKST beside PouchDB, fairly, in one run: 10,000 documents of ~2 KB to the server and back.

    python bench/peer.py                      # 5 rounds, who goes first alternating
    python bench/peer.py --rounds 7 --pouch 500/1000/10 --pouch 100/100/10   # more PouchDB settings

DKST: a real ``dkst serve`` process on SQLite; the device core (``mobile.core``) holds the documents
as saved answers in its outbox (each validated against the model form, as an officer's saves) and
its ``Synchronizer`` pushes them; then an empty device logs in and its ``Synchronizer`` pulls them.
PouchDB: ``pouchdb-server`` (LevelDOWN on disk) and the ``pouchdb`` Node client, installed from the
npm registry into a temporary folder (nothing of it is kept); a local PouchDB holding the same
documents does ``replicate.to(remote)``, then an empty one ``replicate.from(remote)``.

Fair (issue 22): PouchDB replicates with DKST's batch sizes (500 a push, 1,000 a pull page) unless
other settings are given (``--pouch PUSH/PULL/LIMIT``, each run every round; DKST is compared
with the best one); the text is drawn from a vocabulary of thousands of the movement's own words
(``bench/vocab.py``); at least 5 rounds, alternating who goes first; medians with the lowest and
highest round; CPU seconds of client and server beside the wall time. Durability is not equal:
DKST's SQLite files (device and server) commit with ``synchronous=FULL`` (an fsync a commit),
LevelDB under PouchDB writes without fsync; DKST is measured with its real settings, as printed.

Each side runs in its own process; a counting ``LinkProxy`` (no rate, delay or loss) sits in front
of each server and gives the bytes on the wire each way (HTTP headers and bodies). Timed: only the
replication itself; server start, npm install, log-in, forms and loading the local stores are
set-up for both. Every round starts both servers afresh. Printed: docs/s both ways per side,
the ratios DKST/PouchDB in wall time and CPU, bytes up/down, the conditions, and one JSON line.

Targets (issue 22): push >= 2x PouchDB, pull >= 4x PouchDB, in wall time and in CPU seconds;
upload bytes <= 50 % of PouchDB's. The README's "Beside a real peer" carries the measured figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.linkproxy import LinkProxy  # noqa: E402
from bench.peer_device import PASSWORD, USERNAME  # noqa: E402
from bench.peer_report import print_figures, summarize  # noqa: E402
from bench.vocab import words  # noqa: E402
from shared_schema.forms import load_default_forms  # noqa: E402
from tests.support.pg import free_port  # noqa: E402
from tests.support.server import CU_JUT, DAK_WIL, dkst, import_units, server_env  # noqa: E402

NPM_PACKAGES = ("pouchdb-server@4", "pouchdb@9", "pouchdb-adapter-memory@9")
POUCH_JS = ROOT / "bench" / "peer_pouch.js"
DEVICE_PY = ROOT / "bench" / "peer_device.py"


# ---------------------------------------------------------------------------- the documents
def _name(rng: random.Random) -> str:
    return "Mô hình " + " ".join(rng.choice(words()) for _ in range(5))


def _text(rng: random.Random, chars: int) -> str:
    """About ``chars`` characters of words drawn from the vocabulary."""
    vocab, out, length = words(), [], 0
    while length < chars:
        word = rng.choice(vocab)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)[:chars]


def make_docs(n: int, doc_bytes: int, seed: int = 11) -> list[dict[str, Any]]:
    """One residential area and ``n - 1`` models of a commune, each about ``doc_bytes`` of JSON
    (UTF-8, Vietnamese): the model form's answers with a description filling the rest."""
    rng = random.Random(seed)
    area = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    docs = [
        {
            "entity": "residential_area",
            "record_id": area,
            "values": {"name": "Thôn Đoàn Kết", "kind": "thon"},
        }
    ]
    for k in range(n - 1):
        values: dict[str, Any] = {
            "name": _name(rng),
            "residential_area": area,
            "content_area": str(rng.randint(1, 5)),
            "status": rng.choice(("building", "operating", "replicated")),
            "lead_organization": rng.choice(("mttq", "farmers_union", "womens_union")),
            "linked_campaigns": ["new_rural_civilized_urban"] if k % 3 else [],
            "start_date": f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "participating_households": rng.randint(1, 300),
            "participating_people": rng.randint(5, 1200),
            "state_budget_vnd": rng.randint(0, 500) * 1_000_000,
            "people_contribution_vnd": rng.randint(0, 900) * 100_000,
            "labour_days": rng.randint(0, 2000),
            "location": {
                "lat": round(12.5 + rng.random() / 10, 6),
                "lon": round(107.9 + rng.random() / 10, 6),
                "accuracy": round(rng.uniform(3, 30), 1),
                "altitude": None,
            },
        }
        doc = {"entity": "model", "record_id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
        room = doc_bytes - len(_json(pouch_doc({**doc, "values": values})).encode())
        text = _text(rng, room).encode()[: max(0, room - len(',"description":""'))]
        values["description"] = text.decode(errors="ignore").rsplit(" ", 1)[0]
        docs.append({**doc, "values": values})
    return docs


def pouch_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """The same record as a CouchDB document: its id, entity, and the fields the device stores."""
    form = load_default_forms().latest(doc["entity"])
    return {
        "_id": doc["record_id"],
        "entity": doc["entity"],
        "unit": DAK_WIL,
        "form_id": form.form_id,
        "form_version": form.version,
        **doc["values"],
    }


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------- servers
def npm_install(prefix: Path) -> Path:
    t = time.perf_counter()
    subprocess.run(
        ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", *NPM_PACKAGES],
        check=True,
        capture_output=True,
    )
    print(f"npm install: {time.perf_counter() - t:.0f} s ({', '.join(NPM_PACKAGES)})", flush=True)
    return prefix / "node_modules"


def _wait_http(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start in 60 s")
        time.sleep(0.1)


@contextmanager
def _process(args: list[str], **kw: Any) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, **kw)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def dkst_server(data_dir: Path) -> Iterator[tuple[int, int]]:
    """``dkst serve`` on SQLite in ``data_dir``, with the units of Cư Jút and one field officer."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(data_dir, None)
    import_units(data_dir, CU_JUT, env)
    dkst("users", "add", USERNAME, "--role", "field_officer", "--unit", DAK_WIL,
         "--data-dir", str(data_dir), env=env, input=PASSWORD + "\n")  # fmt: skip
    port = free_port()
    args = [sys.executable, "-m", "dkst", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    log = (data_dir / "serve.log").open("wb")
    with _process(args, env=env, cwd=str(ROOT), stdout=log, stderr=log) as proc:
        _wait_http(f"http://127.0.0.1:{port}/api/v1/health", proc, "dkst serve")
        yield port, proc.pid


@contextmanager
def pouchdb_server(node_modules: Path, data_dir: Path) -> Iterator[tuple[int, int]]:
    data_dir.mkdir(parents=True)
    port = free_port()
    bin_js = node_modules / "pouchdb-server" / "bin" / "pouchdb-server"
    args = ["node", str(bin_js), "--port", str(port), "--dir", str(data_dir), "--no-stdout-logs"]
    log = (data_dir / "serve.log").open("wb")
    with _process(args, cwd=str(data_dir), stdout=log, stderr=log) as proc:
        _wait_http(f"http://127.0.0.1:{port}/", proc, "pouchdb-server")
        httpx.put(f"http://127.0.0.1:{port}/bench").raise_for_status()
        yield port, proc.pid


# ---------------------------------------------------------------------------- one timed phase
def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    args: list[str], proxy: LinkProxy, server_pid: int, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a side's worker: set-up, ``ready``, then the timed phase once the proxy is zeroed.

    CPU seconds of the client (its own count) and of the server (``/proc``) in the timed phase
    are kept beside the wall time: on a loaded machine they say more than docs/s alone."""
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=str(ROOT), text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.wait()
        raise RuntimeError(f"{args[1]} {args[2]}: {line!r} (exit {proc.returncode})")
    proxy.reset_counts()
    server_cpu = cpu_seconds(server_pid)
    proc.stdin.write("go\n")
    proc.stdin.flush()
    out = json.loads(proc.stdout.readline())
    out["server_cpu_s"] = cpu_seconds(server_pid) - server_cpu
    out["bytes_up"], out["bytes_down"] = proxy.bytes_up, proxy.bytes_down
    if proc.wait() != 0:
        raise RuntimeError(f"{args[1]} {args[2]} exited with {proc.returncode}")
    out["docs_per_s"] = out["docs"] / out["seconds"]
    return out


def run_dkst(
    tmp: Path, docs_path: Path, n: int, push_batch: int, pull_batch: int
) -> dict[str, Any]:
    with dkst_server(tmp / "server") as (port, pid), LinkProxy(("127.0.0.1", port)) as proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        py = [sys.executable, str(DEVICE_PY)]
        subprocess.run([*py, "load", str(tmp / "phone-a"), url, str(docs_path), str(push_batch)],
                       check=True, capture_output=True, cwd=str(ROOT))  # fmt: skip
        up = timed([*py, "push", str(tmp / "phone-a")], proxy, pid)
        # Not timed, printed apart: what the server does after the pushes (the report facts'
        # catch-up, 0.25 s after they pause), in the next 3 s.
        cpu = cpu_seconds(pid)
        time.sleep(3)
        up["server_after_cpu_s"] = cpu_seconds(pid) - cpu
        down = timed([*py, "pull", str(tmp / "phone-b"), url, str(pull_batch)], proxy, pid)
    _check(up, down, n, "DKST")
    return {"push": up, "pull": down}


def run_pouch(
    tmp: Path, node_modules: Path, docs_path: Path, n: int, setting: str, adapter: str
) -> dict[str, Any]:
    """One PouchDB run with ``setting`` = "PUSH_BATCH/PULL_BATCH/BATCHES_LIMIT"."""
    push_batch, pull_batch, limit = setting.split("/")
    env = {**os.environ, "NODE_PATH": str(node_modules)}
    with (
        pouchdb_server(node_modules, tmp / "server") as (port, pid),
        LinkProxy(("127.0.0.1", port)) as proxy,
    ):
        remote = f"http://127.0.0.1:{proxy.port}/bench"
        js = ["node", str(POUCH_JS)]
        up = timed([*js, "push", str(tmp / "local-a"), remote, str(docs_path), push_batch, limit,
                    adapter], proxy, pid, env)  # fmt: skip
        down = timed([*js, "pull", str(tmp / "local-b"), remote, pull_batch, limit, adapter],
                     proxy, pid, env)  # fmt: skip
    _check(up, down, n, "PouchDB")
    return {"push": up, "pull": down}


def _check(up: dict[str, Any], down: dict[str, Any], n: int, who: str) -> None:
    if up["docs"] != n or down["docs"] != n:
        raise RuntimeError(f"{who}: pushed {up['docs']}, pulled {down['docs']} of {n}")


def one_round(args: argparse.Namespace, tmp: Path, node_modules: Path, r: int,
              runs: dict[str, list[dict[str, Any]]]) -> None:  # fmt: skip
    """Round ``r``: DKST and every PouchDB setting, DKST first in even rounds and last in odd."""
    sides = ["dkst", *args.pouch]
    for who in sides if r % 2 == 0 else sides[::-1]:
        work = tmp / f"round{r}-{who.replace('/', '-')}"
        if who == "dkst":
            res = run_dkst(work, tmp / "docs.json", args.n, args.push_batch, args.pull_batch)
        else:
            res = run_pouch(work, node_modules, tmp / "pouch.json", args.n, who,
                            args.pouch_adapter)  # fmt: skip
        runs["dkst" if who == "dkst" else f"pouchdb {who}"].append(res)
        print(
            f"round {r + 1} {who:14s}: push {res['push']['docs_per_s']:6.0f} docs/s "
            f"({res['push']['seconds']:5.2f} s, CPU {res['push']['client_cpu_s']:.2f} + "
            f"{res['push']['server_cpu_s']:.2f}), pull {res['pull']['docs_per_s']:6.0f} docs/s "
            f"({res['pull']['seconds']:5.2f} s, CPU {res['pull']['client_cpu_s']:.2f} + "
            f"{res['pull']['server_cpu_s']:.2f}); load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="documents (default 10,000)")
    parser.add_argument("--doc-bytes", type=int, default=2048, help="JSON bytes a document")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (at least 5 for the README)")
    parser.add_argument("--push-batch", type=int, default=500, help="DKST changes a push")
    parser.add_argument("--pull-batch", type=int, default=1000, help="DKST records a pull page")
    parser.add_argument(
        "--pouch", action="append", metavar="PUSH/PULL/LIMIT",
        help="a PouchDB setting: push batch_size/pull batch_size/batches_limit; repeat to race "
        "several (default: DKST's batch sizes, batches_limit 10)",
    )  # fmt: skip
    parser.add_argument("--pouch-adapter", choices=("leveldb", "memory"), default="leveldb")
    parser.add_argument("--npm-prefix", type=Path, help="reuse this npm install (else a temp one)")
    args = parser.parse_args()
    args.pouch = args.pouch or [f"{args.push_batch}/{args.pull_batch}/10"]
    load_start = [round(x, 2) for x in os.getloadavg()]

    runs: dict[str, list[dict[str, Any]]] = {"dkst": []} | {f"pouchdb {p}": [] for p in args.pouch}
    with tempfile.TemporaryDirectory(prefix="dkst-peer-") as d:
        tmp = Path(d)
        node_modules = (
            args.npm_prefix / "node_modules" if args.npm_prefix else npm_install(tmp / "npm")
        )
        docs = make_docs(args.n, args.doc_bytes)
        pouch_docs = [pouch_doc(x) for x in docs]
        sizes = [len(_json(x).encode()) for x in pouch_docs]
        (tmp / "docs.json").write_text(_json(docs), encoding="utf-8")
        (tmp / "pouch.json").write_text(_json(pouch_docs), encoding="utf-8")
        for r in range(args.rounds):
            one_round(args, tmp, node_modules, r, runs)
    figures = summarize(runs)
    figures.update(
        {
            "n": args.n,
            "doc_bytes_mean": round(statistics.mean(sizes)),
            "vocabulary": len(words()),
            "rounds": args.rounds,
            "dkst_push_batch": args.push_batch,
            "dkst_pull_page": args.pull_batch,
            "dkst_durability": "device and server SQLite: "
            + runs["dkst"][0]["pull"].get("durability", "?")
            + " (an fsync a commit)",
            "pouchdb": args.pouch,
            "pouchdb_durability": f"PouchDB {args.pouch_adapter} client, pouchdb-server on "
            "LevelDOWN: writes without fsync (weaker: a power cut can lose acknowledged writes)",
            "cores": os.cpu_count(),
            "loadavg_start": load_start,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "machine": platform.machine(),
            "python": platform.python_version(),
        }
    )
    print_figures(figures)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
