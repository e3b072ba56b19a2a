"""The fleet poller: asyncio, bounded concurrency, per-miner timeout and backoff.

A fixed pool of ``concurrency`` worker coroutines pulls miners from a queue; each miner gets its own
``timeout_s`` budget, so a dead, slow or garbage-speaking miner costs one worker for at most
``timeout_s`` and never delays or breaks the others.  A miner that keeps failing is retried after an
exponentially growing pause (``backoff_base_s * 2**(failures-1)``, capped at ``backoff_max_s``).

This does not use pyasic's concurrency model: one connection, one ``+``-joined request and one
decode per miner, no per-miner object graph.

References
----------
.. [1] cgminer API-README (one request per TCP connection).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from hashstack.errors import InputError
from hashstack.telemetry.client import read_miner
from hashstack.telemetry.parsing import DEFAULT_COMMANDS, failed_sample, sample_from_replies
from hashstack.telemetry.power import PowerEstimator
from hashstack.telemetry.protocol import MinerProtocolError
from hashstack.telemetry.records import MinerSample, Target


@dataclass(frozen=True, slots=True)
class PollerConfig:
    """How the poller treats the fleet.

    Attributes
    ----------
    concurrency : miners in flight at once
    timeout_s : budget per miner for connect, request and the whole reply [s]
    commands : read-only commands asked of every miner (one ``+`` request)
    backoff_base_s : pause after the first failure before the miner is asked again [s]
    backoff_max_s : longest pause [s]
    """

    concurrency: int = 256
    timeout_s: float = 3.0
    commands: tuple[str, ...] = DEFAULT_COMMANDS
    backoff_base_s: float = 10.0
    backoff_max_s: float = 600.0

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise InputError(f"poller concurrency must be >= 1, got {self.concurrency}")
        if self.timeout_s <= 0:
            raise InputError(f"poller timeout_s must be > 0, got {self.timeout_s}")


class Backoff:
    """Per-miner failure counts and the time each failing miner may next be asked.

    Monotonic seconds are passed in (no clock reads here), so the schedule is testable.
    """

    def __init__(self, base_s: float, max_s: float) -> None:
        self.base_s = base_s
        self.max_s = max_s
        self.failures: dict[str, int] = {}
        self.next_try_s: dict[str, float] = {}

    def due(self, miner_id: str, now_s: float) -> bool:
        """True when ``miner_id`` may be asked at ``now_s``."""
        return self.next_try_s.get(miner_id, float("-inf")) <= now_s

    def record(self, miner_id: str, ok: bool, now_s: float) -> None:
        """Note the outcome of one attempt at ``now_s``."""
        if ok:
            self.failures.pop(miner_id, None)
            self.next_try_s.pop(miner_id, None)
            return
        n = self.failures.get(miner_id, 0) + 1
        self.failures[miner_id] = n
        self.next_try_s[miner_id] = now_s + min(self.base_s * 2 ** (n - 1), self.max_s)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, MinerProtocolError):
        return f"protocol: {exc}"[:300]
    if isinstance(exc, OSError):
        return f"network: {exc.strerror or exc}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


async def poll_miner(target: Target, ts_utc: datetime, config: PollerConfig,
                     estimator: PowerEstimator | None = None, meter_w: float | None = None,
                     commands: tuple[str, ...] | None = None) -> MinerSample:
    """Read one miner into a sample; every failure becomes a failed sample, never an exception.

    ``commands`` overrides ``config.commands`` for this miner (the collector passes the command set of
    the firmware family the miner reported last time).
    """
    start = time.perf_counter()
    try:
        replies, latency_s = await read_miner(target.host, target.port, commands or config.commands,
                                              config.timeout_s)
    except (TimeoutError, OSError, MinerProtocolError, UnicodeError, ValueError) as exc:
        return failed_sample(target, ts_utc, _error_text(exc), time.perf_counter() - start)
    if not any(r.ok for r in replies.values()):
        first = next(iter(replies.values()), None)
        msg = f"status {first.status} {first.code}: {first.msg}" if first else "no reply sections"
        return failed_sample(target, ts_utc, f"error status: {msg}"[:300], latency_s)
    try:
        return sample_from_replies(target, replies, ts_utc, latency_s, estimator, meter_w)
    except Exception as exc:  # a parser bug on one miner's odd reply must not stop the fleet
        return failed_sample(target, ts_utc, f"parse: {type(exc).__name__}: {exc}"[:300], latency_s)


async def poll_fleet(targets: Sequence[Target], config: PollerConfig | None = None, *,
                     ts_utc: datetime | None = None, estimator: PowerEstimator | None = None,
                     meter: Callable[[str], float | None] | None = None,
                     on_sample: Callable[[MinerSample], None] | None = None,
                     commands_by_miner: Mapping[str, tuple[str, ...]] | None = None) -> list[MinerSample]:
    """Poll every target once, ``config.concurrency`` at a time.

    Parameters
    ----------
    targets : miners to read
    config : concurrency, timeout, commands
    ts_utc : the poll's timestamp (default: now); every sample of the pass carries it
    estimator : tuning-curve power estimator (for firmware that reports no wattage)
    meter : ``miner_id -> power_w`` from a site meter / PDU, overriding other power figures; a lookup
        that raises leaves that miner unmetered, with the error in its sample's ``error``
    on_sample : called as each miner finishes (progress bars); a call that raises turns that miner's
        sample into a failed one naming the error, the other miners are unaffected
    commands_by_miner : per-miner command sets (``miner_id -> commands``); others get ``config.commands``

    Returns
    -------
    list of MinerSample : one per target, in target order (failed ones with ``ok=False``)
    """
    cfg = config or PollerConfig()
    ts = ts_utc or datetime.now(UTC)
    results: list[MinerSample | None] = [None] * len(targets)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(targets)):
        queue.put_nowait(i)

    async def worker() -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t = targets[i]
            meter_w, meter_error = None, None
            if meter is not None:
                try:  # a failing meter lookup leaves this miner unmetered (reported / estimated power)
                    meter_w = meter(t.miner_id)
                except Exception as exc:
                    meter_error = f"meter: {type(exc).__name__}: {exc}"[:300]
            sample = await poll_miner(t, ts, cfg, estimator, meter_w,
                                      commands_by_miner.get(t.miner_id) if commands_by_miner else None)
            if meter_error is not None and sample.ok:
                sample = replace(sample, error=meter_error)
            if on_sample is not None:
                try:  # a callback bug is this miner's failure, never the end of the pass
                    on_sample(sample)
                except Exception as exc:
                    sample = failed_sample(t, ts, f"on_sample: {type(exc).__name__}: {exc}"[:300],
                                           sample.latency_s)
            results[i] = sample

    n_workers = min(cfg.concurrency, len(targets))
    await asyncio.gather(*(worker() for _ in range(n_workers)))
    return [s for s in results if s is not None]
