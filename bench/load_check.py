"""What ``bench/load.py`` expects the server to hold, worked out from what the devices sent.

The load script keeps every change it sent and the server's result for it (status, rev,
conflicts). From that alone, with no server code, this module replays SYNC.md's merge rules:

- each record's accepted changes, ordered by the rev the server gave them, must be revs 1..n
  with no gap or double (nothing lost, nothing applied twice);
- per field the value with the highest HLC wins (HLC strings compare as byte strings);
- a field a change sets is a conflict when it was last written, at a rev above the change's
  ``base_rev`` (null counts as 0), by another device, and holds a different value; the losing
  value is kept for a reviewer with the value that won.

The checks are pure functions over plain data so that a test can hand them a tampered copy and
see them object. Each returns a list of problems, empty when all is as expected.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Expected",
    "Sent",
    "check_conflicts",
    "check_files",
    "check_records",
    "expected_state",
]

Conflict = tuple[str, str, str]  # field, losing value, winning value (canonical JSON)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Sent:
    """One change a device pushed, and what the server answered for it (None: no answer yet)."""

    change: dict[str, Any]
    status: str | None = None
    rev: int | None = None
    conflicts: list[str] = field(default_factory=list)

    @property
    def device(self) -> str:
        return str(self.change["hlc"]).split("-", 2)[2]


@dataclass
class Expected:
    """A record as the server must hold it: rev, fields, and the conflicts kept for review."""

    rev: int
    fields: dict[str, Any]
    conflicts: list[Conflict]


def expected_state(sent: list[Sent]) -> tuple[dict[str, Expected], list[str]]:
    """Replay every accepted change in the server's order; problems with the answers themselves."""
    problems: list[str] = []
    by_record: dict[str, list[Sent]] = defaultdict(list)
    for s in sent:
        if s.status in ("applied", "conflict") and s.rev is not None:
            by_record[s.change["record_id"]].append(s)
        else:
            problems.append(f"change {s.change['change_id']}: {s.status or 'no answer'}")
    out: dict[str, Expected] = {}
    for rid, changes in by_record.items():
        changes.sort(key=lambda s: s.rev or 0)
        revs = [s.rev for s in changes]
        if revs != list(range(1, len(changes) + 1)):
            problems.append(f"record {rid}: revs {revs} are not 1..{len(changes)}")
        values: dict[str, Any] = {}
        writer: dict[str, tuple[str, int, str]] = {}  # field -> (hlc, rev, device)
        kept: list[Conflict] = []
        for s in changes:
            base = s.change["base_rev"] or 0
            hlc, rev = s.change["hlc"], s.rev or 0
            mine: list[str] = []
            for name, value in s.change["fields"].items():
                old = writer.get(name)
                if old is None:
                    values[name], writer[name] = value, (hlc, rev, s.device)
                    continue
                differs = canonical(values[name]) != canonical(value)
                wins = hlc > old[0]
                if old[1] > base and old[2] != s.device and differs:
                    mine.append(name)
                    losing, winning = (values[name], value) if wins else (value, values[name])
                    kept.append((name, canonical(losing), canonical(winning)))
                if wins:
                    values[name], writer[name] = value, (hlc, rev, s.device)
            if sorted(mine) != sorted(s.conflicts):
                problems.append(
                    f"record {rid} rev {rev}: the server said conflicts {sorted(s.conflicts)}, "
                    f"the rules say {sorted(mine)}"
                )
        out[rid] = Expected(len(changes), values, kept)
    return out, problems


def check_records(expected: dict[str, Expected], pulled: dict[str, dict[str, Any]]) -> list[str]:
    """The admin's full pull holds exactly the expected records, revs and fields."""
    problems = [f"record {rid} missing on the server" for rid in expected.keys() - pulled.keys()]
    problems += [f"record {rid} never sent" for rid in pulled.keys() - expected.keys()]
    for rid in expected.keys() & pulled.keys():
        want, got = expected[rid], pulled[rid]
        if got["deleted"] or got["rev"] != want.rev:
            problems.append(f"record {rid}: rev {got['rev']} (want {want.rev}), {got['deleted']=}")
        if canonical(got["fields"]) != canonical(want.fields):
            diff = sorted(
                k
                for k in want.fields.keys() | got["fields"].keys()
                if canonical(want.fields.get(k)) != canonical(got["fields"].get(k))
            )
            problems.append(f"record {rid}: fields {diff} differ")
    return problems


def check_conflicts(expected: dict[str, Expected], stored: dict[str, list[Conflict]]) -> list[str]:
    """The server kept, for review, exactly the losing values the rules say (none extra)."""
    problems = []
    for rid in expected.keys() | stored.keys():
        want = Counter(expected[rid].conflicts if rid in expected else [])
        got = Counter(stored.get(rid, []))
        if want != got:
            problems.append(
                f"record {rid}: conflicts kept {sorted(got.elements())}, "
                f"want {sorted(want.elements())}"
            )
    return problems


def check_files(sent_hashes: set[str], downloaded: dict[str, str | None]) -> list[str]:
    """Every file the devices uploaded downloads whole: its bytes hash to its name."""
    return [
        f"file {sha[:12]}…: downloaded as {downloaded.get(sha)}"
        for sha in sorted(sent_hashes)
        if downloaded.get(sha) != sha
    ]
