"""Small widgets with their own properties (kv dynamic classes cannot take new ones as arguments).

Their looks are rules in theme.kv and the screens' .kv files.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.dropdown import DropDown
from kivy.uix.textinput import TextInput

__all__ = [
    "Card",
    "ConflictItem",
    "DialogBody",
    "EvidenceItem",
    "FieldLine",
    "Picker",
    "SelectAllInput",
]


class Picker(Button):
    """A Spinner whose list is built when it is opened, not when it is made.

    Kivy's Spinner makes a button per value up front: a form with a date (31 days, 12 months,
    30 years) and a few choice fields made ~140 buttons and took most of a second to open.
    """

    values = ListProperty([])
    is_open = BooleanProperty(False)

    def on_release(self) -> None:
        dropdown = DropDown(max_height=dp(360))
        for value in self.values:
            option = Factory.WrapOption(text=value)
            option.bind(on_release=lambda btn: dropdown.select(btn.text))
            dropdown.add_widget(option)
        dropdown.bind(on_select=self._picked, on_dismiss=self._closed)
        self._dropdown = dropdown
        self.is_open = True
        dropdown.open(self)

    def _picked(self, _dropdown: Any, text: str) -> None:
        self.text = text

    def _closed(self, *_: Any) -> None:
        self.is_open = False


class Card(BoxLayout):
    pass


class SelectAllInput(TextInput):
    """A field whose text is selected when a tap gives it the focus, so what is typed replaces
    the value instead of joining it (Kivy puts the cursor where the finger lands)."""

    _focusing = False

    def on_touch_down(self, touch: Any) -> bool:
        self._focusing = not self.focus and self.collide_point(*touch.pos)
        return bool(super().on_touch_down(touch))

    def on_touch_up(self, touch: Any) -> bool:
        mine = touch.grab_current is self
        handled = bool(super().on_touch_up(touch))
        if mine and self._focusing and self.focus and self.text:
            self.select_all()  # after Kivy's own touch up, which cancels any selection
        if mine:
            self._focusing = False
        return handled


class FieldLine(BoxLayout):
    name = StringProperty("")
    value = StringProperty("")


class EvidenceItem(ButtonBehavior, BoxLayout):
    text = StringProperty("")
    source = StringProperty("")


class ConflictItem(Card):
    record = StringProperty("")  # the record's title, when conflicts of several are listed
    name = StringProperty("")
    mine = StringProperty("")
    other = StringProperty("")
    mine_note = StringProperty("")  # kept on the server, or overwritten
    other_note = StringProperty("")
    kept = StringProperty("")  # "mine", "other", or "" while the answer's revision is not here
    other_known = BooleanProperty(True)


class DialogBody(BoxLayout):
    text = StringProperty("")
    yes_text = StringProperty("")
    no_text = StringProperty("")
