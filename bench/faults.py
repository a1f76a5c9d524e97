"""The server killed with SIGKILL at random moments under load, many times over: nothing lost,
nothing doubled, no partial file served, the database whole.

    python bench/faults.py                      # 4 rounds x 5 kills on SQLite (about 2 minutes)
    python bench/faults.py --rounds 10 --kills 5 --postgresql
    python bench/faults.py --hosts --rounds 3       # 4 processes on 2 hosts, PostgreSQL + S3

Each round is ``tests/faults/test_crash_and_outage.py``'s test (CI runs one round of 5 kills on
each backend), on a fresh server: four devices push creates and edits of shared and own records,
and one uploads files in chunks, each retrying what got no answer, while the server process is
killed 0.3-1.5 s apart and restarted on the same data and port (``tests/support/crashload.py``).
``--hosts`` (issue 21): the same load through a load balancer over two "hosts" of two processes
each, sharing one PostgreSQL and one bucket (moto's server), while one API process is killed with
SIGKILL, the S3 endpoint is killed and restarted, and PostgreSQL is restarted
(``tests/support/hosts.py``); CI runs one round (``tests/faults/test_many_hosts_faults.py``).
Then every record's ``rev`` must be the number of distinct changes sent for it, its fields those
of its newest change, every file whole, no answer a 5xx other than 503, and SQLite's
``PRAGMA integrity_check`` ok. Printed: each round, the totals, the conditions and one JSON line;
the exit status is 1 when anything was lost, doubled or wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.crashload import Killer, add_users, problems, run_load  # noqa: E402
from tests.support.server import running_server, sqlite_integrity  # noqa: E402


def one_round(n: int, kills: int, database_url: str | None) -> dict[str, Any]:
    t = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="dkst-faults-") as tmp,
        running_server(Path(tmp), database_url) as srv,
    ):
        add_users(srv)
        killer = Killer(srv, times=kills, seed=1000 + n)
        devices, uploader = run_load(srv.api, killer)
        wrong = problems(srv.api, devices, uploader)
        integrity = sqlite_integrity(srv) if database_url is None else "n/a"
    return {
        "round": n,
        "kills": killer.kills,
        "records": len({rid for d in devices for rid in d.sent}),
        "changes": sum(len(chs) for d in devices for chs in d.sent.values()),
        "files": len(uploader.files),
        "problems": wrong,
        "integrity": integrity,
        "seconds": round(time.perf_counter() - t, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--kills", type=int, default=5, help="SIGKILLs a round")
    ap.add_argument(
        "--postgresql", action="store_true", help="a throwaway PostgreSQL cluster, not SQLite"
    )
    ap.add_argument(
        "--hosts", action="store_true", help="4 processes on 2 hosts, PostgreSQL and S3 faults"
    )
    args = ap.parse_args(argv)
    if args.hosts:
        return hosts_main(args.rounds)

    cluster = None
    if args.postgresql:
        from tests.support.pg import start_cluster

        cluster = start_cluster()
    rounds = []
    try:
        for n in range(1, args.rounds + 1):
            url = cluster.create_database() if cluster is not None else None
            r = one_round(n, args.kills, url)
            rounds.append(r)
            print(
                f"round {n}: {r['kills']} kills, {r['changes']:,} changes to {r['records']:,} "
                f"records, {r['files']} files, {len(r['problems'])} problems, integrity "
                f"{r['integrity']}, {r['seconds']} s",
                flush=True,
            )
            for p in r["problems"][:5]:
                print("   ", p)
    finally:
        if cluster is not None:
            cluster.stop()

    kills = sum(r["kills"] for r in rounds)
    wrong = sum(len(r["problems"]) for r in rounds)
    whole = all(r["integrity"] in ("ok", "n/a") for r in rounds)
    backend = "PostgreSQL" if args.postgresql else "SQLite"
    print(
        f"\n{backend}: {kills} SIGKILLs in {len(rounds)} rounds, "
        f"{sum(r['changes'] for r in rounds):,} changes: {wrong} lost, doubled or wrong; "
        + ("" if args.postgresql else f"integrity_check {'ok' if whole else 'NOT ok'}; ")
        + f"{os.cpu_count()} cores, load average "
        f"{[round(x, 2) for x in os.getloadavg()[:2]]}"
    )
    out = {
        "backend": backend.lower(),
        "rounds": len(rounds),
        "kills": kills,
        "changes": sum(r["changes"] for r in rounds),
        "records": sum(r["records"] for r in rounds),
        "files": sum(r["files"] for r in rounds),
        "problems": wrong,
        "integrity_ok": whole,
        "seconds": [r["seconds"] for r in rounds],
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }
    print(json.dumps(out))
    return 0 if wrong == 0 and whole else 1


def hosts_main(rounds: int) -> int:
    from tests.support.hosts import hosts_round
    from tests.support.pg import start_cluster
    from tests.support.s3 import MotoServer

    results = []
    cluster = start_cluster()
    try:
        with MotoServer.start() as moto:
            for n in range(1, rounds + 1):
                t = time.perf_counter()
                with tempfile.TemporaryDirectory(prefix="dkst-hosts-") as tmp:
                    r = hosts_round(cluster, moto, Path(tmp), seed=2000 + n)
                r["seconds"] = round(time.perf_counter() - t, 1)
                results.append(r)
                print(
                    f"round {n}: {'; '.join(r['faults'])} (load threads running after each: "
                    f"{r['load_threads_running']}); {r['changes']:,} changes to "
                    f"{r['records']:,} records, {r['files']} files, {len(r['problems'])} "
                    f"problems, {r['seconds']} s",
                    flush=True,
                )
                for p in r["problems"][:5]:
                    print("   ", p)
    finally:
        cluster.stop()
    wrong = sum(len(r["problems"]) for r in results)
    print(json.dumps({"bench": "faults-hosts", "rounds": results, "problems": wrong}))
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
