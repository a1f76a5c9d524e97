"""Form files: a form version is a JSON file, ``<form_id>.v<version>.json``; the default set
ships in ``shared_schema/data/forms/``.

Every check runs when a definition is built, whatever its source (package file, an
administrator's upload, a device's cache of ``GET /forms/{id}/{version}``). The loaders turn
pydantic's errors into one :class:`~shared_schema.form_definition.FormLoadError` whose message
names the file and the field, e.g. ``dkst_model.v1.json: fields[3] 'status': select_one needs
choices``. The JSON itself is read strictly: UTF-8, NFC, no duplicate keys, no NaN.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared_schema.form_definition import FormDefinition, FormLoadError, FormSet
from shared_schema.text import nfc

__all__ = ["load_default_forms", "load_form_file", "load_forms_dir", "parse_form"]

_FILE_NAME_RE = re.compile(
    r"(?P<form_id>[a-z][a-z0-9_]{0,63})\.v(?P<version>[1-9][0-9]{0,8})\.json"
)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _where(loc: tuple[int | str, ...], data: Any) -> str:
    """``("fields", 3, "choices", 0)`` → ``fields[3] 'status': choices[0]``, names from ``data``."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        key = loc[i]
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if key == "fields" and isinstance(nxt, int) and not parts:
            name = None
            if isinstance(node, Mapping) and isinstance(node.get("fields"), list):
                items = node["fields"]
                if 0 <= nxt < len(items) and isinstance(items[nxt], Mapping):
                    name = items[nxt].get("name")
                    node = items[nxt]
            parts.append(f"fields[{nxt}]" + (f" {name!r}" if isinstance(name, str) else "") + ":")
            i += 2
            continue
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(("." if parts and not parts[-1].endswith(":") else " ") + key)
        i += 1
    return "".join(parts).strip().rstrip(":")


def _describe(exc: ValidationError, data: Any) -> str:
    messages = []
    for err in exc.errors(include_url=False):
        ctx_error = (err.get("ctx") or {}).get("error")
        msg = str(ctx_error) if err["type"] == "value_error" and ctx_error else err["msg"]
        # Tuples hold the JSON lists of a form; "tuple" would only puzzle a form's author.
        msg = msg.replace("valid tuple", "valid list")
        # Union members add their type name to the location; it only confuses the reader.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        where = _where(loc, data)
        messages.append(f"{where}: {msg}" if where else msg)
    text = messages[0]
    if len(messages) > 1:
        text += f" (and {len(messages) - 1} more problem(s))"
    return text


def parse_form(data: Any, *, source: str = "<form>") -> FormDefinition:
    """Build a definition from parsed JSON; a bad one raises :class:`FormLoadError`."""
    try:
        return FormDefinition.model_validate(data)
    except ValidationError as exc:
        raise FormLoadError(f"{source}: {_describe(exc, data)}") from None


def _parse_text(raw: bytes, source: str) -> FormDefinition:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormLoadError(f"{source}: not UTF-8 (byte {exc.start})") from None
    if nfc(text) != text:
        line = next(n for n, ln in enumerate(text.splitlines(), 1) if nfc(ln) != ln)
        raise FormLoadError(f"{source}: line {line}: text is not Unicode NFC")
    try:
        data = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise FormLoadError(f"{source}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise FormLoadError(f"{source}: {exc or 'nested too deeply'}") from None
    if not isinstance(data, dict):
        raise FormLoadError(f"{source}: a form file holds one JSON object")
    return parse_form(data, source=source)


def _traversable(path: str | os.PathLike[str] | Traversable) -> Traversable:
    return Path(path) if isinstance(path, str | os.PathLike) else path


def load_form_file(path: str | os.PathLike[str] | Traversable) -> FormDefinition:
    """Load one form file (any name); raise :class:`FormLoadError` if it is malformed."""
    entry = _traversable(path)
    try:
        raw = entry.read_bytes()
    except OSError as exc:
        raise FormLoadError(f"{entry.name}: cannot read: {exc.strerror or exc}") from None
    return _parse_text(raw, entry.name)


def _load_dir(directory: Traversable) -> FormSet:
    forms = []
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json") or not entry.is_file():
            continue
        form = load_form_file(entry)
        m = _FILE_NAME_RE.fullmatch(entry.name)
        if m is None or (m["form_id"], int(m["version"])) != (form.form_id, form.version):
            raise FormLoadError(
                f"{entry.name}: file name must be {form.form_id}.v{form.version}.json"
            )
        forms.append(form)
    return FormSet(forms)


def load_forms_dir(path: str | os.PathLike[str] | Traversable) -> FormSet:
    """Load every ``<form_id>.v<version>.json`` of a directory (other files are ignored)."""
    directory = _traversable(path)
    if not directory.is_dir():
        raise FormLoadError(f"{directory.name}: not a directory")
    return _load_dir(directory)


@cache
def load_default_forms() -> FormSet:
    """The forms shipped with the package ("Đoàn kết sáng tạo" v1 and v2, v2 the default for new
    records); loaded once per process."""
    return _load_dir(resources.files("shared_schema") / "data" / "forms")
