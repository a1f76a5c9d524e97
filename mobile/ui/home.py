"""Home: my units, counts, unsent work, last sync, and records a reviewer returned, on top."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.ui.i18n import local_time, who_text

__all__ = ["SCREEN", "HomeScreen"]

# Every kind of record the reports count.
COUNTED = ("residential_area", "model", "visit", "evidence", "initiative", "activity")


class HomeScreen(Screen):
    who = StringProperty("")
    units_text = StringProperty("")
    counts_text = StringProperty("")
    unsent_text = StringProperty("")
    last_sync_text = StringProperty("")
    has_returned = BooleanProperty(False)

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        app.bind(generation=lambda *_: self.refresh(), lang=lambda *_: self.refresh())

    def open(self, **_: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = App.get_running_app()
        dev = app.device
        if dev is None:
            return
        user = dev.user
        self.who = f"{user.get('full_name') or dev.username} · {who_text(app)}"
        units = dev.units()
        self.units_text = (
            "\n".join(
                u["code"] if u["name"] == u["code"] else f"{u['name']} ({u['code']})" for u in units
            )
            or "—"
        )
        self.counts_text = "\n".join(
            f"{app.t('entity.plural.' + e)}: {dev.records.count(e)}" for e in COUNTED
        )
        counts = dev.outbox.counts()
        status = dev.status()
        self.unsent_text = app.t(
            "home.unsent",
            pending=counts.pending,
            drafts=status["drafts"],
            rejected=counts.rejected,
            files=status["files"]["pending"],
        )
        last = status["last_sync_at"]
        self.last_sync_text = app.t(
            "home.last_sync", when=local_time(last) if last else app.t("home.never")
        )
        self._fill_returned()

    def _fill_returned(self) -> None:
        app = App.get_running_app()
        box = self.ids.returned
        box.clear_widgets()
        rows = app.device.records.list(None, fields_equal={"review_state": "returned"}, limit=50)
        for rec in rows:
            reason = rec.fields.get("review_comment") or app.t("home.no_reason")
            btn = Factory.ReturnedItem(
                text=app.t(
                    "home.returned_item",
                    entity=app.t("entity." + rec.entity),
                    title=rec.title or rec.record_id[:8],
                    reason=reason,
                )
            )
            btn.bind(on_release=lambda _b, rid=rec.record_id: app.show("record", record_id=rid))
            box.add_widget(btn)
        self.has_returned = bool(rows)


SCREEN = HomeScreen
