"""Sync: start, watch the progress (changes pushed, records pulled, file bytes), cancel, and read
the summary, with each refused change and its reason a tap away from its record."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.logger import Logger
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.core.errors import DeviceError
from mobile.core.http import DeviceApiError, NeedsLogin, ServerUnreachable
from mobile.core.sync import Progress, SyncReport
from mobile.ui.i18n import device_error_text, error_text, issue_text
from mobile.ui.syncer import SyncCancelled

__all__ = ["SCREEN", "SyncScreen"]


class SyncScreen(Screen):
    phase_text = StringProperty("")
    summary = StringProperty("")
    fraction = NumericProperty(0.0)

    def on_kv_post(self, _base: Any) -> None:
        App.get_running_app().bind(lang=lambda *_: self.open())

    def open(self, **_: Any) -> None:
        app = App.get_running_app()
        if not app.syncing:
            self.phase_text = app.t("sync.ready", n=app.device.outbox.counts().pending)
            self.fraction = 0.0
        self._fill_rejected()

    def start(self) -> None:
        app = App.get_running_app()
        self.summary = ""
        self.fraction = 0.0
        self.phase_text = app.t("sync.checking")
        app.start_sync(on_progress=self._progress, on_done=self._done)

    def cancel(self) -> None:
        app = App.get_running_app()
        if app.sync_run is not None:
            app.sync_run.cancel()
            self.phase_text = app.t("sync.cancelling")

    def _progress(self, p: Progress) -> None:
        app = App.get_running_app()
        if p.phase == "push":
            total = p.records_total or 1
            self.fraction = 0.4 * p.records_done / total
            self.phase_text = app.t("sync.pushing", done=p.records_done, total=p.records_total)
        elif p.phase == "pull":
            self.fraction = max(self.fraction, 0.5)
            self.phase_text = app.t("sync.pulling", done=p.records_done)
        elif p.phase == "upload":
            total = p.bytes_total or 1
            self.fraction = 0.6 + 0.4 * p.bytes_done / total
            self.phase_text = app.t(
                "sync.uploading", done=p.bytes_done // 1024, total=p.bytes_total // 1024
            )

    def _done(self, report: SyncReport | None, error: BaseException | None) -> None:
        app = App.get_running_app()
        if error is None and report is not None:
            self.fraction = 1.0
            self.phase_text = app.t("sync.done")
            self.summary = app.t(
                "sync.summary",
                pushed=report.pushed,
                applied=report.applied,
                conflicts=report.conflicts,
                rejected=report.rejected,
                pulled=report.pulled,
                files=report.files_uploaded,
            )
            if report.files_failed:
                self.summary += "\n" + app.t("sync.files_failed", n=report.files_failed)
        elif isinstance(error, SyncCancelled):
            self.phase_text = app.t("sync.cancelled")
        elif isinstance(error, NeedsLogin):
            self.phase_text = app.t("sync.login")
            app.show("login", expired=True)
        elif isinstance(error, ServerUnreachable):
            self.phase_text = app.t("sync.offline")
        elif isinstance(error, DeviceApiError):
            self.phase_text = error_text(error.code, app.lang)
        elif isinstance(error, DeviceError):  # an answer it cannot use (bad_answer)
            self.phase_text = device_error_text(error, app.lang)
        else:
            Logger.error("DKST: the sync failed", exc_info=error)
            self.phase_text = app.t("error.unexpected")
        self._fill_rejected()

    def _fill_rejected(self) -> None:
        app = App.get_running_app()
        box = self.ids.rejected
        box.clear_widgets()
        if app.device is None:
            return
        for change in app.device.outbox.rejected():
            try:
                rec = app.device.records.get(change.record_id)
                title = rec.title or app.t("entity." + change.entity)
            except LookupError:
                rec, title = None, app.t("entity." + change.entity)
            reasons = "; ".join(issue_text(e, rec, app) for e in change.errors)
            item = Factory.ChildItem(text=app.t("sync.rejected_item", title=title, reason=reasons))
            item.bind(on_release=lambda _b, rid=change.record_id: app.show("record", record_id=rid))
            box.add_widget(item)


SCREEN = SyncScreen
