"""Tiny asyncio fake miners on 127.0.0.1 (ephemeral ports), speaking recorded firmware replies.

A fake answers each connection with ``behaviour(request_dict) -> bytes`` then closes, like real
firmware; special behaviours model dead, hanging, dribbling and garbage-speaking miners.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import replies

Behaviour = Callable[[dict[str, Any]], bytes]


def multi_reply(parts: dict[str, str]) -> Behaviour:
    """Answer any request by joining the recorded per-command replies (unknown -> Invalid command)."""

    def answer(req: dict[str, Any]) -> bytes:
        commands = str(req.get("command", "")).split("+")
        if len(commands) == 1:
            return (parts.get(commands[0], replies.INVALID_COMMAND)).encode() + b"\x00"
        body = ",".join(f'"{c}":[{parts.get(c, replies.INVALID_COMMAND)}]' for c in commands)
        return ("{" + body + ',"id":1}').encode() + b"\x00"

    return answer


def fixed(raw: bytes) -> Behaviour:
    return lambda _req: raw


@dataclass
class FakeMiner:
    behaviour: Behaviour | str
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: asyncio.base_events.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.behaviour == "hang":
                await asyncio.sleep(3600)
                return
            data = await reader.read(65536)
            try:
                req = json.loads(data.decode())
            except ValueError:
                req = {"command": data.decode(errors="replace").strip()}
            self.requests.append(req)
            if self.behaviour == "drip":  # a byte a second, forever: only the timeout ends it
                while True:
                    writer.write(b"{")
                    await writer.drain()
                    await asyncio.sleep(1.0)
            assert callable(self.behaviour)
            writer.write(self.behaviour(req))
            await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def start(self) -> FakeMiner:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeFleetThread:
    """Fake miners served by an event loop in a background thread (for subprocess collectors)."""

    def __init__(self, behaviours: list[Behaviour | str]) -> None:
        self.behaviours = behaviours
        self.miners: list[FakeMiner] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeFleetThread:
        self.thread.start()

        async def start_all() -> list[FakeMiner]:
            return [await FakeMiner(b).start() for b in self.behaviours]

        self.miners = asyncio.run_coroutine_threadsafe(start_all(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop_all() -> None:
            for m in self.miners:
                await m.stop()

        asyncio.run_coroutine_threadsafe(stop_all(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
