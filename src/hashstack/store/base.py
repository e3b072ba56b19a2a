"""The one interface every telemetry store backend implements (DuckDB by default, PostgreSQL for scale).

The SQL that differs between backends is small (time bucketing, upsert syntax, bulk-load path); the
rest of the behaviour, including what "acknowledged" means, is shared and pinned by the contract
tests in ``tests/store/test_contract.py`` which run against every backend.

Acknowledgement: :meth:`TelemetryStore.write_poll` writes the poll's samples, its ``polls`` row and the
``miners`` upserts in ONE transaction and returns only after the commit, so a collector killed at any
moment leaves either the whole poll or none of it; a restarted collector continues at
:meth:`TelemetryStore.next_poll_id`.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import pandas as pd

from hashstack.errors import HashstackError
from hashstack.store.schema import ROLLUP_S, samples_frame
from hashstack.telemetry.records import ControlAction, FailureRecord, MinerSample, PollSummary


class StoreError(HashstackError):
    """The store cannot be opened or written (locked by another writer, read-only, bad URL)."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each resolution is kept.

    Attributes
    ----------
    raw_keep_days : raw samples kept this long [days]
    rollup_keep_days : 5-minute roll-ups kept this long [days]
    """

    raw_keep_days: float = 7.0
    rollup_keep_days: float = 365.0


def bucket_floor_utc(ts_utc: datetime, bucket_s: int = ROLLUP_S) -> datetime:
    """Start of the ``bucket_s`` bucket holding ``ts_utc`` (buckets aligned on the Unix epoch)."""
    epoch_s = int(ts_utc.timestamp())
    return ts_utc - timedelta(seconds=epoch_s % bucket_s, microseconds=ts_utc.microsecond)


def late_rollup_range(frame: pd.DataFrame, watermark_utc: datetime | None) -> tuple[datetime, datetime] | None:
    """The buckets an append must re-roll: those of its samples that lie before the roll-up watermark.

    :meth:`TelemetryStore.rollup` rolls ``[watermark, now)`` only, so samples appended later with older
    timestamps (imports, a late poll) would never be rolled up, and retention would then delete them as
    raw.  The backends re-roll ``[bucket of the oldest appended sample, min(watermark, bucket after the
    newest))`` in the append's transaction; that re-aggregates every raw sample in those buckets.
    Retention deletes raw samples in whole buckets only, so a re-rolled bucket is never partly deleted.

    Returns
    -------
    (start, end) : bucket-aligned range to re-roll, or None when nothing appended precedes the watermark
    """
    if watermark_utc is None or not len(frame):
        return None
    ts = pd.to_datetime(frame["ts_utc"], utc=True)
    lo = bucket_floor_utc(pd.Timestamp(ts.min()).to_pydatetime())
    if lo >= watermark_utc:
        return None
    hi = bucket_floor_utc(pd.Timestamp(ts.max()).to_pydatetime()) + timedelta(seconds=ROLLUP_S)
    return lo, min(hi, watermark_utc)


def raw_retention_cut(now_utc: datetime, policy: RetentionPolicy, watermark_utc: datetime | None) -> datetime:
    """Raw samples older than this are deleted: the policy's cut, never past the roll-up watermark (raw
    not yet rolled up is kept), floored to a bucket start so no bucket is ever left half-deleted."""
    cut = now_utc - timedelta(days=policy.raw_keep_days)
    if watermark_utc is not None:
        cut = min(cut, watermark_utc)
    return bucket_floor_utc(cut)


class TelemetryStore(abc.ABC):
    """Telemetry tables behind one interface (see :mod:`hashstack.store.schema` for the tables)."""

    dialect: str = ""

    # ---- writes -------------------------------------------------------------------------------
    @abc.abstractmethod
    def next_poll_id(self) -> int:
        """The id the next poll gets (1 + the last committed one; 1 on an empty store)."""

    def write_poll(self, poll_id: int, started_utc: datetime, samples: Sequence[MinerSample],
                   duration_s: float, miners_skipped: int = 0, error: str | None = None) -> PollSummary:
        """Commit one poll atomically (samples, ``polls`` row, ``miners`` upserts) and acknowledge it.

        ``error`` is a problem of the pass that did not stop it (kept in the ``polls`` row).

        Returns
        -------
        PollSummary : returned only after the commit; that is the acknowledgement
        """
        ok = sum(1 for s in samples if s.ok)
        summary = PollSummary(poll_id=poll_id, started_utc=started_utc, miners_ok=ok,
                              miners_failed=len(samples) - ok, miners_skipped=miners_skipped,
                              duration_s=duration_s, rows_written=len(samples), error=error)
        self._write_poll(summary, samples_frame(samples, poll_id))
        return summary

    @abc.abstractmethod
    def _write_poll(self, summary: PollSummary, frame: pd.DataFrame) -> None: ...

    @abc.abstractmethod
    def append_samples(self, frame: pd.DataFrame) -> int:
        """Bulk-append a batch frame (:func:`~hashstack.store.schema.samples_frame` layout) in one
        transaction, re-rolling the buckets it adds to before the roll-up watermark
        (:func:`late_rollup_range`); rows written."""

    @abc.abstractmethod
    def append_rollups(self, frame: pd.DataFrame) -> int:
        """Bulk-append pre-computed 5-minute roll-ups (imports, benchmarks); rows written."""

    @abc.abstractmethod
    def write_control_action(self, action: ControlAction) -> None:
        """Append one control-command audit record (committed before returning)."""

    @abc.abstractmethod
    def write_failures(self, records: Sequence[FailureRecord]) -> int:
        """Append simulator ground-truth failure records, skipping ids already stored; rows written."""

    # ---- maintenance --------------------------------------------------------------------------
    @abc.abstractmethod
    def rollup(self, now_utc: datetime) -> int:
        """Roll raw samples of every complete 5-minute bucket not yet rolled up; rows upserted."""

    @abc.abstractmethod
    def refresh_fleet_rollups(self, start_utc: datetime, end_utc: datetime) -> None:
        """Recompute ``fleet_5m`` totals for buckets in ``[start_utc, end_utc)`` from ``samples_5m``."""

    @abc.abstractmethod
    def apply_retention(self, now_utc: datetime, policy: RetentionPolicy | None = None) -> dict[str, int]:
        """Roll up, then delete raw samples and roll-ups older than the policy; rows deleted per table."""

    # ---- reads --------------------------------------------------------------------------------
    @abc.abstractmethod
    def read_samples(self, start_utc: datetime | None = None, end_utc: datetime | None = None,
                     miner_id: str | None = None) -> pd.DataFrame:
        """Raw samples in ``[start_utc, end_utc)``, ordered by time then miner."""

    @abc.abstractmethod
    def read_latest(self) -> pd.DataFrame:
        """The latest sample of every miner."""

    @abc.abstractmethod
    def read_rollups(self, start_utc: datetime | None = None, end_utc: datetime | None = None,
                     miner_id: str | None = None) -> pd.DataFrame:
        """5-minute roll-ups in ``[start_utc, end_utc)``."""

    @abc.abstractmethod
    def read_fleet_overview(self, start_utc: datetime, end_utc: datetime, source: str = "fleet_5m"
                            ) -> pd.DataFrame:
        """Fleet totals per 5-minute bucket from the roll-ups (``fleet_5m``, kept by :meth:`rollup`).

        Columns: ``bucket_utc``, ``miners_reporting``, ``hashrate_ths`` (sum), ``power_w`` (sum),
        ``efficiency_j_per_th`` (power / hash rate), ``temp_chip_max_c`` (max).
        """

    @abc.abstractmethod
    def read_table(self, table: str) -> pd.DataFrame:
        """A whole small table (``miners``, ``polls``, ``control_actions``, ``failures``)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection (and, for DuckDB, the file lock)."""

    def __enter__(self) -> TelemetryStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


SMALL_TABLES = ("miners", "polls", "control_actions", "failures", "store_meta")
