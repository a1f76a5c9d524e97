"""How the app shows a value: the same choices, separator and point as the staff pages and the
exports (shared_schema.display), place names from the device. No window needed."""

from __future__ import annotations

from pathlib import Path

from mobile.ui.display import show_value
from shared_schema.display import MULTI_SEPARATOR
from shared_schema.forms import load_default_forms
from tests.mobile.conftest import area_values, offline_device

MODEL = load_default_forms().latest("model")


def test_choices_points_and_records_as_an_officer_reads_them(tmp_path: Path) -> None:
    dev = offline_device(tmp_path / "d")
    select_multiple = next(f for f in MODEL.fields if f.type == "select_multiple")
    values = list(select_multiple.choice_values[:2])
    labels = [select_multiple.choice_label(v, "vi") for v in values]
    assert show_value(dev, select_multiple, values, "vi") == MULTI_SEPARATOR.join(labels)
    assert MULTI_SEPARATOR == "; "
    status = MODEL.field("status")
    assert status is not None
    assert show_value(dev, status, "operating", "vi") == "Đang hoạt động"
    assert show_value(dev, status, "operating", "en") == status.choice_label("operating", "en")
    point = next(f for f in load_default_forms().latest("visit").fields if f.type == "geopoint")
    assert (
        show_value(dev, point, {"lat": 12.6958, "lon": 107.7712, "accuracy": 4.2}, "vi")
        == "12.695800, 107.771200 (±4 m)"
    )
    area = dev.records.create("residential_area", area_values("Thôn 3")).record_id
    ref = MODEL.field("residential_area")
    assert ref is not None
    assert show_value(dev, ref, area, "vi") == "Thôn 3"
    assert show_value(dev, status, None, "vi") == "—"
    dev.close()
