"""A list of records of one kind: search without diacritics, filters, paging.

The list is a RecycleView over plain dicts: a few dozen row widgets are reused however many
records match. Rows are fetched a page at a time as the officer scrolls, so a keystroke costs
one indexed query of a page, not 20,000 rows.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.screenmanager import Screen

from mobile.ui.i18n import day_text
from shared_schema.display import review_state_label
from shared_schema.entities import REVIEW_STATES

__all__ = ["SCREEN", "RecordRow", "RecordsScreen"]

PAGE = 50
# The filters of each kind's list, by field: a form's choices, the residential areas on the
# device, or the review states (shared_schema.entities).
FILTERS: dict[str, tuple[str, ...]] = {
    "model": ("content_area", "status", "residential_area", "review_state"),
    "initiative": ("field", "status", "review_state"),
    "activity": ("kind", "review_state"),
}


class RecordRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    record_id = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")

    def on_release(self) -> None:
        App.get_running_app().show("record", record_id=self.record_id)


class RecordsScreen(Screen):
    entity = StringProperty("model")
    count_text = StringProperty("")
    has_filters = BooleanProperty(True)

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        app.bind(generation=lambda *_: self._reload_if_shown())
        app.bind(lang=lambda *_: self.open(entity=self.entity, keep=True))
        self.ids.rv.bind(scroll_y=self._maybe_more)
        self.ids.rv.children[0].bind(height=self._reanchor)
        self._anchor_px: float | None = None
        self._filters: dict[str, Any] = {}  # field -> the value chosen
        self.filters: dict[str, Any] = {}  # field -> its drop-down list
        self._choices: dict[str, list[tuple[Any, str]]] = {}
        self._exhausted = False
        self._building = False

    def open(self, entity: str = "model", keep: bool = False, **_: Any) -> None:
        if entity != self.entity or not keep:
            self._filters = {}
        self.entity = entity
        self.has_filters = entity in FILTERS
        self._build_filters()
        self.reload()

    def refresh(self) -> None:
        self.reload()

    def _reload_if_shown(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.reload()

    # ------------------------------------------------------------------ filters
    def _build_filters(self) -> None:
        app = App.get_running_app()
        if app.device is None:
            return
        form = app.device.forms.latest(self.entity)
        all_ = app.t("list.all")
        self._choices = {}
        self._building = True
        grid = self.ids.filters
        grid.clear_widgets()
        self.filters = {}
        for name in FILTERS.get(self.entity, ()):
            if name == "review_state":
                options = [(v, review_state_label(v, app.lang)) for v in REVIEW_STATES]
            elif name == "residential_area":
                options = [
                    (r.record_id, r.title)
                    for r in app.device.records.list_items("residential_area", limit=500)
                ]
            else:
                fdef = form.field(name)
                options = [
                    (c.value, c.label.vi if app.lang == "vi" else c.label.en)
                    for c in (fdef.choices if fdef is not None and fdef.choices else ())
                ]
            self._choices[name] = options
            spinner = Factory.FilterChoice()
            spinner.bind(text=lambda widget, text, name=name: self.choose_filter(name, text))
            grid.add_widget(spinner)
            self.filters[name] = spinner
            label = app.t("filter." + name)
            spinner.values = [f"{label}: {all_}"] + [f"{label}: {text}" for _, text in options]
            current = self._filters.get(name)
            chosen = next((text for v, text in options if v == current), None)
            spinner.text = f"{label}: {chosen or all_}"
        self._building = False

    def choose_filter(self, name: str, text: str) -> None:
        if self._building:
            return
        options = self._choices.get(name, [])
        label_len = len(App.get_running_app().t("filter." + name)) + 2
        picked = text[label_len:]
        value = next((v for v, t in options if t == picked), None)
        if value is None:
            self._filters.pop(name, None)
        else:
            self._filters[name] = value
        self.reload()

    # ------------------------------------------------------------------ rows
    def _rows(self, offset: int) -> list[dict[str, Any]]:
        app = App.get_running_app()
        search = self.ids.search.text.strip() or None
        items = app.device.records.list_items(
            self.entity,
            search=search,
            limit=PAGE,
            offset=offset,
            fields_equal=self._filters or None,
        )
        form = app.device.forms.latest(self.entity)
        status = form.field("status") or form.field("kind")
        out = []
        for item in items:
            fields = item.fields
            parts = []
            if isinstance(fields.get("date"), str):  # an activity: which day it was
                parts.append(day_text(fields["date"]))
            if status is not None and fields.get(status.name):
                parts.append(status.choice_label(fields[status.name], app.lang) or "")
            if fields.get("review_state"):
                parts.append(review_state_label(fields["review_state"], app.lang))
            if item.draft:
                parts.append(app.t("status.draft"))
            out.append(
                {
                    "record_id": item.record_id,
                    "title": item.title or app.t("list.untitled"),
                    "subtitle": " · ".join(p for p in parts if p),
                }
            )
        return out

    def reload(self) -> None:
        if App.get_running_app().device is None:
            return
        data = self._rows(0)
        self._exhausted = len(data) < PAGE
        self.ids.rv.data = data
        self.ids.rv.scroll_y = 1
        self._count()

    def _count(self) -> None:
        app = App.get_running_app()
        n = len(self.ids.rv.data)
        more = "" if self._exhausted else "+"
        self.count_text = app.t("list.count", n=f"{n}{more}")

    def _maybe_more(self, rv: Any, scroll_y: float) -> None:
        """Fetch the next page when less than two screens of rows are left below the view."""
        if self._exhausted or not rv.data:
            return
        layout = rv.children[0]
        scrollable = max(0.0, layout.height - rv.height)
        if scroll_y * scrollable > 2 * rv.height:
            return
        more = self._rows(len(rv.data))
        self._exhausted = len(more) < PAGE
        if more:
            # ScrollView keeps scroll_y (a fraction) when the content grows, which would jump
            # the view; keep the rows the officer is looking at where they are instead.
            self._anchor_px = (1 - scroll_y) * scrollable
            rv.data.extend(more)
        self._count()

    def _reanchor(self, layout: Any, height: float) -> None:
        if self._anchor_px is None:
            return
        rv = self.ids.rv
        rv.scroll_y = max(0.0, 1 - self._anchor_px / max(1.0, height - rv.height))
        self._anchor_px = None

    def add(self) -> None:
        App.get_running_app().show("form", entity=self.entity)


SCREEN = RecordsScreen
