"""The server's push in-process, without HTTP: CPU per change, and a cProfile of it.

    python bench/push_profile.py                   # 10,000 changes of ~2 KB, batches of 500, SQLite
    python bench/push_profile.py --profile 25      # and the 25 costliest functions (cumulative)
    python bench/push_profile.py --database-url postgresql://…   # an empty, migrated-here database
    python bench/push_profile.py --workload push   # bench/push.py's changes (small, 1 in 5 an edit)

The changes are issue 11's peer benchmark's (``bench/peer.py``'s ``make_docs``: one residential
area and models of a commune with a description filling ~2 KB), pushed as the device pushes them,
through ``server.services.push.push`` in one write transaction per batch as the route runs it, with
the route's own parsing of the body (orjson) included. Printed: process CPU seconds and µs per
change of the pushes alone (set-up and body building are left out).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.peer import make_docs  # noqa: E402
from server.config import ServerSettings  # noqa: E402
from server.db.engine import make_engine, write_tx  # noqa: E402
from server.db.migrate import upgrade  # noqa: E402
from server.services import push as push_service  # noqa: E402
from server.services.auth import Principal, scope_of  # noqa: E402
from server.services.units import import_units  # noqa: E402
from shared_schema.forms import load_default_forms  # noqa: E402
from shared_schema.hlc import Clock  # noqa: E402
from tests.support.records import change  # noqa: E402
from tests.support.server import DAK_WIL  # noqa: E402

DEVICE = "profile-phone-1"


def bodies(n: int, doc_bytes: int, batch: int) -> list[bytes]:
    forms = load_default_forms()
    clock = Clock(DEVICE)
    changes = []
    for d in make_docs(n, doc_bytes):
        form = forms.latest(d["entity"])
        fields = {"unit": DAK_WIL, "form_id": form.form_id, "form_version": form.version}
        changes.append(
            change(
                d["entity"], fields | d["values"], hlc=str(clock.now()), record_id=d["record_id"]
            )
        )
    return [
        orjson.dumps({"device_id": DEVICE, "changes": changes[i : i + batch]})
        for i in range(0, len(changes), batch)
    ]


def push_bodies(n: int, batch: int) -> list[bytes]:
    """``bench/push.py``'s workload: new residential areas and models, one change in five an edit."""
    from bench.push import make_batches

    return [
        orjson.dumps({"device_id": DEVICE, "changes": b}) for b in make_batches(n, batch, DEVICE)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--doc-bytes", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    ap.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    ap.add_argument("--database-url", default=None)
    ap.add_argument(
        "--workload",
        choices=("peer", "push"),
        default="peer",
        help="bench/peer.py's ~2 KB creates (default) or bench/push.py's small creates and edits",
    )
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dkst-profile-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/server.sqlite3"
        engine = make_engine(url)
        upgrade(engine)
        settings = ServerSettings(data_dir=Path(tmp), database_url=url)
        with write_tx(engine) as conn:
            import_units(conn, source="legacy", under=DAK_WIL)
            scope = scope_of(conn, [DAK_WIL])
        who = Principal(1, "profile", "field_officer", (DAK_WIL,), DEVICE, scope)
        if args.workload == "peer":
            payloads = bodies(args.changes, args.doc_bytes, args.batch)
        else:
            payloads = push_bodies(args.changes, args.batch)
        forms = load_default_forms()

        def run() -> None:
            for body in payloads:
                raw = orjson.loads(body)
                with write_tx(engine, serial=True) as conn:
                    results = push_service.push(conn, settings, who, raw["changes"], forms=forms)
                bad = [r for r in results if r["status"] not in ("applied", "conflict")]
                if bad:
                    raise RuntimeError(f"{len(bad)} changes not applied, e.g. {bad[0]}")
                orjson.dumps({"results": results})

        prof = cProfile.Profile() if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if prof is not None:
            prof.runcall(run)
        else:
            run()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        engine.dispose()

    print(
        f"{args.changes:,} changes "
        + (f"of ~{args.doc_bytes} B" if args.workload == "peer" else "of bench/push.py")
        + f" in batches of {args.batch}: "
        f"{cpu:.2f} CPU s ({cpu / args.changes * 1e6:.0f} µs a change), {wall:.2f} s wall"
        + (" (under cProfile)" if prof else "")
    )
    if prof is not None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(args.profile)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
