"""Settings: language, server, GPS threshold, photo size, and logging out.

Logging out never drops work: the account's database stays on the device. With changes still
unsent it asks twice, because the next person on this phone may not sync for this officer.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from mobile.core.errors import Refused
from mobile.ui.dialogs import ask
from mobile.ui.i18n import device_error_text

__all__ = ["PHOTO_SIZES", "SCREEN", "SettingsScreen"]

PHOTO_SIZES = ("1024", "1600", "2048", "3000")


class SettingsScreen(Screen):
    server_text = StringProperty("")
    message = StringProperty("")

    def open(self, **_: Any) -> None:
        app = App.get_running_app()
        s = app.device.settings()
        self.server_text = app.device.server
        self.ids.gps.text = f"{s.accuracy_accept_m:g}"
        self.ids.photo.text = str(s.photo_max_side)
        self.message = ""

    def save(self) -> None:
        app = App.get_running_app()
        try:
            accept = float(self.ids.gps.text.replace(",", "."))
            side = int(self.ids.photo.text)
        except ValueError:
            self.message = app.t("settings.bad")
            return
        try:
            app.device.update_settings(gps_accept_m=accept, photo_max_side=side)
        except Refused as exc:
            self.message = device_error_text(exc, app.lang)
            return
        self.message = app.t("settings.saved")

    def unsent(self) -> int:
        dev = App.get_running_app().device
        counts = dev.outbox.counts()
        return counts.pending + counts.rejected + int(dev.status()["drafts"])

    def log_out(self) -> None:
        app = App.get_running_app()
        n = self.unsent()
        if not n:
            ask(app.t("settings.logout_q"), app.log_out, yes_key="settings.logout")
            return

        def second() -> None:
            ask(app.t("settings.logout_q2", n=n), app.log_out, yes_key="settings.logout_anyway")

        ask(app.t("settings.logout_unsent", n=n), second, yes_key="settings.logout")


SCREEN = SettingsScreen
