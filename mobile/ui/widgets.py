"""Small widgets with their own properties (kv dynamic classes cannot take new ones as arguments).

Their looks are rules in theme.kv and the screens' .kv files.
"""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

__all__ = ["Card", "ConflictItem", "DialogBody", "EvidenceItem", "FieldLine"]


class Card(BoxLayout):
    pass


class FieldLine(BoxLayout):
    name = StringProperty("")
    value = StringProperty("")


class EvidenceItem(ButtonBehavior, BoxLayout):
    text = StringProperty("")
    source = StringProperty("")


class ConflictItem(Card):
    name = StringProperty("")
    mine = StringProperty("")
    current = StringProperty("")


class DialogBody(BoxLayout):
    text = StringProperty("")
    yes_text = StringProperty("")
    no_text = StringProperty("")
