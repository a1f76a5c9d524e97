"""One record: its fields in the app's language, why the server refused or a reviewer returned
it, its visits and evidence (with thumbnails of the files this device holds), and what the
officer can do with it: edit, finalize, delete, record a visit, add a photo."""

from __future__ import annotations

import threading
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.core.device import Device
from mobile.core.records import LocalRecord, RecordNotFound
from mobile.ui.dialogs import ask
from mobile.ui.display import show_value
from mobile.ui.i18n import issue_text, label_of
from shared_schema.display import review_state_label, unit_before_2025_text
from shared_schema.validation import evaluate_relevance

__all__ = ["SCREEN", "RecordScreen"]

# The actions of a record (buttons of record.kv), in the order they are laid out.
ACTIONS = ("edit", "finalize", "add_visit", "add_photo", "discard", "conflicts", "delete")

# Which child records a record lists, by the reference field that points back to it.
CHILDREN = {
    "model": (("visit", "model"), ("evidence", "model")),
    "visit": (("evidence", "visit"),),
    "residential_area": (("model", "residential_area"),),
    # Form set v2 (issue 20): an initiative's dossier, an activity's photos.
    "initiative": (("evidence", "initiative"),),
    "activity": (("evidence", "activity"),),
}


def _evidence_parents() -> set[str]:
    """What the newest evidence form may name (v1: a model or a visit; v2: an initiative or an
    activity too): the records a photo or document can be added to, read from the definition."""
    form = App.get_running_app().device.forms.latest("evidence")
    return {f.reference_entity or "" for f in form.fields if f.type == "reference"}


class RecordScreen(Screen):
    record_id = StringProperty("")
    entity = StringProperty("")
    title_text = StringProperty("")
    state_text = StringProperty("")
    problems_text = StringProperty("")
    is_draft = BooleanProperty(False)
    has_rejected = BooleanProperty(False)
    has_conflicts = BooleanProperty(False)
    deleted = BooleanProperty(False)

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        # Only while shown: a screen left behind may hold a record deleted since, and its refresh
        # would then go back from wherever the officer is (show and back refresh it on return).
        app.bind(
            lang=lambda *_: self._refresh_if_shown(),
            generation=lambda *_: self._refresh_if_shown(),
        )
        # The buttons themselves (ids are weak): one that does not apply leaves the layout.
        self._buttons = {name: self.ids[name].__self__ for name in ACTIONS}

    def open(self, record_id: str = "", **_: Any) -> None:
        self.record_id = record_id
        self.refresh()

    def _refresh_if_shown(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()

    def refresh(self) -> None:
        app = App.get_running_app()
        if app.device is None or not self.record_id:
            return
        try:
            rec = app.device.records.get(self.record_id)
        except RecordNotFound:
            app.back()
            return
        self.entity = rec.entity
        self.title_text = rec.title or app.t("entity." + rec.entity)
        self.is_draft = rec.draft
        self.deleted = rec.deleted
        self.has_rejected = rec.status == "rejected"
        self.has_conflicts = bool(rec.conflicts)
        self.state_text = self._state(rec)
        self.problems_text = self._problems(rec)
        self._show_actions()
        self._fill_fields(rec)
        self._fill_children(rec)

    def _show_actions(self) -> None:
        """Lay out the buttons that apply (a residential area has no "+ Lượt khảo sát")."""
        live = not self.deleted
        applies = {
            "edit": live,
            "finalize": self.is_draft,
            "add_visit": live and self.entity == "model",
            "add_photo": live and self.entity in _evidence_parents(),
            "discard": self.has_rejected,
            "conflicts": self.has_conflicts,
            "delete": live,
        }
        grid = self.ids.actions
        grid.clear_widgets()
        for name in ACTIONS:
            if applies[name]:
                grid.add_widget(self._buttons[name])

    def _state(self, rec: LocalRecord) -> str:
        app = App.get_running_app()
        parts = [app.t("entity." + rec.entity), app.t("status." + rec.status)]
        if rec.deleted:
            parts.append(app.t("status.deleted"))
        review = rec.fields.get("review_state")
        if review:
            parts.append(review_state_label(review, app.lang))
        return " · ".join(parts)

    def _problems(self, rec: LocalRecord) -> str:
        app = App.get_running_app()
        lines = []
        if rec.fields.get("review_state") == "returned":
            lines.append(app.t("record.returned", reason=rec.fields.get("review_comment") or "—"))
        for err in rec.errors:
            lines.append(app.t("record.rejected", reason=issue_text(err, rec, app)))
        if rec.conflicts:
            lines.append(app.t("record.conflicts", n=len(rec.conflicts)))
        return "\n".join(lines)

    def _fill_fields(self, rec: LocalRecord) -> None:
        app = App.get_running_app()
        box = self.ids.fields
        box.clear_widgets()
        form = app.device.forms.latest(rec.entity)
        # A field its form's skip logic leaves out ("Lý do dừng" of a model still running) is
        # not shown, as the form does not ask it.
        relevant = evaluate_relevance(form, rec.fields)
        for fdef in form.fields:
            if fdef.name in ("sha256", "size", "media_type") or not relevant[fdef.name]:
                continue
            label = label_of(fdef, app)
            value = show_value(app.device, fdef, rec.fields.get(fdef.name), app.lang)
            box.add_widget(Factory.FieldLine(name=label, value=value))
            before = rec.fields.get("unit_before_2025")
            if fdef.type == "unit" and before:  # moved by the 2025 reform: its old-map unit
                old = unit_before_2025_text(before)
                box.add_widget(Factory.FieldLine(name=app.t("record.before_2025"), value=old))

    def _fill_children(self, rec: LocalRecord) -> None:
        app = App.get_running_app()
        box = self.ids.children
        box.clear_widgets()
        for entity, ref in CHILDREN.get(rec.entity, ()):
            kids = app.device.records.list(entity, fields_equal={ref: rec.record_id}, limit=200)
            box.add_widget(
                Factory.Muted(
                    text=app.t(
                        "record.children", what=app.t("entity.plural." + entity), n=len(kids)
                    )
                )
            )
            for kid in kids:
                if entity == "evidence":
                    item = Factory.EvidenceItem(text=kid.title or app.t("entity.evidence"))
                    sha = kid.fields.get("sha256")
                    if isinstance(sha, str) and len(sha) == 64:
                        self._thumbnail(item, sha)
                else:
                    name = (
                        kid.title
                        or f"{app.t('entity.' + entity)} {kid.fields.get('visit_date') or ''}"
                    )
                    item = Factory.ChildItem(
                        text=f"{name.strip()} · {app.t('status.' + kid.status)}"
                    )
                item.bind(
                    on_release=lambda _b, rid=kid.record_id: app.show("record", record_id=rid)
                )
                box.add_widget(item)

    def _thumbnail(self, item: Any, sha: str) -> None:
        """Show the file at once if it is here, else fetch it on a worker thread (cached)."""
        app = App.get_running_app()
        here = app.device.local_file(sha)
        if here is not None:
            item.source = str(here)
            return
        caption = item.text
        item.text = f"{caption}\n{app.t('record.file_loading')}"
        data_dir = app.data_dir

        def work() -> None:
            path: str | None
            try:
                with Device.open(data_dir) as dev:
                    path = str(dev.fetch_file(sha))
            except Exception:  # offline, or not uploaded yet: said on the item; tried next time
                path = None
            Clock.schedule_once(lambda _dt: shown(path))

        def shown(path: str | None) -> None:
            if path:
                item.source, item.text = path, caption
            else:
                item.text = f"{caption}\n{app.t('record.file_elsewhere')}"

        threading.Thread(target=work, name="dkst-file", daemon=True).start()

    # ------------------------------------------------------------------ actions
    def edit(self) -> None:
        App.get_running_app().show("form", entity=self.entity, record_id=self.record_id)

    def finalize(self) -> None:
        app = App.get_running_app()
        result = app.device.records.finalize(self.record_id)
        if not result.finalized:
            app.show("form", entity=self.entity, record_id=self.record_id, check=True)
            return
        app.changed()
        self.refresh()

    def delete(self) -> None:
        app = App.get_running_app()

        def really() -> None:
            app.device.records.delete(self.record_id)
            app.changed()
            app.back()

        ask(app.t("record.delete_q", title=self.title_text), really, yes_key="record.delete")

    def discard_rejected(self) -> None:
        app = App.get_running_app()

        def really() -> None:
            app.device.records.discard_rejected(self.record_id)
            app.changed()
            self.refresh()

        ask(app.t("record.discard_q"), really)

    def add_visit(self) -> None:
        App.get_running_app().show("form", entity="visit", preset={"model": self.record_id})

    def add_photo(self) -> None:  # shown for what evidence may name only (_show_actions)
        app = App.get_running_app()
        app.show("photo", parent_field=self.entity, parent_id=self.record_id)

    def conflicts(self) -> None:
        App.get_running_app().show("conflicts", record_id=self.record_id)


SCREEN = RecordScreen
