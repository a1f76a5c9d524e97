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

    def left_behind(self) -> str:
        """What a sign-out would leave on the device, each kind by its name ("1 bản nháp chưa
        hoàn thành, 2 thay đổi chưa gửi"), or "" when nothing waits."""
        app = App.get_running_app()
        dev = app.device
        counts = dev.outbox.counts()
        kinds = (
            ("drafts", int(dev.status()["drafts"])),
            ("pending", counts.pending),
            ("rejected", counts.rejected),
        )
        return ", ".join(app.t("settings.left." + kind, n=n) for kind, n in kinds if n)

    def log_out(self) -> None:
        app = App.get_running_app()
        what = self.left_behind()
        if not what:
            ask(app.t("settings.logout_q"), app.log_out, yes_key="settings.logout")
            return

        def second() -> None:
            ask(
                app.t("settings.logout_q2", what=what),
                app.log_out,
                yes_key="settings.logout_anyway",
            )

        ask(app.t("settings.logout_unsent", what=what), second, yes_key="settings.logout")


SCREEN = SettingsScreen
