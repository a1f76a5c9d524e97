"""Sync: start, watch the progress (changes pushed, records pulled, file bytes), cancel, and read
the summary, with each refused change and its reason a tap away from its record, and the count
of conflicts a tap away from the conflicts screen."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.logger import Logger
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.utils import escape_markup

from mobile.core.errors import DeviceError
from mobile.core.http import DeviceApiError, NeedsLogin, ServerUnreachable
from mobile.core.sync import Progress, SyncReport
from mobile.ui.i18n import device_error_text, error_text, issue_text
from mobile.ui.syncer import SyncCancelled

__all__ = ["SCREEN", "SyncScreen"]


class SyncScreen(Screen):
    phase_text = StringProperty("")
    summary = StringProperty("")
    summary_markup = StringProperty("")  # the summary as shown: the conflicts count is a link
    fraction = NumericProperty(0.0)
    has_rejected = BooleanProperty(False)

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
        self.summary = self.summary_markup = ""
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
            self._summarize(report)
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

    def _summarize(self, report: SyncReport) -> None:
        app = App.get_running_app()
        conflicts = app.t("sync.conflicts", n=report.conflicts)
        counts = {
            "pushed": report.pushed,
            "applied": report.applied,
            "rejected": report.rejected,
            "pulled": report.pulled,
            "files": report.files_uploaded,
        }
        tail = ""
        if report.files_failed:
            tail = "\n" + app.t("sync.files_failed", n=report.files_failed)
        self.summary = app.t("sync.summary", conflicts=conflicts, **counts) + tail
        if report.conflicts:
            link = f"[ref=conflicts][color=#bd1c21][u]{escape_markup(conflicts)}[/u][/color][/ref]"
            self.summary_markup = app.t("sync.summary", conflicts=link, **counts) + tail
        else:
            self.summary_markup = escape_markup(self.summary)

    def open_conflicts(self) -> None:
        App.get_running_app().show("conflicts")

    def _fill_rejected(self) -> None:
        app = App.get_running_app()
        box = self.ids.rejected
        box.clear_widgets()
        self.has_rejected = False
        if app.device is None:
            return
        for change in app.device.outbox.rejected():
            self.has_rejected = True
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
