"""uvicorn's HTTP protocol with the JSON error shape for requests it cannot even parse.

A request whose framing is broken (bad request line, bad header, bad chunk size) never reaches the
app: uvicorn answers it itself, with a plain-text 400. This protocol answers the same 400 with the
body every other error has (SYNC.md "Errors"), in Vietnamese, as no ``Accept-Language`` could be
read. ``dkst serve`` uses it; with uvicorn directly: ``--http server.api.http_protocol:JsonErrorHttpToolsProtocol``.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared_schema.errors import ErrorCode, error_message

PROTOCOL = "server.api.http_protocol:JsonErrorHttpToolsProtocol"


def _body(reason: str) -> bytes:
    error = {
        "code": ErrorCode.INVALID_REQUEST.value,
        "message": error_message(ErrorCode.INVALID_REQUEST, "vi"),
        "details": {"reason": reason},
    }
    return orjson.dumps({"error": error})


class JsonErrorHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        body = _body(msg)
        content = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
