"""A form screen generated from a form definition: one editor per field (editors.py), labels
and choices in the app's language, required marks, skip logic applied as the officer types, the
shared validation's messages under each field, long forms split into pages, save as draft or
finalize.

The screen only collects values; ``Records.create`` / ``Records.edit`` (mobile.core) save them,
and ``shared_schema.validation`` (the server's own rules) says what is wrong.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.logger import Logger
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.core import StoreError
from mobile.core.errors import DeviceError
from mobile.ui.editors import EDITORS, FieldEditor
from mobile.ui.i18n import device_error_text
from shared_schema.forms import FormDefinition
from shared_schema.validation import apply_defaults, evaluate_relevance, is_empty, validate

__all__ = ["SCREEN", "FormScreen"]

PAGE_SIZE = 6


class FormScreen(Screen):
    data: dict[str, Any]
    editors: dict[str, FieldEditor]
    title_text = StringProperty("")
    page = NumericProperty(0)
    pages = NumericProperty(1)
    message = StringProperty("")

    def on_kv_post(self, _base: Any) -> None:
        App.get_running_app().bind(lang=lambda *_: self._relabel())

    def _relabel(self) -> None:
        """A language switch while the form is open: the same values, labels in the new one."""
        if not getattr(self, "editors", None):
            return
        app = App.get_running_app()
        self.data = self.values()
        self.editors.clear()
        self.title_text = self.form.title.en if app.lang == "en" else self.form.title.vi
        self._show_page()

    def open(
        self,
        entity: str = "model",
        record_id: str | None = None,
        preset: dict[str, Any] | None = None,
        check: bool = False,
        **_: Any,
    ) -> None:
        app = App.get_running_app()
        dev = app.device
        self.entity = entity
        self.record_id = record_id
        self.original: dict[str, Any] = {}
        self.touched: set[str] = set()
        self.message = ""
        if record_id:
            rec = dev.records.get(record_id)
            form = (
                dev.forms.get(rec.form_id, rec.form_version)
                if rec.form_id and rec.form_version is not None
                else dev.forms.latest(entity)
            )
            self.original = dict(rec.fields)
            values = dict(rec.fields)
        else:
            form = dev.forms.latest(entity)
            values = dict(apply_defaults(form, dict(preset or {})))
            units = dev.units()
            if len(units) == 1:
                values.setdefault("unit", units[0]["code"])
        self.form: FormDefinition = form
        title = form.title.en if app.lang == "en" else form.title.vi
        self.title_text = title
        # Editors are made page by page, when shown: a page's widgets cost ~20 ms each field.
        self.data = {f.name: values.get(f.name) for f in form.fields}
        self.editors = {}
        self._shown: dict[str, bool] = {}
        self._errs: dict[str, str] = {}
        self.pages = max(1, -(-len(form.fields) // PAGE_SIZE))
        self.page = 0
        self._relevance()
        self._show_page()
        if check:
            self.touched = set(self.data)
            self._errors()

    # ------------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        return {
            name: (self.editors[name].get() if name in self.editors else value)
            for name, value in self.data.items()
        }

    def editor(self, name: str) -> FieldEditor:
        """The field's editor, made on first use with the value the form holds for it."""
        ed = self.editors.get(name)
        if ed is None:
            fdef = self.form.field(name)
            assert fdef is not None
            ed = EDITORS[fdef.type](fdef, self._changed)
            ed.set_value(self.data.get(name))
            ed.shown = self._shown.get(name, True)
            ed.error = self._errs.get(name, "")
            self.editors[name] = ed
        return ed

    def _changed(self, name: str) -> None:
        self.touched.add(name)
        self._relevance()
        if not self._errors():
            self.message = ""  # the "fix these fields" note goes once they are fixed

    def _relevance(self) -> None:
        relevant = evaluate_relevance(self.form, self.values())
        self._shown = {name: relevant.get(name, True) for name in self.data}
        for name, ed in self.editors.items():
            ed.shown = self._shown[name]

    def _issues(self) -> dict[str, str]:
        app = App.get_running_app()
        values = {k: v for k, v in self.values().items() if not is_empty(v)}
        out: dict[str, str] = {}
        for issue in validate(self.form, values, lang=app.lang):
            if issue.field and issue.field not in out:
                out[issue.field] = issue.message
        return out

    def _errors(self) -> dict[str, str]:
        issues = self._issues()
        self._errs = {
            name: issues.get(name, "") if name in self.touched and self._shown.get(name) else ""
            for name in self.data
        }
        for name, ed in self.editors.items():
            ed.error = self._errs[name]
        return issues

    # ------------------------------------------------------------------ pages
    def _show_page(self) -> None:
        box = self.ids.fields
        box.clear_widgets()
        start = self.page * PAGE_SIZE
        for fdef in self.form.fields[start : start + PAGE_SIZE]:
            box.add_widget(self.editor(fdef.name))
        self.ids.scroll.scroll_y = 1

    def go(self, step: int) -> None:
        self.page = min(self.pages - 1, max(0, self.page + step))
        self._show_page()

    # ------------------------------------------------------------------ saving
    def _payload(self) -> dict[str, Any]:
        values = self.values()
        if not self.record_id:
            return {k: v for k, v in values.items() if not is_empty(v)}
        # An edit sends what changed; a cleared field is None.
        return {
            k: (None if is_empty(v) else v)
            for k, v in values.items()
            if (None if is_empty(v) else v) != self.original.get(k)
        }

    def save(self, finalize: bool) -> None:
        app = App.get_running_app()
        dev = app.device
        payload = self._payload()
        try:
            if self.record_id:
                result = dev.records.edit(self.record_id, payload, finalize=finalize)
            else:
                unit = payload.get("unit")
                result = dev.records.create(self.entity, payload, unit=unit, finalize=finalize)
        except DeviceError as exc:
            self.message = app.t("form.not_saved", detail=device_error_text(exc, app.lang))
            return
        except ValueError as exc:  # not a refusal of ours (a cached form that will not load)
            Logger.error("DKST: a save failed", exc_info=exc)
            self.message = app.t("form.not_saved", detail=app.t("error.unexpected"))
            return
        except (OSError, StoreError) as exc:
            # A full disk ("database or disk is full"): the transaction rolled back, so nothing
            # is half-saved and every earlier save is intact.
            Logger.error("DKST: a save failed on the disk: %s", exc)
            self.message = app.t("form.disk")
            return
        self.record_id = result.record_id
        self.original = dict(dev.records.get(result.record_id).fields)
        app.changed()
        if finalize and not result.finalized:
            self.touched = set(self.data)
            issues = self._errors()
            self.message = app.t("form.has_errors", n=len(issues) or len(result.issues))
            first = next((i for i, f in enumerate(self.form.fields) if f.name in issues), None)
            if first is not None:
                self.page = first // PAGE_SIZE
                self._show_page()
            return
        app.back()
        app.show("record", record_id=result.record_id)


SCREEN = FormScreen
