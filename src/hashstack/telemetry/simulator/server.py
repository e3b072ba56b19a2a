"""The simulator's network edge: one asyncio listener per miner address, a tick loop, the truth log.

Every miner listens on its own loopback address (``127.1.0.1``, ``127.1.0.2``, ...; any address in
127.0.0.0/8 is local on Linux without configuration) on port 4028. A connection is read until it
holds one complete request (a JSON object, or a text line / EOF), answered by the LuxOS dialect
(:mod:`.luxos`) with a NUL-terminated reply, and closed. While a miner's controller reboots or its
PSU is dead its listener is closed, so clients see "connection refused".

The tick loop advances the pure model (:class:`~.fleet_model.FleetModel`) by a fixed simulated step
``tick_s * speed`` per tick, whatever the wall-clock jitter, so a run is reproducible for a seed
(control commands, which arrive when clients send them, are the only outside input).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from hashstack.errors import InputError
from hashstack.telemetry.simulator.access import DEFAULT_API_ALLOW, AccessList, parse_api_allow
from hashstack.telemetry.simulator.failures import FailureRecord, FailureSettings
from hashstack.telemetry.simulator.fleet_model import FleetModel
from hashstack.telemetry.simulator.luxos import LuxosDialect
from hashstack.telemetry.simulator.physics import AmbientProfile, TempControl
from hashstack.telemetry.simulator.specs import MinerSpec

DEFAULT_PORT = 4028
DEFAULT_FIRST_ADDRESS = "127.1.0.1"
REQUEST_TIMEOUT_S = 10.0
MAX_REQUEST_BYTES = 64 * 1024
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def address_range(first_address: str, n: int) -> list[str]:
    """``n`` consecutive loopback addresses from ``first_address``; :class:`InputError` otherwise."""
    try:
        first = ipaddress.IPv4Address(first_address)
    except ValueError:
        raise InputError(f"--first-address {first_address!r} is not an IPv4 address") from None
    if n < 1:
        raise InputError(f"--miners must be >= 1, got {n}")
    last = int(first) + n - 1
    if first not in LOOPBACK or last > int(ipaddress.IPv4Address("127.255.255.254")) or int(first) == int(LOOPBACK[0]):
        raise InputError(f"the simulator serves loopback only: {first_address} + {n} miners "
                         "leaves 127.0.0.1-127.255.255.254")
    return [str(ipaddress.IPv4Address(int(first) + k)) for k in range(n)]


def raise_open_file_limit(needed: int) -> int:
    """Raise the soft ``RLIMIT_NOFILE`` to ``needed`` (up to the hard limit); return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        new = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


class JsonlTruthWriter:
    """Appends ground-truth :class:`FailureRecord` s to a JSON-lines file as they happen."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")

    def write(self, records: Sequence[FailureRecord]) -> None:
        for r in records:
            self._fh.write(json.dumps(r.to_dict(), separators=(",", ":")) + "\n")
        if records:
            self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def read_truth_jsonl(path: str | Path) -> list[FailureRecord]:
    """Read a ground-truth JSON-lines file back into records."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(FailureRecord(**json.loads(line)))
    return out


@dataclass
class FleetConfig:
    """Everything a simulated fleet needs (built by the CLI or the Python API)."""

    specs: list[MinerSpec]
    first_address: str = DEFAULT_FIRST_ADDRESS
    port: int = DEFAULT_PORT
    seed: int = 0
    speed: float = 1.0
    tick_s: float = 1.0
    start_ts_utc_s: float | None = None
    api_allow: str = DEFAULT_API_ALLOW
    ambient: AmbientProfile = field(default_factory=AmbientProfile)
    failures: FailureSettings = field(default_factory=FailureSettings)
    temp_control: TempControl = field(default_factory=TempControl)
    ground_truth_path: Path | None = None

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise InputError(f"--speed must be > 0, got {self.speed}")
        if self.tick_s <= 0:
            raise InputError(f"tick must be > 0, got {self.tick_s}")


class _MinerProtocol(asyncio.Protocol):
    __slots__ = ("buf", "fleet", "group", "index", "timer", "transport")

    def __init__(self, fleet: FleetServer, index: int) -> None:
        self.fleet = fleet
        self.index = index
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.group: str | None = None
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # any stream transport (asyncio's, uvloop's): no isinstance check, which uvloop may fail and -O strips
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.group = self.fleet.access.group_for(peer[0] if peer else "")
        if self.group is None:  # cgminer ignores clients outside --api-allow
            transport.close()
            return
        self.timer = asyncio.get_running_loop().call_later(REQUEST_TIMEOUT_S, transport.close)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) > MAX_REQUEST_BYTES:
            self._close()
            return
        text = self.buf.lstrip()
        if text.startswith(b"{"):
            try:
                json.loads(text.rstrip(b"\x00"))
            except ValueError:
                return  # incomplete JSON: wait for more
            self._answer()
        elif text:
            self._answer()  # plain-text request: cgminer answers what one read brought

    def eof_received(self) -> bool | None:
        if self.buf.strip():
            self._answer()
        else:
            self._close()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()

    def _answer(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        reply = self.fleet.dialect.handle(self.index, self.buf, self.group or "R", time.monotonic())
        self.fleet.requests_served += 1
        self.transport.write(reply)
        self._close()

    def _close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.transport is not None:
            self.transport.close()


class FleetServer:
    """Serves a :class:`FleetModel` on loopback; ``await start()``, ``await run_until(stop_event)``."""

    def __init__(self, config: FleetConfig) -> None:
        self.config = config
        self.addresses = address_range(config.first_address, len(config.specs))
        self.access: AccessList = parse_api_allow(config.api_allow)
        start = config.start_ts_utc_s if config.start_ts_utc_s is not None else float(int(time.time()) // 60 * 60)
        self.model = FleetModel(config.specs, seed=config.seed, start_ts_utc_s=start, ambient=config.ambient,
                                failures=config.failures, temp_control=config.temp_control,
                                addresses=self.addresses)
        self.dialect = LuxosDialect(self.model, seed=config.seed, addresses=self.addresses)
        self._servers: list[asyncio.base_events.Server | None] = [None] * len(self.addresses)
        self._writer = JsonlTruthWriter(config.ground_truth_path) if config.ground_truth_path else None
        self.requests_served = 0
        self.ticks = 0

    @property
    def port(self) -> int:
        return self.config.port

    async def _open(self, i: int) -> None:
        loop = asyncio.get_running_loop()
        self._servers[i] = await loop.create_server(lambda: _MinerProtocol(self, i), host=self.addresses[i],
                                                    port=self.config.port, reuse_address=True, backlog=128)

    async def start(self) -> None:
        """Bind every miner's listener (raises :class:`InputError` when an address/port is taken)."""
        raise_open_file_limit(len(self.addresses) * 2 + 1024)
        try:
            for i in range(len(self.addresses)):
                await self._open(i)
        except OSError as exc:
            await self.close()
            where = f"{self.addresses[i]}:{self.config.port}"
            raise InputError(f"cannot listen on {where}: {exc.strerror or exc}") from None

    async def _sync_listeners(self) -> None:
        up = self.model.api_up()
        for i, srv in enumerate(self._servers):
            if srv is not None and not up[i]:
                srv.close()
                self._servers[i] = None
            elif srv is None and up[i]:
                await self._open(i)

    def tick(self) -> list[FailureRecord]:
        """Advance the model one tick; write and return new ground-truth records."""
        self.model.step(self.config.tick_s * self.config.speed)
        self.ticks += 1
        new = self.model.drain_new_records()
        if self._writer is not None:
            self._writer.write(new)
        return new

    async def run_until(self, stop: asyncio.Event) -> None:
        """Tick at ``tick_s`` wall seconds until ``stop`` is set (late ticks catch up)."""
        loop = asyncio.get_running_loop()
        next_t = loop.time() + self.config.tick_s
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(next_t - loop.time(), 0.0))
                break
            except TimeoutError:
                pass
            self.tick()
            await self._sync_listeners()
            next_t += self.config.tick_s
            if loop.time() - next_t > 10 * self.config.tick_s:  # far behind (suspended): resync
                next_t = loop.time() + self.config.tick_s

    async def close(self) -> None:
        for srv in self._servers:
            if srv is not None:
                srv.close()
        self._servers = [None] * len(self.addresses)
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def summary(self) -> dict[str, Any]:
        """Figures of the run so far (for the CLI's exit line and the demo)."""
        return {"n_miners": len(self.addresses), "first_address": self.addresses[0],
                "last_address": self.addresses[-1], "port": self.config.port, "ticks": self.ticks,
                "sim_ts_utc_s": self.model.now_ts_utc_s,
                "sim_time_utc": datetime.fromtimestamp(self.model.now_ts_utc_s, UTC).isoformat(timespec="seconds"),
                "requests_served": self.requests_served,
                "failures": len(self.model.records)}
