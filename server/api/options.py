"""``Allow`` that names every method of a path, and ``OPTIONS`` answered on every API path.

Starlette's router answers a wrong method with 405 and the methods of the *first* route of the
path only (``/attachments/{sha256}`` has three routes: HEAD, PUT, GET), and answers ``OPTIONS``
with that 405 too. The published OpenAPI paths know every method of a path: this middleware answers
``OPTIONS`` with 204 and all of them, OPTIONS included, and puts the same list in every 405.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def path_methods(spec: dict[str, Any]) -> list[tuple[re.Pattern[str], set[str]]]:
    """(path regex, methods) for every path of an OpenAPI document, ``{param}`` one segment."""
    out = []
    for path, ops in spec.get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
        out.append((re.compile(f"^{pattern}$"), {m.upper() for m in ops} | {"OPTIONS"}))
    return out


class OptionsAllow:
    def __init__(self, app: ASGIApp, spec: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self._spec = spec
        self._table: list[tuple[re.Pattern[str], set[str]]] | None = None

    def _allowed(self, path: str) -> set[str]:
        if self._table is None:
            self._table = path_methods(self._spec())
        for rx, methods in self._table:
            if rx.match(path):
                return methods
        return set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = self._allowed(scope["path"])
        if not methods:
            await self.app(scope, receive, send)
            return
        allow = ", ".join(sorted(methods))
        if scope["method"] == "OPTIONS":
            await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)
            return

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = MutableHeaders(scope=message)
                headers["Allow"] = allow
            await send(message)

        await self.app(scope, receive, _send)
