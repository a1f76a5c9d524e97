"""GPS: the position's accuracy as it improves, the threshold it waits for, manual entry.

The location provider (mobile.core.location: plyer on Android, a configured or typed position on a
desktop) is read on a thread, again and again until the fix is good enough or the officer takes
the one shown; a phone's GPS must never freeze the screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.core.errors import Refused
from mobile.core.location import Fix, FixQuality, LocationUnavailable, classify, manual_fix
from mobile.ui.dialogs import ask
from mobile.ui.i18n import device_error_text
from shared_schema.display import geopoint_text

__all__ = ["SCREEN", "GpsScreen"]

READ_EVERY_S = 1.0


class GpsScreen(Screen):
    status = StringProperty("")
    fix_text = StringProperty("")
    threshold_text = StringProperty("")
    message = StringProperty("")
    has_fix = BooleanProperty(False)

    def open(self, on_fix: Callable[[dict[str, Any]], None] | None = None, **_: Any) -> None:
        app = App.get_running_app()
        self.on_fix = on_fix
        self.fix: Fix | None = None
        self.has_fix = False
        self.message = ""
        self.fix_text = ""
        # Each position starts empty: the last visit's numbers, with the cursor put after them
        # by a tap, turned 12.6941 typed after 12.6930 into 12.6930126941.
        for name in ("lat", "lon", "acc"):
            self.ids[name].text = ""
        s = app.device.settings()
        self.accept_m, self.warn_m = s.accuracy_accept_m, s.accuracy_warn_m
        self.threshold_text = app.t("gps.threshold", m=f"{self.accept_m:g}")
        self.status = app.t("gps.searching")
        self._reading = True
        self._read()

    def on_leave(self, *_: Any) -> None:
        self._reading = False

    def _read(self) -> None:
        provider = App.get_running_app().location_provider()

        def work() -> None:
            try:
                fix: Fix | None = provider.current()
                error = None
            except LocationUnavailable as exc:
                fix, error = None, exc
            Clock.schedule_once(lambda _dt: self._got(fix, error))

        threading.Thread(target=work, name="dkst-gps", daemon=True).start()

    def _got(self, fix: Fix | None, error: Exception | None) -> None:
        app = App.get_running_app()
        if not self._reading:
            return
        if fix is None:
            self.status = app.t("gps.unavailable")
            return
        self.fix = fix
        self.has_fix = True
        self.fix_text = geopoint_text(fix.geopoint())
        quality = classify(fix, accept_m=self.accept_m, warn_m=self.warn_m)
        self.status = app.t("gps.quality." + quality.value)
        if quality != FixQuality.GOOD:
            Clock.schedule_once(lambda _dt: self._read() if self._reading else None, READ_EVERY_S)

    def use_fix(self) -> None:
        app = App.get_running_app()
        fix = self.fix
        if fix is None:
            return
        if classify(fix, accept_m=self.accept_m, warn_m=self.warn_m) == FixQuality.POOR:
            ask(app.t("gps.poor_q"), lambda: self._deliver(fix.geopoint()))
            return
        self._deliver(fix.geopoint())

    def use_manual(self) -> None:
        app = App.get_running_app()
        try:
            fix = manual_fix(self.ids.lat.text, self.ids.lon.text, self.ids.acc.text)
        except Refused as exc:
            self.message = device_error_text(exc, app.lang)
            return
        self._deliver(fix.geopoint())

    def _deliver(self, value: dict[str, Any]) -> None:
        self._reading = False
        app = App.get_running_app()
        callback = self.on_fix
        app.back()
        if callback is not None:
            callback(value)


SCREEN = GpsScreen
