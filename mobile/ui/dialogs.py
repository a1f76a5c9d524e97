"""Yes/no questions and notices, in the app's language and theme."""

from __future__ import annotations

from collections.abc import Callable

from kivy.app import App
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.uix.popup import Popup

__all__ = ["ask", "tell"]


def ask(text: str, on_yes: Callable[[], None], *, yes_key: str = "dialog.yes") -> Popup:
    app = App.get_running_app()
    content = Factory.DialogBody(text=text, yes_text=app.t(yes_key), no_text=app.t("dialog.no"))
    popup = Popup(
        title=app.t("dialog.title"), content=content, size_hint=(0.9, None), height=dp(280)
    )

    def yes(*_: object) -> None:
        popup.dismiss()
        on_yes()

    content.ids.yes.bind(on_release=yes)
    content.ids.no.bind(on_release=lambda *_: popup.dismiss())
    popup.open()
    return popup


def tell(text: str) -> Popup:
    app = App.get_running_app()
    content = Factory.DialogBody(text=text, yes_text=app.t("dialog.ok"), no_text="")
    popup = Popup(
        title=app.t("dialog.title"), content=content, size_hint=(0.9, None), height=dp(280)
    )
    content.ids.yes.bind(on_release=lambda *_: popup.dismiss())
    popup.open()
    return popup
