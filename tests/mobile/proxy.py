"""A user-space TCP proxy on loopback that cuts connections after N bytes (TRAPS.md: no netem here).

    with CuttingProxy(("127.0.0.1", server_port)) as proxy:
        proxy.arm(cut_after=700, connections=1, direction="down")
        ... talk to proxy.url ...

``arm`` makes the next ``connections`` accepted connections die (both sockets reset) once
``cut_after`` bytes have gone through in ``direction`` ("up": client to server, "down": server to
client, "both": either, counted together). Later connections pass untouched, so a client that
retries gets through. Threads, not asyncio: the client under test is synchronous and the proxy
must keep running while it blocks.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down", "both"]


@dataclass
class _Rule:
    cut_after: int
    direction: Direction


class CuttingProxy:
    def __init__(self, target: tuple[str, int], *, port: int = 0) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._armed: list[_Rule] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self.connections = 0
        self.cuts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, cut_after: int, *, connections: int = 1, direction: Direction = "both") -> None:
        with self._lock:
            self._armed = [_Rule(cut_after, direction) for _ in range(connections)]

    def disarm(self) -> None:
        with self._lock:
            self._armed = []

    def __enter__(self) -> CuttingProxy:
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            socks = list(self._sockets)
        for s in socks:
            _kill(s)
        for t in self._threads:
            t.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = self._connect_upstream()
            except OSError:
                _kill(client)
                continue
            with self._lock:
                self.connections += 1
                rule = self._armed.pop(0) if self._armed else None
                self._sockets.update((client, upstream))
            _Conn(self, client, upstream, rule).start()

    def _connect_upstream(self) -> socket.socket:
        return socket.create_connection(self.target, timeout=10)

    def _count_cut(self) -> None:
        with self._lock:
            self.cuts += 1


def _kill(sock: socket.socket) -> None:
    """Drop a connection at once, like a mobile link that goes away.

    ``shutdown`` first: on Linux a plain ``close`` does not wake the other pump thread blocked in
    ``recv`` on the same socket, so the peer would see nothing until its read timeout.
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class _Conn:
    def __init__(
        self,
        proxy: CuttingProxy,
        client: socket.socket,
        upstream: socket.socket,
        rule: _Rule | None,
    ) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.rule = rule
        self.counted = 0
        self.lock = threading.Lock()
        self.dead = False

    def start(self) -> None:
        for src, dst, d in (
            (self.client, self.upstream, "up"),
            (self.upstream, self.client, "down"),
        ):
            t = threading.Thread(target=self._pump, args=(src, dst, d), daemon=True)
            t.start()

    def _die(self) -> None:
        with self.lock:
            if self.dead:
                return
            self.dead = True
        _kill(self.client)
        _kill(self.upstream)

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    return
                rule = self.rule
                if rule is not None and rule.direction in (direction, "both"):
                    with self.lock:
                        room = rule.cut_after - self.counted
                        self.counted += len(data)
                    if len(data) >= room:
                        if room > 0:
                            dst.sendall(data[:room])
                        self.proxy._count_cut()
                        self._die()
                        return
                dst.sendall(data)
        except OSError:
            self._die()
