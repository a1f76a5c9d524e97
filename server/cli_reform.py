"""What ``dkst units reform`` prints and writes: the transaction around
:func:`server.services.reform.reform`, rolled back on a dry run, and the list of choices (CSV)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from server.db.engine import write_tx
from server.services.reform import ReformResult, reform
from shared_schema.reform import load_reform
from shared_schema.reform_moves import UnplacedUnitsError
from shared_schema.units import load_units

__all__ = ["run_reform"]

_REASONS = {
    "split": "xã bị chia / commune split",
    "merged_earlier": "đã sáp nhập trước 2025 / merged before 2025",
    "district_ended": "cấp huyện kết thúc / district level ended",
    "assigned": "quản trị chỉ định / assigned by an administrator",
}


class _DryRun(Exception):
    def __init__(self, result: ReformResult) -> None:
        self.result = result


def _name(code: str, *, legacy: bool) -> str:
    tree = load_units("legacy" if legacy else "current")
    unit = tree.get(code)
    if unit is None and not legacy:
        try:
            return f"{load_reform().new_name(code)} ({code})"
        except KeyError:
            return code
    return f"{unit.name} ({code})" if unit is not None else code


def _write_choices(path: Path, result: ReformResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "record_id",
                "entity",
                "unit_before_2025",
                "don_vi_cu",
                "unit",
                "don_vi_moi",
                "by",
                "ly_do",
                "co_the_chuyen_den",
            ]
        )
        for c in result.choices:
            reasons = orjson.loads(c["reasons"]) if isinstance(c["reasons"], str) else c["reasons"]
            parts = orjson.loads(c["parts"]) if isinstance(c["parts"], str) else c["parts"]
            w.writerow(
                [
                    c["record_id"],
                    c["entity"],
                    c["unit_before_2025"],
                    _name(c["unit_before_2025"], legacy=True),
                    c["unit"],
                    _name(c["unit"], legacy=False),
                    c["by"],
                    "; ".join(_REASONS.get(r, r) for r in reasons),
                    "; ".join(_name(p, legacy=False) for p in parts),
                ]
            )
    tmp.replace(path)


def _print(result: ReformResult, echo: Callable[[str], Any], *, dry_run: bool) -> None:
    verb = "would move" if dry_run else "moved"
    echo(
        f"reform: {verb} {result.records} records onto the current tree "
        f"({len({n for _, n in result.moves})} units, {result.seconds:.1f} s)"
    )
    for (old, new), n in sorted(result.moves.items()):
        echo(f"  {_name(old, legacy=True)} → {_name(new, legacy=False)}: {n}")
    for username, _, before, after in result.users:
        echo(f"  user {username}: {', '.join(before) or '-'} → {', '.join(after) or '-'}")
    echo(f"plans: {result.plans}, commune reports: {result.reports} keep their old units' names")
    echo(f"choices for staff to check: {len(result.choices)}")


def run_reform(
    engine: Engine,
    *,
    dry_run: bool,
    assigned: dict[str, str],
    choices_csv: Path,
    echo: Callable[[str], Any],
    batch: int = 5000,
) -> int:
    """Run the reform (or its dry run); the exit code."""
    try:
        with write_tx(engine) as conn:
            result = reform(
                conn, assigned=assigned, batch=batch, progress=lambda step: echo(f"… {step}")
            )
            if dry_run and result.done:
                raise _DryRun(result)
    except _DryRun as dry:
        result = dry.result
    except UnplacedUnitsError as exc:
        echo(f"error: {exc}. Nothing was written.")
        return 2
    if not result.done:
        echo(
            "nothing to do: the server already works in the current tree"
            if result.tree == "current"
            else f"nothing to do: the server's units are {result.tree or 'not imported yet'}"
        )
        return 0
    _print(result, echo, dry_run=dry_run)
    if result.choices:
        _write_choices(choices_csv, result)
        echo(f"wrote {choices_csv}")
    if dry_run:
        echo("dry run: nothing was written")
    return 0
