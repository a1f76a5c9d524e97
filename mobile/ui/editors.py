"""One editor per field type of the form definitions: a label with its required mark, the
input, and the line for the shared validation's message. ``FormScreen`` (form.py) lays them out.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.core.records import RecordNotFound
from mobile.ui.i18n import label_of
from shared_schema.display import geopoint_text
from shared_schema.forms import FieldDef

__all__ = ["EDITORS", "NONE", "FieldEditor"]

LONG_TEXT = frozenset({"description", "notes", "benefit", "stop_reason", "head_of_work_group"})
NONE = "—"


def _label(fdef: FieldDef, app: Any) -> str:
    text = label_of(fdef, app)
    return f"{text} *" if fdef.required else text


class FieldEditor(BoxLayout):
    """A field's label, its hint, its input and its error line."""

    label = StringProperty("")
    hint = StringProperty("")  # the form's hint ("Từ 1 (kém) đến 5 (rất tốt)"), if any
    error = StringProperty("")
    shown = BooleanProperty(True)

    def __init__(self, fdef: FieldDef, on_change: Callable[[str], None], **kw: Any) -> None:
        self.fdef = fdef
        self._on_change = on_change
        self._quiet = False
        super().__init__(**kw)
        app = App.get_running_app()
        self.label = _label(fdef, app)
        # A unit's hint speaks of codes; its picker shows names.
        if fdef.hint is not None and fdef.type != "unit":
            self.hint = fdef.hint.en if app.lang == "en" else fdef.hint.vi
        self.build_input(app)

    def build_input(self, app: Any) -> None:
        raise NotImplementedError

    def on_touch_down(self, touch: Any) -> bool:
        # A field hidden by skip logic has no height, but its (disabled) inputs would still
        # swallow touches meant for the fields around it.
        return bool(self.shown and super().on_touch_down(touch))

    def get(self) -> Any:
        raise NotImplementedError

    def put(self, value: Any) -> None:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        self._quiet = True
        try:
            self.put(value)
        finally:
            self._quiet = False

    def changed(self, *_: Any) -> None:
        if not self._quiet:
            self._on_change(self.fdef.name)


class TextEditor(FieldEditor):
    def build_input(self, app: Any) -> None:
        multiline = self.fdef.name in LONG_TEXT
        self.input = Factory.Input(multiline=multiline)
        if self.fdef.type == "integer":
            self.input.input_filter = "int"
        elif self.fdef.type == "decimal":
            self.input.input_filter = "float"
        limits = self.fdef.constraints
        if limits is not None and limits.min is not None and limits.max is not None:
            self.input.hint_text = f"{limits.min}–{limits.max}"  # a score: 1–5
        self.input.bind(text=self.changed)
        self.ids.slot.add_widget(self.input)

    def get(self) -> Any:
        raw = self.input.text.strip()
        if raw == "":
            return None
        if self.fdef.type == "integer":
            try:
                return int(raw)
            except ValueError:
                return raw  # validation names the problem
        if self.fdef.type == "decimal":
            try:
                return float(raw)
            except ValueError:
                return raw
        return self.input.text

    def put(self, value: Any) -> None:
        self.input.text = "" if value is None else str(value)


class ChoiceEditor(FieldEditor):
    """select_one, unit (my units) and reference (local records): a spinner of labels."""

    def options(self, app: Any) -> list[tuple[Any, str]]:
        if self.fdef.type == "unit":
            return [(u["code"], f"{u['name']}") for u in app.device.units()]
        if self.fdef.type == "reference":
            entity = self.fdef.reference_entity or ""
            return [
                (r.record_id, r.title or r.record_id[:8])
                for r in app.device.records.list(entity, limit=500)
            ]
        return [
            (c.value, c.label.en if app.lang == "en" else c.label.vi)
            for c in self.fdef.choices or ()
        ]

    def build_input(self, app: Any) -> None:
        self.opts = self.options(app)
        self.input = Factory.Choice(text=NONE, values=[NONE] + [t for _, t in self.opts])
        self.input.bind(text=self.changed)
        self.ids.slot.add_widget(self.input)

    def get(self) -> Any:
        return next((v for v, t in self.opts if t == self.input.text), None)

    def put(self, value: Any) -> None:
        if value is not None and all(v != value for v, _ in self.opts):
            # A value the list does not offer (a deleted area, a unit no longer mine) is kept,
            # not silently cleared: the officer sees it and may change it.
            self.opts.append((value, self._unlisted(value)))
            self.input.values = [*self.input.values, self.opts[-1][1]]
        self.input.text = next((t for v, t in self.opts if v == value), NONE)

    def _unlisted(self, value: Any) -> str:
        app = App.get_running_app()
        if self.fdef.type == "reference":
            try:
                return app.device.records.get(str(value)).title or str(value)[:8]
            except RecordNotFound:
                return str(value)[:8]
        return str(value)


class MultiEditor(FieldEditor):
    def build_input(self, app: Any) -> None:
        self.toggles: dict[str, Any] = {}
        for c in self.fdef.choices or ():
            text = c.label.en if app.lang == "en" else c.label.vi
            btn = Factory.Tick(text=text)
            btn.bind(state=self.changed)
            self.toggles[c.value] = btn
            self.ids.slot.add_widget(btn)

    def get(self) -> Any:
        picked = [v for v, b in self.toggles.items() if b.state == "down"]
        return picked or None

    def put(self, value: Any) -> None:
        chosen = set(value or [])
        for v, b in self.toggles.items():
            b.state = "down" if v in chosen else "normal"


class DateEditor(FieldEditor):
    """Day, month, year pickers (and hour, minute for a datetime) with a 'today' button."""

    def build_input(self, app: Any) -> None:
        row = Factory.PickerRow()
        this_year = date.today().year
        self.day = Factory.Choice(text=NONE, values=[NONE] + [f"{d:02d}" for d in range(1, 32)])
        self.month = Factory.Choice(text=NONE, values=[NONE] + [f"{m:02d}" for m in range(1, 13)])
        self.year = Factory.Choice(
            text=NONE, values=[NONE] + [str(y) for y in range(this_year + 1, this_year - 30, -1)]
        )
        parts = [self.day, self.month, self.year]
        self.hour = self.minute = None
        if self.fdef.type == "datetime":
            self.hour = Factory.Choice(text=NONE, values=[NONE] + [f"{h:02d}" for h in range(24)])
            self.minute = Factory.Choice(
                text=NONE, values=[NONE] + [f"{m:02d}" for m in range(0, 60, 5)]
            )
            parts += [self.hour, self.minute]
        for p in parts:
            p.bind(text=self.changed)
            row.add_widget(p)
        today = Factory.FlatBtn(text=app.t("form.today"), size_hint_x=None, width=dp(96))
        today.bind(on_release=lambda *_: self.today())
        row.add_widget(today)
        self.ids.slot.add_widget(row)

    def today(self) -> None:
        now = datetime.now(UTC) if self.fdef.type == "datetime" else None
        if now is not None:
            self.put(now.strftime("%Y-%m-%dT%H:%M:00Z"))
        else:
            self.put(date.today().isoformat())
        self.changed()

    def get(self) -> Any:
        if NONE in (self.day.text, self.month.text, self.year.text):
            return None
        y, m, d = int(self.year.text), int(self.month.text), int(self.day.text)
        d = min(d, calendar.monthrange(y, m)[1])
        text = f"{y:04d}-{m:02d}-{d:02d}"
        if self.hour is not None and self.minute is not None:
            hh = "00" if self.hour.text == NONE else self.hour.text
            mm = "00" if self.minute.text == NONE else self.minute.text
            text += f"T{hh}:{mm}:00Z"
        return text

    def put(self, value: Any) -> None:
        quiet, self._quiet = self._quiet, True
        try:
            if not isinstance(value, str) or len(value) < 10:
                for p in (self.day, self.month, self.year, self.hour, self.minute):
                    if p is not None:
                        p.text = NONE
                return
            self.year.text, self.month.text, self.day.text = value[:4], value[5:7], value[8:10]
            if self.hour is not None and self.minute is not None and len(value) >= 16:
                self.hour.text = value[11:13]
                minute = int(value[14:16]) // 5 * 5
                self.minute.text = f"{minute:02d}"
        finally:
            self._quiet = quiet


class ElsewhereEditor(FieldEditor):
    """A value chosen on another screen (a GPS fix, a file): shown as text, a button to it."""

    target = ""  # the screen that chooses the value
    param = ""  # the keyword that screen calls back with the value
    button_key = ""

    def describe(self, value: Any) -> str:
        raise NotImplementedError

    def build_input(self, app: Any) -> None:
        self.value: Any = None
        self.shown_text = Factory.Body(text=self.describe(None))
        self.button = Factory.FlatBtn(text=app.t(self.button_key))
        self.button.bind(on_release=lambda *_: app.show(self.target, **{self.param: self.got}))
        self.ids.slot.add_widget(self.shown_text)
        self.ids.slot.add_widget(self.button)

    def got(self, value: Any) -> None:
        self.put(value)
        self.changed()

    def get(self) -> Any:
        return self.value

    def put(self, value: Any) -> None:
        self.value = value
        self.shown_text.text = self.describe(value)


class GeopointEditor(ElsewhereEditor):
    target, param, button_key = "gps", "on_fix", "form.get_location"

    def describe(self, value: Any) -> str:
        return geopoint_text(value) or App.get_running_app().t("gps.none")


class AttachmentEditor(ElsewhereEditor):
    target, param, button_key = "photo", "on_file", "form.pick_file"

    def describe(self, value: Any) -> str:
        return f"{value['media_type']}, {value['size']:,} B" if isinstance(value, dict) else NONE


EDITORS: dict[str, type[FieldEditor]] = {
    "text": TextEditor,
    "integer": TextEditor,
    "decimal": TextEditor,
    "date": DateEditor,
    "datetime": DateEditor,
    "select_one": ChoiceEditor,
    "unit": ChoiceEditor,
    "reference": ChoiceEditor,
    "select_multiple": MultiEditor,
    "geopoint": GeopointEditor,
    "attachment": AttachmentEditor,
}
