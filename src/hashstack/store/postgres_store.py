"""The PostgreSQL backend, for sites that outgrow one file: same interface, same schema, COPY for batches.

References
----------
.. [1] psycopg 3 documentation, "Using COPY TO and COPY FROM" (``cursor.copy`` / ``write_row``).
.. [2] PostgreSQL documentation, ``INSERT ... ON CONFLICT`` and ``COPY``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
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
    ROLLUP_COLUMN_NAMES,
    SAMPLE_COLUMN_NAMES,
    SAMPLE_COLUMNS,
    batch_rows,
    check_samples_frame,
    create_table_sql,
    normalise_list_columns,
    poll_values,
    polls_insert_sql,
)
from hashstack.telemetry.records import ControlAction, FailureRecord, PollSummary

_WATERMARK_KEY = "rollup_watermark_utc"


def _py(value: Any) -> Any:
    """A frame cell as the Python value psycopg's COPY expects (NaN / NA -> None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return _py(value.item())
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_py(v) for v in value]
    return value


class PostgresStore(TelemetryStore):
    """Telemetry store in a PostgreSQL database.

    Parameters
    ----------
    conninfo : libpq connection string or URL (``postgresql://user@127.0.0.1:5432/hashstack``)
    """

    dialect = "postgres"

    def __init__(self, conninfo: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is in the postgres extra
            raise StoreError("the PostgreSQL store needs psycopg: pip install 'hashstack[postgres]'") from exc
        self.conninfo = conninfo
        try:
            self.con = psycopg.connect(conninfo, autocommit=False)
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot connect to PostgreSQL store: {exc}") from None
        with self.con.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
            for stmt in create_table_sql("postgres"):
                cur.execute(stmt)
            cur.execute("CREATE INDEX IF NOT EXISTS samples_ts_idx ON samples (ts_utc)")
        self.con.commit()

    def _tx(self, fn: Callable[[Any], None]) -> None:
        try:
            with self.con.cursor() as cur:
                fn(cur)
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def _copy_frame(self, cur: Any, table: str, columns: Sequence[str], frame: pd.DataFrame) -> None:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row([_py(v) for v in row])

    def _copy_batch(self, cur: Any, table: str, frame: pd.DataFrame) -> None:
        with cur.copy(f"COPY {table} ({', '.join(SAMPLE_COLUMN_NAMES)}) FROM STDIN") as copy:
            for row in batch_rows(frame):
                copy.write_row([_py(v) for v in row])

    def _query_df(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self.con.cursor() as cur:
            cur.execute(sql, list(params))
            rows = cur.fetchall()
            cols = [d.name for d in cur.description] if cur.description else []
        self.con.commit()
        frame = pd.DataFrame(rows, columns=cols)
        for col in cols:
            if col.endswith("_utc") and len(frame):
                frame[col] = pd.to_datetime(frame[col], utc=True)
        return frame

    # ---- writes -------------------------------------------------------------------------------
    def next_poll_id(self) -> int:
        with self.con.cursor() as cur:
            cur.execute("SELECT coalesce(max(poll_id), 0) + 1 FROM polls")
            row = cur.fetchone()
        self.con.commit()
        return int(row[0]) if row else 1

    def _write_poll(self, summary: PollSummary, frame: pd.DataFrame) -> None:
        def work(cur: Any) -> None:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS _poll_batch (LIKE samples) ON COMMIT DELETE ROWS")
            self._copy_batch(cur, "_poll_batch", frame)
            cols = ", ".join(SAMPLE_COLUMN_NAMES)
            cur.execute(f"INSERT INTO samples ({cols}) SELECT {cols} FROM _poll_batch")
            if len(frame):
                cur.execute(miners_upsert_sql("_poll_batch"))
            self._reroll_late(cur, frame)
            cur.execute(polls_insert_sql("%s"), poll_values(summary))

        self._tx(work)

    def append_samples(self, frame: pd.DataFrame) -> int:
        check_samples_frame(frame)
        def work(cur: Any) -> None:
            self._copy_batch(cur, "samples", frame)
            self._reroll_late(cur, frame)

        self._tx(work)
        return len(frame)

    def append_rollups(self, frame: pd.DataFrame) -> int:
        """Bulk-append pre-computed 5-minute roll-ups (imports, benchmarks); rows written."""
        self._tx(lambda cur: self._copy_frame(cur, "samples_5m", ROLLUP_COLUMN_NAMES,
                                              frame[list(ROLLUP_COLUMN_NAMES)]))
        if len(frame):
            lo = pd.Timestamp(frame.bucket_utc.min()).to_pydatetime()
            hi = pd.Timestamp(frame.bucket_utc.max()).to_pydatetime() + timedelta(seconds=1)
            self.refresh_fleet_rollups(lo, hi)
        return len(frame)

    def write_control_action(self, action: ControlAction) -> None:
        values = [getattr(action, c.name) for c in CONTROL_COLUMNS]
        self._tx(lambda cur: cur.execute(
            f"INSERT INTO control_actions VALUES ({', '.join(['%s'] * len(values))})", values))

    def write_failures(self, records: Sequence[FailureRecord]) -> int:
        if not records:
            return 0
        cols = [c.name for c in FAILURE_COLUMNS]

        written: list[int] = []

        def work(cur: Any) -> None:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS _failures (LIKE failures) ON COMMIT DELETE ROWS")
            with cur.copy(f"COPY _failures ({', '.join(cols)}) FROM STDIN") as copy:
                for r in records:
                    copy.write_row([getattr(r, c) for c in cols])
            cur.execute("INSERT INTO failures SELECT * FROM _failures ON CONFLICT (failure_id) DO NOTHING")
            written.append(cur.rowcount)

        self._tx(work)
        return written[0]

    # ---- maintenance --------------------------------------------------------------------------
    def _watermark(self, cur: Any) -> datetime | None:
        cur.execute("SELECT value FROM store_meta WHERE key = %s", [_WATERMARK_KEY])
        row = cur.fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def _reroll_late(self, cur: Any, frame: pd.DataFrame) -> None:
        """Inside a write's transaction: re-roll the buckets it added to before the watermark."""
        span = late_rollup_range(frame, self._watermark(cur))
        if span is not None:
            cur.execute(rollup_sql("postgres", "%s"), list(span))
            cur.execute(fleet_rollup_sql("%s"), list(span))

    def rollup(self, now_utc: datetime) -> int:
        end = bucket_floor_utc(now_utc)
        written: list[int] = [0]

        def work(cur: Any) -> None:
            start = self._watermark(cur)
            if start is None:
                cur.execute("SELECT min(ts_utc) FROM samples")
                row = cur.fetchone()
                if row is None or row[0] is None:
                    return
                start = bucket_floor_utc(row[0])
            if start >= end:
                return
            cur.execute(rollup_sql("postgres", "%s"), [start, end])
            written[0] = cur.rowcount
            cur.execute(fleet_rollup_sql("%s"), [start, end])
            cur.execute("INSERT INTO store_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                        "EXCLUDED.value", [_WATERMARK_KEY, end.isoformat()])

        self._tx(work)
        return written[0]

    def apply_retention(self, now_utc: datetime, policy: RetentionPolicy | None = None) -> dict[str, int]:
        pol = policy or RetentionPolicy()
        self.rollup(now_utc)
        deleted: dict[str, int] = {}

        def work(cur: Any) -> None:
            raw_cut = raw_retention_cut(now_utc, pol, self._watermark(cur))
            roll_cut = now_utc - timedelta(days=pol.rollup_keep_days)
            cur.execute("DELETE FROM samples WHERE ts_utc < %s", [raw_cut])
            deleted["samples"] = cur.rowcount
            cur.execute("DELETE FROM samples_5m WHERE bucket_utc < %s", [roll_cut])
            deleted["samples_5m"] = cur.rowcount
            cur.execute("DELETE FROM fleet_5m WHERE bucket_utc < %s", [roll_cut])
            deleted["fleet_5m"] = cur.rowcount

        self._tx(work)
        return deleted

    # ---- reads --------------------------------------------------------------------------------
    def _typed_samples(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in SAMPLE_COLUMN_NAMES})
        for col in SAMPLE_COLUMNS:
            if col.postgres == "DOUBLE PRECISION":
                frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce").astype("float64")
        return normalise_list_columns(frame)

    def read_samples(self, start_utc: datetime | None = None, end_utc: datetime | None = None,
                     miner_id: str | None = None) -> pd.DataFrame:
        where, params = where_range("%s", "ts_utc", start_utc, end_utc, miner_id)
        return self._typed_samples(self._query_df(f"SELECT * FROM samples{where} ORDER BY ts_utc, miner_id",
                                                  params))

    def read_latest(self) -> pd.DataFrame:
        return self._typed_samples(self._query_df(
            "SELECT DISTINCT ON (miner_id) * FROM samples ORDER BY miner_id, ts_utc DESC"))

    def read_rollups(self, start_utc: datetime | None = None, end_utc: datetime | None = None,
                     miner_id: str | None = None) -> pd.DataFrame:
        where, params = where_range("%s", "bucket_utc", start_utc, end_utc, miner_id)
        return self._query_df(f"SELECT * FROM samples_5m{where} ORDER BY bucket_utc, miner_id", params)

    def read_fleet_overview(self, start_utc: datetime, end_utc: datetime, source: str = "fleet_5m"
                            ) -> pd.DataFrame:
        return self._query_df(fleet_overview_sql("%s", source), [start_utc, end_utc])

    def refresh_fleet_rollups(self, start_utc: datetime, end_utc: datetime) -> None:
        def work(cur: Any) -> None:
            cur.execute(fleet_rollup_sql("%s"), [start_utc, end_utc])

        self._tx(work)

    def read_table(self, table: str) -> pd.DataFrame:
        if table not in SMALL_TABLES:
            raise StoreError(f"unknown table {table!r}; one of {SMALL_TABLES}")
        return self._query_df(f"SELECT * FROM {table}")

    def close(self) -> None:
        self.con.close()
