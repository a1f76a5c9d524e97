"""The App: holds the signed-in ``Device``, the language, the online badge, and the screens.

Screens are loaded on first use (one module and one ``.kv`` each, Electrum's ``load_screen``), so
a cold start builds only the screen it shows. Network work (login, the connectivity probe, sync)
runs on worker threads that open their own ``Device``; results come back through
``Clock.schedule_once`` so widgets are only touched on the UI thread.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.scrollview import ScrollView

from mobile.core.device import Device, NotLoggedIn
from mobile.core.http import ServerUnreachable
from mobile.core.location import LocationProvider, default_provider
from mobile.ui import widgets  # noqa: F401  (registers the small widgets with Factory)
from mobile.ui.connectivity import probe
from mobile.ui.i18n import LANGS, tr
from mobile.ui.syncer import SyncRun

__all__ = ["SCREENS", "FieldApp"]

HERE = Path(__file__).parent

# name -> module holding a ``Screen`` subclass named in the module's ``SCREEN`` attribute.
SCREENS = {
    "login": "mobile.ui.login",
    "home": "mobile.ui.home",
    "records": "mobile.ui.records",
    "record": "mobile.ui.record",
    "form": "mobile.ui.form",
    "photo": "mobile.ui.photo",
    "gps": "mobile.ui.gps",
    "sync": "mobile.ui.sync",
    "conflicts": "mobile.ui.conflicts",
    "settings": "mobile.ui.settings",
}

PROBE_EVERY_S = 10.0
AUTO_SYNC_EVERY_S = 60.0


@dataclass(frozen=True)
class Step:
    """A screen in the history: its name, what it was opened with, its scroll positions."""

    name: str
    params: dict[str, Any]
    scrolls: list[float]


def _pages(screen: Any) -> list[ScrollView]:
    return [w for w in screen.walk(restrict=True) if isinstance(w, ScrollView)]


def _scrolls(screen: Any) -> list[float]:
    return [page.scroll_y for page in _pages(screen)]


def _to_scrolls(screen: Any, scrolls: list[float]) -> None:
    for page, y in zip(_pages(screen), scrolls, strict=False):
        page.scroll_y = y


def _to_top(screen: Any) -> None:
    """A screen opened anew starts at its top, not where it was left with another record."""
    for page in _pages(screen):
        page.scroll_y = 1


class FieldApp(App):
    lang = StringProperty("vi")
    online = BooleanProperty(False)
    syncing = BooleanProperty(False)
    # Bumped after every save or sync: screens bind to it to refresh what they show.
    generation = NumericProperty(0)
    title = "DKST Field"

    def __init__(
        self,
        data_dir: str | Path,
        *,
        location: LocationProvider | None = None,
        probe_timeout_s: float = 3.0,
        auto_sync: bool = True,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.data_dir = Path(data_dir)
        self.device: Device | None = None
        self.location = location
        self.probe_timeout_s = probe_timeout_s
        self.auto_sync = auto_sync
        # The screens to go back to, each with what it was opened with and where it was scrolled:
        # one screen shows many records (a visit opened from its model), so a name is not enough.
        self.history: list[Step] = []
        self._params: dict[str, dict[str, Any]] = {}  # what each screen was last opened with
        self.sync_run: SyncRun | None = None
        self._probing = False
        self._auto_event: Any = None
        self._loaded: set[str] = set()
        prefs = self._read_prefs()
        if prefs.get("lang") in LANGS:
            self.lang = prefs["lang"]

    # ------------------------------------------------------------------ text
    def t(self, key: str, *_bind: Any, **kw: Any) -> str:
        """A string of the translation table in the app's language.

        kv rules pass ``app.lang`` as an extra argument so the text is rebuilt on a switch.
        """
        return tr(key, self.lang, **kw)

    def set_lang(self, lang: str) -> None:
        if lang in LANGS and lang != self.lang:
            self.lang = lang
            self._write_prefs(lang=lang)

    def _prefs_path(self) -> Path:
        return self.data_dir / "app.json"

    def _read_prefs(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self._prefs_path().read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def _write_prefs(self, **changes: Any) -> None:
        prefs = self._read_prefs()
        prefs.update(changes)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prefs_path().write_text(json.dumps(prefs, ensure_ascii=False), encoding="utf-8")

    # ------------------------------------------------------------------ building
    def build(self) -> ScreenManager:
        Window.clearcolor = (0.96, 0.96, 0.95, 1)
        Builder.load_file(str(HERE / "theme.kv"))
        self.sm = ScreenManager(transition=NoTransition())
        Window.bind(on_keyboard=self._on_key)
        return self.sm

    def on_start(self) -> None:
        try:
            self.device = Device.open(self.data_dir)
        except NotLoggedIn:
            self.device = None
        if self.device is None or not self.device.logged_in:
            self.show("login", reset=True)
        else:
            self.show("home", reset=True)
        self.check_online()
        Clock.schedule_interval(lambda dt: self.check_online(), PROBE_EVERY_S)
        if self.auto_sync:
            self.start_auto_sync(AUTO_SYNC_EVERY_S)

    def on_stop(self) -> None:
        if self.sync_run is not None:
            self.sync_run.cancel()
        if self.device is not None:
            self.device.close()

    def screen(self, name: str) -> Any:
        """The screen ``name``, loading its module and ``.kv`` on first use."""
        if not self.sm.has_screen(name):
            module = importlib.import_module(SCREENS[name])
            if name not in self._loaded:
                Builder.load_file(str(HERE / f"{name}.kv"))
                self._loaded.add(name)
            self.sm.add_widget(module.SCREEN(name=name))
        return self.sm.get_screen(name)

    def show(self, name: str, *, reset: bool = False, **params: Any) -> Any:
        """Open screen ``name`` with ``params``, at its top; ``back`` returns to this one."""
        scr = self.screen(name)
        here = self.sm.current
        if reset:
            self.history = []
        elif (
            here and self.sm.has_screen(here) and (here != name or self._params.get(here) != params)
        ):
            self.history.append(
                Step(here, self._params.get(here, {}), _scrolls(self.sm.current_screen))
            )
        if hasattr(scr, "open"):
            scr.open(**params)
        self._params[name] = params
        self.sm.current = name
        _to_top(scr)
        return scr

    def back(self) -> None:
        """The screen before this one, as it was left: the same screen holding another record is
        opened again with that record; another screen is only refreshed (a form keeps what was
        typed while the officer took a GPS fix)."""
        while self.history:
            step = self.history.pop()
            scr = self.screen(step.name)
            if step.name == self.sm.current:
                if step.params == self._params.get(step.name):
                    continue
                scr.open(**step.params)
                self._params[step.name] = step.params
                _to_scrolls(scr, step.scrolls)  # where the officer was on that record
            elif hasattr(scr, "refresh"):
                scr.refresh()  # it still holds its record and its scroll position
            self.sm.current = step.name
            return
        if self.device is not None and self.sm.current != "home":
            self.show("home", reset=True)

    def _on_key(self, _window: Any, key: int, *_: Any) -> bool:
        if key == 27:  # Android's back button, Escape on a desktop
            self.back()
            return True
        return False

    def changed(self) -> None:
        """Something was saved or synced: screens showing counts or lists refresh."""
        self.generation += 1

    # ------------------------------------------------------------------ session
    def logged_in(self, device: Device) -> None:
        if self.device is not None and self.device is not device:
            self.device.close()
        self.device = device
        self.online = True
        self.changed()
        self.show("home", reset=True)
        # Fetch the unit names, forms and records in scope now, while the officer has signal.
        self.start_sync()

    def log_out(self) -> None:
        """Forget the token; the account's database (records, outbox) stays on the device."""
        if self.device is not None:
            self.device.log_out()
            self.device.close()
            self.device = None
        self.show("login", reset=True)

    # ------------------------------------------------------------------ network
    def server_url(self) -> str:
        return self.device.server if self.device is not None else ""

    def check_online(self, done: Callable[[bool], None] | None = None) -> None:
        """Probe the server on a thread (a short timeout), then set the badge."""
        server = self.server_url()
        if not server or self._probing:
            return
        self._probing = True
        timeout = self.probe_timeout_s

        def work() -> None:
            ok = probe(server, timeout)

            def finish(_dt: float) -> None:
                self._probing = False
                self.online = ok
                if done is not None:
                    done(ok)

            Clock.schedule_once(finish)

        threading.Thread(target=work, name="dkst-probe", daemon=True).start()

    def start_auto_sync(self, every_s: float) -> None:
        """Every ``every_s``: probe the server, and sync quietly when it answers and work waits."""
        if self._auto_event is not None:
            self._auto_event.cancel()

        def tick(_dt: float) -> None:
            self.check_online(lambda ok: self.maybe_auto_sync() if ok else None)

        self._auto_event = Clock.schedule_interval(tick, every_s)

    def maybe_auto_sync(self) -> None:
        """Retry later by itself: when the server answers and changes wait, sync quietly."""
        if self.device is None or self.syncing or not self.online:
            return
        if not self.device.logged_in:
            return
        if self.device.outbox.counts().pending or self.device.media.pending():
            self.start_sync()

    def start_sync(
        self,
        on_progress: Callable[[Any], None] | None = None,
        on_done: Callable[[Any, BaseException | None], None] | None = None,
    ) -> SyncRun | None:
        if self.device is None or self.syncing:
            return None
        self.syncing = True

        def finished(report: Any, error: BaseException | None) -> None:
            self.syncing = False
            self.sync_run = None
            self.online = not isinstance(error, ServerUnreachable)
            self.changed()
            if on_done is not None:
                on_done(report, error)

        self.sync_run = SyncRun(
            self.data_dir,
            probe_timeout_s=self.probe_timeout_s,
            on_progress=on_progress,
            on_done=finished,
        )
        self.sync_run.start()
        return self.sync_run

    def location_provider(self) -> LocationProvider:
        if self.location is not None:
            return self.location
        assert self.device is not None
        return default_provider(self.device.settings())
