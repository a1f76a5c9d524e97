"""The figures of ``bench/peer.py``: medians and spreads of its rounds, printed and as JSON.

A round holds one DKST run and one run of each PouchDB setting (batch sizes, ``batches_limit``).
DKST is compared, round by round, with the best PouchDB setting of the run (the highest median
docs/s of the phase), in wall time and in CPU seconds of client + server (CPU does not depend on
how loaded the machine is).
"""

from __future__ import annotations

import statistics
from typing import Any

PHASES = ("push", "pull")


def spread(values: list[float], digits: int = 0) -> dict[str, Any]:
    """Median, lowest, highest and every value, rounded."""
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": [round(v, digits) for v in values],
    }


def _cpu(run: dict[str, Any]) -> float:
    return float(run["client_cpu_s"] + run["server_cpu_s"])


def summarize(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """``runs``: per side ("dkst" or a PouchDB setting's label), its rounds in order."""
    out: dict[str, Any] = {"sides": {}}
    for name, rounds in runs.items():
        side: dict[str, Any] = {}
        for phase in PHASES:
            rs = [r[phase] for r in rounds]
            side[phase] = {
                "docs_per_s": spread([r["docs_per_s"] for r in rs]),
                "seconds": spread([r["seconds"] for r in rs], 2),
                "client_cpu_s": spread([r["client_cpu_s"] for r in rs], 2),
                "server_cpu_s": spread([r["server_cpu_s"] for r in rs], 2),
                "bytes_up": round(statistics.median(r["bytes_up"] for r in rs)),
                "bytes_down": round(statistics.median(r["bytes_down"] for r in rs)),
            }
        out["sides"][name] = side
    peers = [name for name in runs if name != "dkst"]
    for phase in PHASES:
        best = max(peers, key=lambda p: out["sides"][p][phase]["docs_per_s"]["median"])
        pairs = list(zip(runs["dkst"], runs[best], strict=True))
        out[phase] = {
            "best_pouchdb": best,
            "wall_ratio": spread(
                [d[phase]["docs_per_s"] / p[phase]["docs_per_s"] for d, p in pairs], 2
            ),
            "cpu_ratio": spread([_cpu(p[phase]) / _cpu(d[phase]) for d, p in pairs], 2),
        }
    dkst = runs["dkst"]
    out["after"] = {
        "server_facts_cpu_s": spread([r["push"].get("server_after_cpu_s", 0.0) for r in dkst], 2),
    }
    dkst_up = out["sides"]["dkst"]["push"]["bytes_up"]
    out["upload_bytes_ratio"] = round(
        dkst_up / out["sides"][out["push"]["best_pouchdb"]]["push"]["bytes_up"], 3
    )
    return out


def _range(s: dict[str, Any], fmt: str = ",.0f") -> str:
    return f"{s['median']:{fmt}} ({s['min']:{fmt}}–{s['max']:{fmt}})"


def print_figures(f: dict[str, Any]) -> None:
    print(
        f"\n{f['n']:,} documents of {f['doc_bytes_mean']} bytes (JSON) from {f['vocabulary']:,} "
        f"words; {f['rounds']} rounds, who goes first alternating; {f['cores']} cores, load "
        f"average {f['loadavg_start']} at the start, {f['loadavg_end']} at the end"
    )
    print(f"DKST: push batch {f['dkst_push_batch']}, pull page {f['dkst_pull_page']}; "
          f"{f['dkst_durability']}")  # fmt: skip
    print(f"PouchDB (push batch_size/pull batch_size/batches_limit): {', '.join(f['pouchdb'])}; "
          f"{f['pouchdb_durability']}")  # fmt: skip
    print("medians (lowest–highest of the rounds)")
    print(f"{'':22s}{'push docs/s':>22s}{'pull docs/s':>22s}"
          f"{'push CPU s cl+srv':>20s}{'pull CPU s cl+srv':>20s}{'push up B':>12s}{'pull down B':>12s}")  # fmt: skip
    for name, side in f["sides"].items():
        push, pull = side["push"], side["pull"]
        print(
            f"{name:22s}{_range(push['docs_per_s']):>22s}{_range(pull['docs_per_s']):>22s}"
            f"{push['client_cpu_s']['median']:>10.2f} + {push['server_cpu_s']['median']:<7.2f}"
            f"{pull['client_cpu_s']['median']:>10.2f} + {pull['server_cpu_s']['median']:<7.2f}"
            f"{push['bytes_up']:>12,}{pull['bytes_down']:>12,}"
        )
    for phase, target in (("push", 2), ("pull", 4)):
        p = f[phase]
        print(
            f"{phase}: DKST ÷ {p['best_pouchdb']}: wall {_range(p['wall_ratio'], '.2f')}×, CPU "
            f"{_range(p['cpu_ratio'], '.2f')}× (target ≥ {target} in both)"
        )
    print(f"upload bytes: DKST {f['upload_bytes_ratio']:.0%} of PouchDB's (target ≤ 50 %)")
    a = f["after"]
    print(
        f"DKST after the push (not in the figures above): the server's report facts "
        f"{_range(a['server_facts_cpu_s'], '.2f')} CPU s in the 3 s after it"
    )
