"""Issue 16: naming a file's SHA-256 in one's own evidence makes the file readable (SYNC.md
"Attachments"; docs/SYNC.md says why that is acceptable: a hash cannot be guessed). So no page,
export or error may show a hash to another scope: here a file of Đắk Mil is looked for in
everything Cư Jút's staff and officers can open."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from tests.server.helpers import change, client, push, put_file, record_fields
from tests.server.test_admin_roles import WebSession

DAK_LAO = "24667"  # Xã Đắk Lao, Huyện Đắk Mil


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue() + b"mil-only"  # bytes of its own, so a hash no other test uses


def test_no_page_export_or_error_shows_another_scopes_hash(live_server: Any) -> None:
    mil, mdev = client(live_server, "officer_mil")
    data = _png()
    sha = put_file(mil, data, "image/png")
    area = change(mdev, record_fields("residential_area", DAK_LAO))
    model = change(
        mdev, record_fields("model", DAK_LAO, residential_area=area["record_id"]), entity="model"
    )
    ev = change(
        mdev,
        record_fields(
            "evidence",
            DAK_LAO,
            model=model["record_id"],
            sha256=sha,
            media_type="image/png",
            size=len(data),
        ),
        entity="evidence",
    )
    assert {r["status"] for r in push(mil, mdev, [area, model, ev])} == {"applied"}

    district, _ = client(live_server, "district")  # Huyện Cư Jút
    seen: list[str] = []
    for name in ("records.csv.zip", "records.xlsx", "models.geojson", "media.zip"):
        body = district.get(f"/exports/{name}", params={"unit": "662"}).content
        if name.endswith((".zip", ".xlsx")):
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                body = b"".join(z.read(n) for n in z.namelist())
        if sha.encode() in body:
            seen.append(name)
    for unit in ("662", "67"):
        r = district.get("/reports/summary", params={"unit": unit})
        if sha in r.text:
            seen.append(f"summary {unit}")
    for method in ("HEAD", "GET"):
        r = district.request(method, f"/attachments/{sha}")
        assert r.status_code == 404
        if sha in r.text or any(sha in v for v in r.headers.values()):
            seen.append(f"{method} error")
    web = WebSession(live_server, "district")
    for path in ("/web/", "/web/records", "/web/map"):
        if sha in web.get(path).text:
            seen.append(path)
    # A page that echoes what was typed answers the real hash as it answers any other.
    other = hashlib.sha256(b"no such file").hexdigest()
    for path in ("/web/records?q={}", "/web/files/{}"):
        real, fake = web.get(path.format(sha)), web.get(path.format(other))
        if (real.status_code, real.text.replace(sha, other)) != (fake.status_code, fake.text):
            seen.append(path)
    assert seen == [], seen

    # What SYNC.md accepts: whoever names the hash in evidence of their own scope can read it.
    officer, dev = client(live_server, "officer")
    mine = record_fields(
        "evidence",
        "24643",
        model=model["record_id"],
        sha256=sha,
        media_type="image/png",
        size=len(data),
    )
    # ... but not by naming Đắk Mil's model: that reference is out of scope now.
    res = push(officer, dev, [change(dev, mine, entity="evidence")])[0]
    assert res["status"] == "rejected"
    own_area = change(dev, record_fields("residential_area", "24643"))
    own_model = change(
        dev, record_fields("model", "24643", residential_area=own_area["record_id"]), entity="model"
    )
    mine["model"] = own_model["record_id"]
    results = push(officer, dev, [own_area, own_model, change(dev, mine, entity="evidence")])
    assert {r["status"] for r in results} == {"applied"}
    assert officer.get(f"/attachments/{sha}").content == data
