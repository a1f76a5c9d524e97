"""bench/linkproxy.py, the emulated slow link the slow-link benchmark runs through: it counts the
bytes each way exactly, and a throttled transfer cannot beat bytes ÷ rate (a lower bound, not a
timing target: a busy machine only makes it slower)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bench.linkproxy import LinkProxy


@pytest.fixture
def echo() -> Iterator[int]:
    """A TCP server that sends back what it receives, until the client stops sending."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


def _round_trip(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        got = bytearray()
        reader = threading.Thread(target=lambda: _read_all(s, got))
        reader.start()
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        reader.join(30)
    return bytes(got)


def _read_all(s: socket.socket, into: bytearray) -> None:
    while data := s.recv(65536):
        into += data


def test_counts_every_byte_each_way(echo: int) -> None:
    payload = os.urandom(300_000)
    with LinkProxy(("127.0.0.1", echo)) as link:
        assert _round_trip(link.port, payload) == payload
        assert _round_trip(link.port, b"x" * 1234) == b"x" * 1234
        assert (link.bytes_up, link.bytes_down, link.connections) == (301_234, 301_234, 2)
        link.reset_counts()
        assert (link.bytes_up, link.bytes_down, link.connections) == (0, 0, 0)


def test_a_throttled_transfer_takes_at_least_bytes_over_rate(echo: int) -> None:
    payload = os.urandom(100_000)
    rate, delay = 2_000_000, 0.05
    with LinkProxy(("127.0.0.1", echo), rate_bps=rate, delay_s=delay, loss=0.02) as link:
        t = time.monotonic()
        assert _round_trip(link.port, payload) == payload  # loss delays, never drops or reorders
        took = time.monotonic() - t
        assert (link.bytes_up, link.bytes_down) == (100_000, 100_000)
    # The bytes up leave at the rate; the last of them then still has the delay to go both ways.
    assert took >= len(payload) * 8 / rate + 2 * delay
