"""Photo: take one (Android) or choose a file (desktop), add a caption, store it as evidence.

The core resizes it, keeps its capture time and GPS, and queues the upload. That work (reading a
40 MB file, decoding, re-encoding) runs on a thread with its own ``Device``, so the screen stays
live; a corrupt or unsupported file comes back as a message, and nothing saved is touched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.logger import Logger
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.core.device import Device
from mobile.core.errors import DeviceError
from mobile.core.media import UnsupportedFile
from mobile.ui.camera import camera_for_platform
from mobile.ui.i18n import device_error_text

__all__ = ["SCREEN", "PhotoScreen"]


class PhotoScreen(Screen):
    chosen = StringProperty("")
    chosen_name = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)
    has_camera = BooleanProperty(False)
    start_dir = StringProperty(str(Path.home()))

    def open(
        self,
        parent_field: str = "",
        parent_id: str = "",
        on_file: Callable[[dict[str, Any]], None] | None = None,
        **_: Any,
    ) -> None:
        self.parent_field = parent_field
        self.parent_id = parent_id
        self.on_file = on_file
        self.chosen = ""
        self.message = ""
        self.ids.caption.text = ""
        # Kivy lists a folder when its path changes, not when it is shown again: a photo copied
        # there since the last time would be missing. (FileChooser has no public rescan.)
        chooser = self.ids.chooser
        chooser.selection = []
        chooser._update_files()
        self.camera = camera_for_platform()
        self.has_camera = self.camera is not None

    def on_chosen(self, _inst: Any, value: str) -> None:
        self.chosen_name = Path(value).name if value else ""

    def take(self) -> None:
        if self.camera is not None:
            self.camera.take(lambda path: Clock.schedule_once(lambda _dt: self._taken(path)))

    def _taken(self, path: str | None) -> None:
        if path:
            self.chosen = path

    def pick(self, selection: list[str]) -> None:
        self.chosen = selection[0] if selection else ""
        self.message = ""

    def save(self) -> None:
        app = App.get_running_app()
        if not self.chosen:
            self.message = app.t("photo.none")
            return
        path, caption = self.chosen, self.ids.caption.text.strip()
        self.busy = True
        self.message = app.t("photo.working")
        data_dir = app.data_dir
        attach_only = self.on_file is not None
        parent_field, parent_id = self.parent_field, self.parent_id

        def work() -> None:
            result: Any = None
            error: BaseException | None = None
            try:
                with Device.open(data_dir) as dev:
                    if attach_only:
                        f = dev.add_file(path)
                        result = {"sha256": f.sha256, "media_type": f.media_type, "size": f.size}
                    else:
                        dev.add_evidence(
                            path, parent_field=parent_field, parent_id=parent_id, caption=caption
                        )
            except BaseException as exc:  # explained on the UI thread
                error = exc
            Clock.schedule_once(lambda _dt: self._done(result, error))

        threading.Thread(target=work, name="dkst-photo", daemon=True).start()

    def _done(self, result: Any, error: BaseException | None) -> None:
        app = App.get_running_app()
        self.busy = False
        if error is not None:
            if isinstance(error, UnsupportedFile):
                self.message = app.t("photo.unsupported")
            elif isinstance(error, DeviceError):
                self.message = device_error_text(error, app.lang)
            elif isinstance(error, OSError):
                Logger.warning("DKST: cannot read %s: %s", self.chosen, error)
                self.message = app.t("photo.unreadable")
            else:
                Logger.error("DKST: storing a photo failed", exc_info=error)
                self.message = app.t("error.unexpected")
            return
        self.message = ""
        app.changed()
        callback = self.on_file
        app.back()
        if callback is not None:
            callback(result)


SCREEN = PhotoScreen
