"""First run and re-login: server address, username, password.

The login runs on a thread (it is a network call); a short probe first tells an unreachable
server in seconds instead of after the client's retries. A re-login after the token expired keeps
the account's database: the outbox waits for it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.logger import Logger
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.popup import Popup
from kivy.uix.screenmanager import Screen

from mobile.core.device import Device, LoginFailed, NotLoggedIn
from mobile.core.errors import DeviceError
from mobile.core.http import DeviceApiError, ServerUnreachable
from mobile.ui.camera import camera_for_platform
from mobile.ui.connectivity import probe
from mobile.ui.i18n import device_error_text, error_text
from mobile.ui.qr import read_provisioning
from shared_schema.provisioning import ProvisioningError

__all__ = ["SCREEN", "LoginScreen"]


class LoginScreen(Screen):
    message = StringProperty("")
    busy = BooleanProperty(False)
    expired = BooleanProperty(False)

    def open(self, expired: bool = False, **_: Any) -> None:
        app = App.get_running_app()
        self.expired = expired
        self.message = ""
        try:
            with Device.open(app.data_dir) as last:  # the account used last, if any
                if not self.ids.server.text:
                    self.ids.server.text = last.server
                if not self.ids.username.text:
                    self.ids.username.text = last.username
        except NotLoggedIn:
            pass
        self.ids.password.text = ""

    def scan(self) -> None:
        """A provisioning code: the camera on a phone, a picture file on a desktop."""
        camera = camera_for_platform()
        if camera is not None:
            camera.take(lambda path: Clock.schedule_once(lambda _dt: self.read_code(path)))
            return
        app = App.get_running_app()
        chooser = Factory.FileChooserListView(
            path=str(Path.home()), filters=["*.png", "*.jpg", "*.jpeg", "*.PNG", "*.JPG"]
        )
        popup = Popup(title=app.t("login.qr_pick"), content=chooser, size_hint=(0.95, 0.8))
        self._qr_popup = popup

        def picked(_chooser: Any, selection: list[str]) -> None:
            if selection:
                popup.dismiss()
                self.read_code(selection[0])

        chooser.bind(selection=picked)
        popup.open()

    def read_code(self, path: str | None) -> None:
        app = App.get_running_app()
        if not path:
            return
        try:
            code = read_provisioning(path)
        except ProvisioningError:
            self.message = app.t("login.qr_bad")
            return
        self.ids.server.text = code.server
        self.ids.username.text = code.username
        app.set_lang(code.lang)
        self.message = app.t("login.qr_ok")

    def submit(self) -> None:
        app = App.get_running_app()
        server = self.ids.server.text.strip()
        username = self.ids.username.text.strip()
        password = self.ids.password.text
        if not server or not username or not password:
            self.message = app.t("login.missing")
            return
        if "://" not in server:
            server = "http://" + server
        self.busy = True
        self.message = app.t("login.connecting")
        timeout = app.probe_timeout_s

        def work() -> None:
            error: BaseException | None = None
            try:
                if not probe(server, timeout):
                    raise ServerUnreachable(server)
                Device.login(
                    app.data_dir, server=server, username=username, password=password
                ).close()
            except BaseException as exc:  # explained on the UI thread
                error = exc
            Clock.schedule_once(lambda _dt: self._done(error))

        threading.Thread(target=work, name="dkst-login", daemon=True).start()

    def _done(self, error: BaseException | None) -> None:
        app = App.get_running_app()
        self.busy = False
        if error is None:
            self.message = ""
            app.logged_in(Device.open(app.data_dir))
            return
        if isinstance(error, ServerUnreachable):
            app.online = False
            self.message = app.t("login.unreachable")
        elif isinstance(error, LoginFailed | DeviceApiError):
            self.message = error_text(error.code, app.lang)
        elif isinstance(error, DeviceError):
            self.message = device_error_text(error, app.lang)
        else:
            Logger.error("DKST: the login failed", exc_info=error)
            self.message = app.t("error.unexpected")


SCREEN = LoginScreen
