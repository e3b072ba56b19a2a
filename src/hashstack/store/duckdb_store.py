"""The default store: one DuckDB file, owned by one writing process.

DuckDB lets one process open a file read-write (it takes a file lock) or several processes open it
read-only, never both at once.  So the collector owns the file while it runs; readers go through it
(the API runs in the same process) or open the file read-only when no writer holds it.

Batches are appended with DuckDB's fast path: a pandas frame registered as a view and inserted with one
``INSERT ... SELECT`` (columnar, vectorised), never row by row.

References
----------
.. [1] DuckDB documentation, "Concurrency" (single writer process, read-only readers) and
   "Data Ingestion from pandas" (``INSERT INTO t SELECT * FROM df``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from hashstack.store.base import (
    SMALL_TABLES,
    RetentionPolicy,
    StoreError,
    TelemetryStore,
    bucket_floor_utc,
    late_rollup_range,
    raw_retention_cut,
)
from hashstack.store.queries import (
    fleet_overview_sql,
    fleet_rollup_sql,
    miners_upsert_sql,
    rollup_sql,
    where_range,
)
from hashstack.store.schema import (
    CONTROL_COLUMNS,
    FAILURE_COLUMNS,
    SAMPLE_COLUMN_NAMES,
    batch_select_sql,
    check_samples_frame,
    create_table_sql,
    normalise_list_columns,
    poll_values,
    polls_insert_sql,
)
from hashstack.telemetry.records import ControlAction, FailureRecord, PollSummary

_WATERMARK_KEY = "rollup_watermark_utc"


class DuckDBStore(TelemetryStore):
    """Telemetry store in one DuckDB file.

    Parameters
    ----------
    path : the database file (``":memory:"`` for a throw-away store)
    read_only : open without the writer lock (fails while a writer holds the file)
    threads : DuckDB worker threads (default: DuckDB's choice, all cores)
    """

    dialect = "duckdb"

    def __init__(self, path: str | Path, read_only: bool = False, threads: int | None = None) -> None:
        self.path = str(path)
        self.read_only = read_only
        if not read_only and self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open store {self.path}"
                f"{' read-only' if read_only else ''}: {exc}. One process owns a DuckDB file for "
                "writing; stop it or read through it.") from None
        self.con.execute("SET TimeZone = 'UTC'")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if not read_only:
            for stmt in create_table_sql("duckdb"):
                self.con.execute(stmt)

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")

    def _in_transaction(self, fn: Callable[[], None]) -> None:
        self._writable()
        self.con.execute("BEGIN TRANSACTION")
        try:
            fn()
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # ---- writes -------------------------------------------------------------------------------
    def next_poll_id(self) -> int:
        rows = self.con.execute("SELECT coalesce(max(poll_id), 0) + 1 FROM polls").fetchall()
        return int(rows[0][0]) if rows else 1

    def _write_poll(self, summary: PollSummary, frame: pd.DataFrame) -> None:
        cols = ", ".join(SAMPLE_COLUMN_NAMES)

        def work() -> None:
            self.con.register("_poll_batch", frame)
            try:
                self.con.execute(f"INSERT INTO samples ({cols}) SELECT {batch_select_sql(frame)} FROM _poll_batch")
                if len(frame):
                    self.con.execute(miners_upsert_sql("_poll_batch"))
            finally:
                self.con.unregister("_poll_batch")
            self._reroll_late(frame)
            self.con.execute(polls_insert_sql("?"), poll_values(summary))

        self._in_transaction(work)

    def append_samples(self, frame: pd.DataFrame) -> int:
        check_samples_frame(frame)
        cols = ", ".join(SAMPLE_COLUMN_NAMES)

        def work() -> None:
            self.con.register("_append_batch", frame)
            try:
                self.con.execute(f"INSERT INTO samples ({cols}) SELECT {batch_select_sql(frame)} FROM _append_batch")
            finally:
                self.con.unregister("_append_batch")
            self._reroll_late(frame)

        self._in_transaction(work)
        return len(frame)

    def append_rollups(self, frame: pd.DataFrame) -> int:
        """Bulk-append pre-computed 5-minute roll-ups (imports, benchmarks); rows written."""
        from hashstack.store.schema import ROLLUP_COLUMN_NAMES

        cols = ", ".join(ROLLUP_COLUMN_NAMES)

        def work() -> None:
            self.con.register("_rollup_batch", frame)
            try:
                self.con.execute(f"INSERT INTO samples_5m ({cols}) SELECT {cols} FROM _rollup_batch")
                if len(frame):
                    lo = pd.Timestamp(frame.bucket_utc.min()).to_pydatetime()
                    hi = pd.Timestamp(frame.bucket_utc.max()).to_pydatetime() + timedelta(seconds=1)
                    self.con.execute(fleet_rollup_sql("?"), [lo, hi])
            finally:
                self.con.unregister("_rollup_batch")

        self._in_transaction(work)
        return len(frame)

    def write_control_action(self, action: ControlAction) -> None:
        self._writable()
        values = [getattr(action, c.name) for c in CONTROL_COLUMNS]
        self.con.execute(f"INSERT INTO control_actions VALUES ({', '.join('?' * len(values))})", values)

    def write_failures(self, records: Sequence[FailureRecord]) -> int:
        self._writable()
        if not records:
            return 0
        frame = pd.DataFrame({
            "failure_id": [r.failure_id for r in records],
            "miner_id": [r.miner_id for r in records],
            "failure_kind": [r.failure_kind for r in records],
            "onset_ts_utc": pd.to_datetime([r.onset_ts_utc for r in records], utc=True),
            "failure_ts_utc": pd.to_datetime(pd.Series([r.failure_ts_utc for r in records], dtype=object),
                                             utc=True),
            "details": [r.details for r in records],
        })
        cols = ", ".join(c.name for c in FAILURE_COLUMNS)
        written: list[int] = []

        def work() -> None:
            self.con.register("_failures", frame)
            try:
                before = self._count("failures")
                self.con.execute(f"INSERT INTO failures ({cols}) SELECT {cols} FROM _failures "
                                 "ON CONFLICT (failure_id) DO NOTHING")
                written.append(self._count("failures") - before)
            finally:
                self.con.unregister("_failures")

        self._in_transaction(work)
        return written[0]

    # ---- maintenance --------------------------------------------------------------------------
    def _watermark(self) -> datetime | None:
        rows = self.con.execute("SELECT value FROM store_meta WHERE key = ?", [_WATERMARK_KEY]).fetchall()
        return datetime.fromisoformat(rows[0][0]) if rows else None

    def _reroll_late(self, frame: pd.DataFrame) -> None:
        """Inside a write's transaction: re-roll the buckets it added to before the watermark."""
        span = late_rollup_range(frame, self._watermark())
        if span is not None:
            self.con.execute(rollup_sql("duckdb", "?"), list(span))
            self.con.execute(fleet_rollup_sql("?"), list(span))

    def rollup(self, now_utc: datetime) -> int:
        self._writable()
        end = bucket_floor_utc(now_utc)
        start = self._watermark()
        if start is None:
            rows = self.con.execute("SELECT epoch(min(ts_utc)) FROM samples").fetchall()
            if not rows or rows[0][0] is None:
                return 0
            start = bucket_floor_utc(datetime.fromtimestamp(float(rows[0][0]), tz=now_utc.tzinfo))
        if start >= end:
            return 0
        counted: list[int] = []

        def work() -> None:
            before = self._count("samples_5m")
            self.con.execute(rollup_sql("duckdb", "?"), [start, end])
            self.con.execute(fleet_rollup_sql("?"), [start, end])
            counted.append(self._count("samples_5m") - before)
            self.con.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [_WATERMARK_KEY, end.isoformat()])

        self._in_transaction(work)
        return counted[0]

    def _count(self, table: str) -> int:
        rows = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()
        return int(rows[0][0]) if rows else 0

    def apply_retention(self, now_utc: datetime, policy: RetentionPolicy | None = None) -> dict[str, int]:
        pol = policy or RetentionPolicy()
        self.rollup(now_utc)
        raw_cut = raw_retention_cut(now_utc, pol, self._watermark())
        roll_cut = now_utc - timedelta(days=pol.rollup_keep_days)
        deleted: dict[str, int] = {}

        def work() -> None:
            for table, col, cut in (("samples", "ts_utc", raw_cut), ("samples_5m", "bucket_utc", roll_cut),
                                    ("fleet_5m", "bucket_utc", roll_cut)):
                before = self._count(table)
                self.con.execute(f"DELETE FROM {table} WHERE {col} < ?", [cut])
                deleted[table] = before - self._count(table)

        self._in_transaction(work)
        return deleted

    # ---- reads --------------------------------------------------------------------------------
    def read_samples(self, start_utc: datetime | None = None, end_utc: datetime | None = None,
                     miner_id: str | None = None) -> pd.DataFrame:
        where, params = where_range("?", "ts_utc", start_utc, end_utc, miner_id)
        return normalise_list_columns(
            self.con.execute(f"SELECT * FROM samples{where} ORDER BY ts_utc, miner_id", params).df())

    def read_latest(self) -> pd.DataFrame:
        return normalise_list_columns(self.con.execute(
            "SELECT * FROM samples QUALIFY row_number() OVER (PARTITION BY miner_id ORDER BY ts_utc DESC) = 1 "
            "ORDER BY miner_id").df())

    def read_rollups(self, start_utc: datetime | None = None, end_utc: datetime | None = None,
                     miner_id: str | None = None) -> pd.DataFrame:
        where, params = where_range("?", "bucket_utc", start_utc, end_utc, miner_id)
        return self.con.execute(f"SELECT * FROM samples_5m{where} ORDER BY bucket_utc, miner_id", params).df()

    def read_fleet_overview(self, start_utc: datetime, end_utc: datetime, source: str = "fleet_5m"
                            ) -> pd.DataFrame:
        return self.con.execute(fleet_overview_sql("?", source), [start_utc, end_utc]).df()

    def refresh_fleet_rollups(self, start_utc: datetime, end_utc: datetime) -> None:
        def work() -> None:
            self.con.execute(fleet_rollup_sql("?"), [start_utc, end_utc])

        self._in_transaction(work)

    def read_table(self, table: str) -> pd.DataFrame:
        if table not in SMALL_TABLES:
            raise StoreError(f"unknown table {table!r}; one of {SMALL_TABLES}")
        return self.con.execute(f"SELECT * FROM {table}").df()

    def close(self) -> None:
        self.con.close()
