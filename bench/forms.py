"""Publishing an XLSForm (issue 20): how long a real form takes, and what the hostile ones cost.

1. Publish: the hand-written contest form of the tests (8 questions, 2 choice lists) converted in
   the sandbox and published into a fresh SQLite database, ``--runs`` times; prints the median and
   the slowest. Most of it is the child process starting Python and importing pyxform.
2. Hostile workbooks (pyxform #595, #604, #501, a macro workbook, a zip bomb, a non-workbook, an
   empty file): each read through ``server.xlsform.sandbox`` from a fresh process, which then
   reports its children's peak memory (``RUSAGE_CHILDREN``: the sandboxed reader's); prints the
   time, the peak, and the answer of each, then the worst.

Run: ``python bench/forms.py`` (``--runs``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.xlsforms import (  # noqa: E402
    contest_form,
    dimension_bomb,
    macro_workbook,
    memory_bomb,
    xml_bomb,
)

_ONE_CASE = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from server.xlsform.guard import Refusal
from server.xlsform.sandbox import read_xlsform
data = sys.stdin.buffer.read()
t = time.perf_counter()
try:
    got = read_xlsform(data)
    answer = "problems: %d" % len(got.problems) if got.problems else "read"
except Refusal as exc:
    answer = "%d %s" % (exc.status, exc.reason)
took = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": took, "peak_bytes": peak, "answer": answer}))
"""


def _zip_bomb() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    return out.getvalue()


HOSTILE = {
    "#595 memory (3,000 choices x 1,500 questions)": memory_bomb,
    "#604 sheet A1:AMJ1048576": dimension_bomb,
    "#501 XML bomb (billion laughs)": xml_bomb,
    "macro workbook (.xlsm)": macro_workbook,
    "zip bomb (200 MB of zeros)": _zip_bomb,
    "not a workbook (PDF)": lambda: b"%PDF-1.7\n" + b"x" * 5000,
    "empty file": lambda: b"",
}


def bench_publish(runs: int) -> list[float]:
    from server.db.engine import make_engine, write_tx
    from server.db.migrate import upgrade
    from server.services import forms as forms_service
    from server.services.auth import Principal
    from server.store import units as units_store

    data = contest_form()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.sqlite")
        upgrade(engine)
        with write_tx(engine) as conn:
            units_store.replace(
                conn,
                [
                    {
                        "code": "67",
                        "name": "Tỉnh Đắk Nông",
                        "level": "province",
                        "parent": None,
                        "source": "legacy",
                    },
                    {
                        "code": "662",
                        "name": "Huyện Cư Jút",
                        "level": "district",
                        "parent": "67",
                        "source": "legacy",
                    },
                ],
            )
        who = Principal(1, "bench", "admin", ("67",), "bench", frozenset({"67", "662"}))
        for i in range(runs):
            body = contest_form(version=100 + i) if i else data
            t = time.perf_counter()
            draft = forms_service.convert(body)
            with write_tx(engine) as conn:
                result = forms_service.publish(conn, who, draft, "662")
            times.append(time.perf_counter() - t)
            assert result.status == "published", result.status
        engine.dispose()
    return times


def bench_hostile() -> dict[str, dict[str, object]]:
    out = {}
    for name, make in HOSTILE.items():
        proc = subprocess.run(
            [sys.executable, "-c", _ONE_CASE, str(ROOT)],
            input=make(),
            capture_output=True,
            check=True,
        )
        out[name] = json.loads(proc.stdout)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = bench_publish(args.runs)
    print(f"publish (convert in the sandbox + store), {len(times)} runs:")
    print(f"  median {statistics.median(times):.2f} s, slowest {max(times):.2f} s")
    print("hostile workbooks (each in a fresh process):")
    results = bench_hostile()
    for name, r in results.items():
        print(
            f"  {name:<46} {r['seconds']:6.2f} s  peak {int(r['peak_bytes']) / 2**20:6.0f} MB  -> {r['answer']}"
        )
    worst = max(results.items(), key=lambda kv: float(kv[1]["seconds"]))  # type: ignore[arg-type]
    print(
        f"worst hostile case: {worst[0]}: {worst[1]['seconds']:.2f} s, "
        f"peak {int(worst[1]['peak_bytes']) / 2**20:.0f} MB (limits: 10 s, 512 MB)"  # type: ignore[call-overload]
    )


if __name__ == "__main__":
    main()
