"""The collector: poll the fleet, write each poll to the store atomically, repeat.

Each pass is written with :meth:`hashstack.store.TelemetryStore.write_poll` (one transaction) and only
then acknowledged (``on_poll`` is called with the :class:`PollSummary`); a collector killed at any
moment therefore loses no acknowledged poll, and a restarted one continues at the next poll id.
Roll-ups are brought up to date after each pass and retention is applied about once an hour.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from hashstack.errors import DataFileError
from hashstack.store.base import RetentionPolicy, TelemetryStore
from hashstack.telemetry.parsing import commands_for_firmware
from hashstack.telemetry.poller import Backoff, PollerConfig, poll_fleet
from hashstack.telemetry.power import PowerEstimator, read_meter_csv
from hashstack.telemetry.records import MinerSample, PollSummary, Target

RETENTION_EVERY_S = 3600.0


class Collector:
    """Polls ``targets`` into ``store``.

    Parameters
    ----------
    store : where polls are written (the collector is its single writer)
    targets : miners to poll
    config : poller settings (concurrency, timeout, backoff)
    estimator : tuning-curve power estimator, for firmware that reports no wattage
    meter_path : CSV of meter / PDU readings (``miner_id,power_w``), re-read every pass; when a pass finds
        it unreadable (a PDU scraper half-way through rewriting it), the last good readings are used and
        the error is kept in that pass's ``polls`` row (:attr:`PollSummary.error`)
    retention : retention policy applied about hourly (None: never delete)
    ground_truth_path : simulator ground-truth JSONL, imported (idempotently) after every poll
    """

    def __init__(self, store: TelemetryStore, targets: Sequence[Target], config: PollerConfig | None = None,
                 estimator: PowerEstimator | None = None, meter_path: Path | None = None,
                 retention: RetentionPolicy | None = None, ground_truth_path: Path | None = None) -> None:
        self.store = store
        self.targets = list(targets)
        self.config = config or PollerConfig()
        self.estimator = estimator
        self.meter_path = meter_path
        self.retention = retention
        self.ground_truth_path = ground_truth_path
        self.backoff = Backoff(self.config.backoff_base_s, self.config.backoff_max_s)
        self.commands_by_miner: dict[str, tuple[str, ...]] = {}
        self._last_retention_s = float("-inf")
        self._meter_readings: dict[str, float] = {}

    def _read_meter(self) -> str | None:
        """Re-read the meter file; on failure keep the last good readings. Returns the error, if any."""
        if self.meter_path is None:
            return None
        try:
            self._meter_readings = read_meter_csv(self.meter_path)
        except (DataFileError, OSError) as exc:
            return f"meter: {exc} (using the last good readings: {len(self._meter_readings)} miners)"[:300]
        return None

    async def poll_once(self, on_sample: Callable[[MinerSample], None] | None = None,
                        use_backoff: bool = True) -> PollSummary:
        """One pass: poll every due miner, commit, then return the acknowledgement."""
        started = datetime.now(UTC)
        now_s = time.monotonic()
        due = [t for t in self.targets if not use_backoff or self.backoff.due(t.miner_id, now_s)]
        meter_error = self._read_meter()
        meter = self._meter_readings.get if self.meter_path is not None else None
        t0 = time.perf_counter()
        samples = await poll_fleet(due, self.config, ts_utc=started, estimator=self.estimator, meter=meter,
                                   on_sample=on_sample, commands_by_miner=self.commands_by_miner)
        duration_s = time.perf_counter() - t0
        done_s = time.monotonic()
        for s in samples:
            self.backoff.record(s.miner_id, s.ok, done_s)
            # learn the firmware family from a good read; forget it after a failure (firmware may change)
            if s.ok and s.firmware:
                self.commands_by_miner[s.miner_id] = commands_for_firmware(s.firmware, self.config.commands)
            elif not s.ok:
                self.commands_by_miner.pop(s.miner_id, None)
        poll_id = self.store.next_poll_id()
        summary = self.store.write_poll(poll_id, started, samples, duration_s, len(self.targets) - len(due),
                                        error=meter_error)
        self.store.rollup(datetime.now(UTC))
        if self.ground_truth_path is not None and self.ground_truth_path.exists():
            from hashstack.telemetry.ground_truth import import_ground_truth

            import_ground_truth(self.store, self.ground_truth_path, port=self.targets[0].port if self.targets else 4028)
        if self.retention is not None and done_s - self._last_retention_s >= RETENTION_EVERY_S:
            self.store.apply_retention(datetime.now(UTC), self.retention)
            self._last_retention_s = done_s
        return summary

    async def run(self, interval_s: float, max_polls: int | None = None,
                  on_poll: Callable[[PollSummary], None] | None = None) -> int:
        """Poll every ``interval_s`` seconds (start to start) until ``max_polls`` passes (None: forever).

        Returns the number of passes made.
        """
        n = 0
        while max_polls is None or n < max_polls:
            start = time.monotonic()
            summary = await self.poll_once()
            n += 1
            if on_poll is not None:
                on_poll(summary)
            if max_polls is not None and n >= max_polls:
                break
            await asyncio.sleep(max(0.0, interval_s - (time.monotonic() - start)))
        return n
