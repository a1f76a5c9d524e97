"""Conflicts: a field this device and another one both changed, the two values side by side,
which one the server kept, and the officer's choice (an edit through the core, sent at the next
sync). Opened from a record (its conflicts) or from the sync summary (all of them)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.ui.display import show_value
from mobile.ui.i18n import label_of

__all__ = ["SCREEN", "ConflictsScreen"]


class ConflictsScreen(Screen):
    intro = StringProperty("")
    message = StringProperty("")
    empty = BooleanProperty(False)

    def on_kv_post(self, _base: Any) -> None:
        App.get_running_app().bind(lang=lambda *_: self._refresh_if_shown())

    def open(self, record_id: str = "", **_: Any) -> None:
        self.record_id = record_id
        self.message = ""
        self.refresh()

    def _refresh_if_shown(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()

    def refresh(self) -> None:
        app = App.get_running_app()
        dev = app.device
        if dev is None:
            return
        box = self.ids.conflict_list
        box.clear_widgets()
        conflicts = dev.records.conflicts_of(self.record_id or None)
        self.empty = not conflicts
        if self.record_id:
            title = dev.records.get(self.record_id).title
            self.intro = app.t("conflict.intro", title=title)
        else:
            self.intro = app.t("conflict.intro_all")
        for c in conflicts:
            box.add_widget(self._item(c))

    def _item(self, c: dict[str, Any]) -> Any:
        app = App.get_running_app()
        dev = app.device
        rec = dev.records.get(c["record_id"])
        fdef = dev.forms.latest(rec.entity).field(c["field"])
        label = c["field"]
        if fdef is not None:
            label = label_of(fdef, app)

        def shown(value: Any) -> str:
            return show_value(dev, fdef, value, app.lang) if fdef is not None else str(value)

        notes = {"mine": "", "other": ""}
        if c["kept"] is not None:
            lost = "other" if c["kept"] == "mine" else "mine"
            notes[c["kept"]], notes[lost] = app.t("conflict.kept"), app.t("conflict.lost")
        item = Factory.ConflictItem(
            record=(rec.title or app.t("entity." + rec.entity)) if not self.record_id else "",
            name=label,
            mine=shown(c["mine"]),
            other=shown(c["other"]) if c["other_known"] else app.t("conflict.unknown"),
            mine_note=notes["mine"],
            other_note=notes["other"],
            kept=c["kept"] or "",
            other_known=c["other_known"],
        )
        item.ids.keep_mine.bind(on_release=lambda *_: self.keep(c, c["mine"], label, item.mine))
        item.ids.keep_other.bind(on_release=lambda *_: self.keep(c, c["other"], label, item.other))
        return item

    def keep(self, c: dict[str, Any], value: Any, label: str, text: str) -> None:
        """The officer's choice: a change of the field to ``value``, its conflict closed."""
        app = App.get_running_app()
        result = app.device.records.resolve_conflict(c["record_id"], c["field"], value)
        app.changed()
        if not result.finalized:  # a draft of the record lacks answers: the form says which
            entity = app.device.records.get(c["record_id"]).entity
            app.show("form", entity=entity, record_id=c["record_id"], check=True)
            return
        self.message = app.t("conflict.saved", name=label, value=text)
        self.refresh()


SCREEN = ConflictsScreen
