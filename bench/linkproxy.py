"""A TCP proxy for the benchmarks: counts the bytes each way, and can emulate a slow link.

``tc netem`` is not in this machine's kernel (TRAPS.md "Network tests"), so the link is emulated in
user space, between a benchmark's client and the server it talks to::

    with LinkProxy(("127.0.0.1", server_port), rate_bps=1_000_000, delay_s=0.150, loss=0.01) as p:
        client = Client(f"http://127.0.0.1:{p.port}")
        ...
        print(p.bytes_up, p.bytes_down)

The model, per direction, shared by every connection through the proxy (one phone, one 3G link):

- **Rate.** The bytes leave one after another at ``rate_bps``: a segment of ``n`` bytes occupies
  the link for ``8 n / rate_bps`` seconds after the previous one left.
- **Delay.** Each segment then arrives ``delay_s`` later (one way; a round trip pays it twice).
- **Loss.** Each segment of up to 1,460 bytes (one Ethernet MSS) is lost with probability ``loss``;
  TCP resends it after its retransmission timeout, modelled as Linux's minimum RTO (200 ms) plus
  one round trip, and everything behind it on that connection waits (in-order delivery).
- **Buffer.** At most ``buffer_bytes`` wait in the proxy per connection and direction, so a fast
  sender is held back as by a real link's queue instead of seeing its bytes vanish at once.

Counted: the TCP payload bytes each way (HTTP headers and bodies; not TCP/IP headers), and the
connections opened. With no rate, delay or loss it is a plain counting proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from typing import Any

MSS = 1460
MIN_RTO_S = 0.200


class _Direction:
    """One direction of the emulated link: when the next segment may leave, shared by connections."""

    def __init__(self, rate_bps: float | None, delay_s: float, loss: float, rng: random.Random):
        self.rate_bps = rate_bps
        self.delay_s = delay_s
        self.loss = loss
        self.rng = rng
        self.free_at = 0.0
        self.bytes = 0

    def arrival(self, n: int, now: float) -> float:
        start = max(now, self.free_at)
        leave = start + (8 * n / self.rate_bps if self.rate_bps else 0.0)
        self.free_at = leave
        arrive = leave + self.delay_s
        if self.loss and self.rng.random() < self.loss:
            arrive += MIN_RTO_S + 2 * self.delay_s
        return arrive


class LinkProxy:
    def __init__(
        self,
        target: tuple[str, int],
        *,
        rate_bps: float | None = None,
        delay_s: float = 0.0,
        loss: float = 0.0,
        seed: int = 1,
        buffer_bytes: int = 64 * 1024,
    ) -> None:
        self.target = target
        rng = random.Random(seed)
        self._up = _Direction(rate_bps, delay_s, loss, rng)
        self._down = _Direction(rate_bps, delay_s, loss, rng)
        self._segments = max(1, buffer_bytes // MSS)
        self.connections = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        # The loop holds its tasks weakly: a connection's tasks are kept here until they end, so
        # none is collected while pending ("Task was destroyed but it is pending").
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def bytes_up(self) -> int:
        """Client to server."""
        return self._up.bytes

    @property
    def bytes_down(self) -> int:
        """Server to client."""
        return self._down.bytes

    def reset_counts(self) -> None:
        self._up.bytes = self._down.bytes = 0
        self.connections = 0

    def __enter__(self) -> LinkProxy:
        self._thread = threading.Thread(target=self._run, name="linkproxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the link proxy did not start")
        return self

    def __exit__(self, *exc: Any) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._server = loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            # Cancelling a connection's tasks can leave others pending (a writer's waiter, a
            # task that was waking up): repeat until none is, so none is destroyed pending.
            for _ in range(5):
                tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
                if not tasks:
                    break
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(asyncio.sleep(0))  # transports' close callbacks
            loop.close()

    def _keep(self, task: asyncio.Task[Any] | None) -> None:
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _accept(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        self._keep(asyncio.current_task())
        self.connections += 1
        try:
            s_reader, s_writer = await asyncio.open_connection(*self.target)
        except OSError:
            c_writer.close()
            return
        try:
            with contextlib.suppress(asyncio.CancelledError):  # the proxy closing: end quietly
                await asyncio.gather(
                    self._pipe(c_reader, s_writer, self._up),
                    self._pipe(s_reader, c_writer, self._down),
                    return_exceptions=True,
                )
        finally:
            # Only now, with both directions done: one side's end of sending (a half-close) must
            # not cut what the other side still has on the way.
            c_writer.close()
            s_writer.close()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Direction
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(self._segments)
        emulate = bool(link.rate_bps or link.delay_s or link.loss)

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                if not data:
                    break
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()

        sender = asyncio.ensure_future(deliver())
        self._keep(sender)
        last = 0.0
        try:
            while data := await reader.read(64 * 1024):
                link.bytes += len(data)
                if not emulate:
                    await queue.put((0.0, data))
                    continue
                for i in range(0, len(data), MSS):
                    segment = data[i : i + MSS]
                    # In order on one connection: a resent segment holds back those behind it.
                    last = max(last, link.arrival(len(segment), time.monotonic()))
                    await queue.put((last, segment))
        except (ConnectionError, OSError):
            # A reset, not an end of sending: the link is gone both ways.
            sender.cancel()
            writer.close()
            return
        except asyncio.CancelledError:
            sender.cancel()
            writer.close()
            raise
        await queue.put((last, b""))  # the end of sending, passed on (half-close) once delivered
        with contextlib.suppress(ConnectionError, OSError):
            await sender
