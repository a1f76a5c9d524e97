"""Drive the app's real window as a person would: touches at widgets' places, typed text.

Kivy is imported inside the functions: collecting the tests must not open a window or load
Kivy for the rest of the suite (tests/mobile checks that the core runs without it).

The app runs inside the test process on Kivy's own event loop, pumped by ``pump`` (one frame per
call), so worker threads (login, sync, photos) report back through the same ``Clock`` as in use.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SHOTS = Path(os.environ.get("DKST_SCREENSHOT_DIR") or Path(__file__).parent / ".screenshots")


def pump(frames: int = 1) -> None:
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def wait_until(cond: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        pump()
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or cond}")
        time.sleep(0.01)


def tap(widget: Any) -> None:
    """Press and release a finger on the middle of ``widget`` (it must be on screen)."""
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    pump()
    assert widget.get_root_window() is not None, f"{widget} is not on the window"
    scroll_to(widget)  # in a scrolled page, bring it into the view first, as a person would
    x, y = widget.to_window(*widget.center)
    assert 0 <= x < Window.width and 0 <= y < Window.height, f"{widget} is off screen at {x, y}"
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    pump()
    touch.touch_up()
    pump(2)


def tap_ref(label: Any, ref: str) -> None:
    """Tap the middle of the ``[ref=…]`` span ``ref`` of a markup label (a link in its text)."""
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    pump()
    scroll_to(label)
    assert ref in label.refs, f"no [ref={ref}] in {label.text!r}"
    x1, y1, x2, y2 = label.refs[ref][0]
    tw, th = label.texture_size
    # Label.on_touch_down's own arithmetic, backwards: texture space -> the label's parent.
    x = label.center_x - tw / 2 + (x1 + x2) / 2
    y = label.center_y - th / 2 + th - (y1 + y2) / 2
    x, y = label.parent.to_window(x, y) if label.parent is not None else (x, y)
    assert 0 <= x < Window.width and 0 <= y < Window.height, f"[ref={ref}] is off screen"
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    pump()
    touch.touch_up()
    pump(2)


def scroll_to(widget: Any) -> None:
    """Scroll the ScrollView holding ``widget`` until the widget's middle is in its view."""
    from kivy.core.window import Window

    parent = widget.parent
    while parent is not None and parent is not Window and not hasattr(parent, "scroll_to"):
        parent = parent.parent
    # A RecycleView's rows are placed by the view itself (its scroll_to does not apply).
    if parent is None or parent is Window or type(parent).__name__ == "RecycleView":
        return
    x, y = widget.to_window(*widget.center)
    left, bottom = parent.to_window(parent.x, parent.y)
    if left <= x <= left + parent.width and bottom <= y <= bottom + parent.height:
        return
    parent.scroll_to(widget, padding=40, animate=False)
    pump(3)


def type_into(field: Any, text: str, *, clear: bool = True) -> None:
    """Tap a text field and type ``text`` through the window's keyboard events."""
    from kivy.core.window import Window

    scroll_to(field)
    tap(field)
    assert field.focus, f"{field} did not take the focus"
    if clear:
        field.select_all()
        field.delete_selection()
    Window.dispatch("on_textinput", text)
    pump(2)
    assert field.text.endswith(text), (field.text, text)


def choose(spinner: Any, text: str) -> None:
    """Open a drop-down list and tap the entry ``text``."""
    scroll_to(spinner)
    tap(spinner)
    wait_until(lambda: spinner.is_open, 5, "the list to open")
    pump(3)
    items = [c for c in spinner._dropdown.container.children if getattr(c, "text", None) == text]
    assert items, f"{text!r} not among {[c.text for c in spinner._dropdown.container.children]}"
    item = items[0]
    spinner._dropdown.scroll_to(item, animate=False)
    pump(3)
    tap(item)
    wait_until(lambda: spinner.text == text, 5, f"{text!r} to be chosen")


def shot(name: str) -> Path:
    """Save the window as ``SHOTS/name.png`` (Kivy appends 0001: TRAPS.md)."""
    from kivy.core.window import Window

    SHOTS.mkdir(parents=True, exist_ok=True)
    pump(3)
    written = Window.screenshot(name=str(SHOTS / f"{name}.png"))
    target = SHOTS / f"{name}.png"
    shutil.move(written, target)
    return target


# ---------------------------------------------------------------------------- a window of its own
_ROOT = Path(__file__).resolve().parents[2]


def run_own_window(script: str, *args: str) -> None:
    """Run ``script`` (it starts ``mobile.ui.main.run`` and drives it) in a Python process of its
    own, with its own Kivy window: the suite's window stays with its server. Fails with the
    script's output when it does."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env.update(PYTHONPATH=str(_ROOT))
    run = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        cwd=_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def keep_shot(out: Path, name: str) -> None:
    """Copy the newest ``<name>*.png`` the window saved into ``out`` beside the suite's shots."""
    written = sorted(out.glob(f"{name}*.png"))
    assert written, f"no {name} screenshot"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{name}.png").write_bytes(written[-1].read_bytes())
