"""Conflicts: the fields where another device's edit met this one's, both values side by side."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from mobile.ui.display import show_value

__all__ = ["SCREEN", "ConflictsScreen"]


class ConflictsScreen(Screen):
    title_text = StringProperty("")

    def open(self, record_id: str = "", **_: Any) -> None:
        app = App.get_running_app()
        dev = app.device
        rec = dev.records.get(record_id)
        self.title_text = rec.title
        form = dev.forms.latest(rec.entity)
        box = self.ids.conflict_list
        box.clear_widgets()
        for c in dev.records.conflicts_of(record_id):
            fdef = form.field(c["field"])
            label = c["field"]
            mine, current = str(c["mine"]), str(c["current"])
            if fdef is not None:
                label = fdef.label.en if app.lang == "en" else fdef.label.vi
                mine = show_value(dev, fdef, c["mine"], app.lang)
                current = show_value(dev, fdef, c["current"], app.lang)
            box.add_widget(Factory.ConflictItem(name=label, mine=mine, current=current))


SCREEN = ConflictsScreen
