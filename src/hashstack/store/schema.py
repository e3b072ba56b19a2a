"""The telemetry schema, shared by every store backend, and the columnar batch the stores append.

Tables
------
``miners``          one row per miner seen: model, firmware, first/last seen, last good read
``samples``         raw samples, one per miner per poll (kept ``raw_keep_days``)
``samples_5m``      5-minute roll-ups per miner (kept ``rollup_keep_days``)
``fleet_5m``        5-minute fleet totals, maintained with ``samples_5m`` (the fleet overview reads it)
``polls``           one row per pass over the fleet (the collector's acknowledgement unit)
``control_actions`` audit of control commands: who asked, when, what, and the miner's answer
``failures``        simulator ground truth: id, miner, failure kind, onset and failure time, details
``store_meta``      key/value (roll-up watermark)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashstack.telemetry.records import MinerSample, PollSummary

ROLLUP_S = 300
"""Resolution of ``samples_5m`` [s]."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column: name, DuckDB type, PostgreSQL type."""

    name: str
    duckdb: str
    postgres: str


def _c(name: str, kind: str) -> Column:
    types = {
        "ts": ("TIMESTAMPTZ", "TIMESTAMPTZ"), "text": ("VARCHAR", "TEXT"), "f64": ("DOUBLE", "DOUBLE PRECISION"),
        "i64": ("BIGINT", "BIGINT"), "bool": ("BOOLEAN", "BOOLEAN"), "f64[]": ("DOUBLE[]", "DOUBLE PRECISION[]"),
    }
    d, p = types[kind]
    return Column(name, d, p)


SAMPLE_COLUMNS: tuple[Column, ...] = (
    _c("poll_id", "i64"), _c("ts_utc", "ts"), _c("miner_id", "text"), _c("ok", "bool"), _c("error", "text"),
    _c("latency_s", "f64"), _c("model", "text"), _c("firmware", "text"), _c("hashrate_ths", "f64"),
    _c("hashrate_avg_ths", "f64"), _c("board_hashrate_ths", "f64[]"), _c("board_temp_chip_c", "f64[]"),
    _c("board_temp_board_c", "f64[]"), _c("fan_speed_rpm", "f64[]"), _c("temp_chip_max_c", "f64"),
    _c("power_w", "f64"), _c("power_source", "text"), _c("power_limit_w", "f64"), _c("hw_errors", "i64"),
    _c("shares_accepted", "i64"), _c("shares_rejected", "i64"), _c("pool_url", "text"),
    _c("pool_user", "text"), _c("uptime_s", "f64"), _c("missing_fields", "text"),
)
SAMPLE_COLUMN_NAMES = tuple(c.name for c in SAMPLE_COLUMNS)

ROLLUP_COLUMNS: tuple[Column, ...] = (
    _c("bucket_utc", "ts"), _c("miner_id", "text"), _c("n_samples", "i64"), _c("n_ok", "i64"),
    _c("hashrate_ths", "f64"), _c("power_w", "f64"), _c("power_source", "text"), _c("temp_chip_max_c", "f64"),
    _c("fan_speed_min_rpm", "f64"), _c("hw_errors", "i64"), _c("uptime_s", "f64"),
)
ROLLUP_COLUMN_NAMES = tuple(c.name for c in ROLLUP_COLUMNS)

FLEET_ROLLUP_COLUMNS: tuple[Column, ...] = (
    _c("bucket_utc", "ts"), _c("miners_reporting", "i64"), _c("hashrate_ths", "f64"), _c("power_w", "f64"),
    _c("temp_chip_max_c", "f64"),
)

MINER_COLUMNS: tuple[Column, ...] = (
    _c("miner_id", "text"), _c("model", "text"), _c("firmware", "text"), _c("first_seen_utc", "ts"),
    _c("last_seen_utc", "ts"), _c("last_ok_utc", "ts"),
)

POLL_COLUMNS: tuple[Column, ...] = (
    _c("poll_id", "i64"), _c("started_utc", "ts"), _c("miners_ok", "i64"), _c("miners_failed", "i64"),
    _c("miners_skipped", "i64"), _c("duration_s", "f64"), _c("rows_written", "i64"), _c("error", "text"),
)

CONTROL_COLUMNS: tuple[Column, ...] = (
    _c("ts_utc", "ts"), _c("miner_id", "text"), _c("action", "text"), _c("command", "text"),
    _c("parameter", "text"), _c("requested_by", "text"), _c("ok", "bool"), _c("status", "text"),
    _c("code", "i64"), _c("reply_msg", "text"), _c("latency_s", "f64"),
)

FAILURE_COLUMNS: tuple[Column, ...] = (
    _c("failure_id", "text"), _c("miner_id", "text"), _c("failure_kind", "text"), _c("onset_ts_utc", "ts"),
    _c("failure_ts_utc", "ts"), _c("details", "text"),
)

TABLES: dict[str, tuple[tuple[Column, ...], str]] = {
    "miners": (MINER_COLUMNS, "PRIMARY KEY (miner_id)"),
    "samples": (SAMPLE_COLUMNS, ""),
    "samples_5m": (ROLLUP_COLUMNS, "PRIMARY KEY (bucket_utc, miner_id)"),
    "fleet_5m": (FLEET_ROLLUP_COLUMNS, "PRIMARY KEY (bucket_utc)"),
    "polls": (POLL_COLUMNS, "PRIMARY KEY (poll_id)"),
    "control_actions": (CONTROL_COLUMNS, ""),
    "failures": (FAILURE_COLUMNS, "PRIMARY KEY (failure_id)"),
    "store_meta": ((_c("key", "text"), _c("value", "text")), "PRIMARY KEY (key)"),
}


ADDED_COLUMNS: tuple[tuple[str, Column], ...] = (("polls", _c("error", "text")),)
"""Columns added after stores were first written; :func:`create_table_sql` adds them to older files."""


def create_table_sql(dialect: str) -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` statements for ``dialect`` (``duckdb`` or ``postgres``), then
    ``ADD COLUMN IF NOT EXISTS`` for columns newer than a store already on disk."""
    out = []
    for table, (cols, extra) in TABLES.items():
        body = ", ".join(f"{c.name} {getattr(c, dialect)}" for c in cols)
        if extra:
            body += ", " + extra
        out.append(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
    for table, col in ADDED_COLUMNS:
        out.append(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {col.name} {getattr(col, dialect)}")
    return out


def polls_insert_sql(ph: str) -> str:
    """``INSERT INTO polls`` with every column named (``ph``: placeholder), values as :func:`poll_values`."""
    names = ", ".join(c.name for c in POLL_COLUMNS)
    return f"INSERT INTO polls ({names}) VALUES ({', '.join([ph] * len(POLL_COLUMNS))})"


def poll_values(summary: PollSummary) -> list[object]:
    """A poll summary's values in ``POLL_COLUMNS`` order."""
    return [getattr(summary, c.name) for c in POLL_COLUMNS]


ARRAY_MAX_LEN: dict[str, int] = {"board_hashrate_ths": 16, "board_temp_chip_c": 16, "board_temp_board_c": 16,
                                 "fan_speed_rpm": 16}
"""Array columns and the most elements a sample may carry in each (real miners have 3-4 boards, 2-4 fans)."""

SCALAR_COLUMN_NAMES = tuple(c for c in SAMPLE_COLUMN_NAMES if c not in ARRAY_MAX_LEN)


def array_width(frame: pd.DataFrame, name: str) -> int:
    """How many flattened element columns ``<name>_0, <name>_1, ...`` the batch frame carries."""
    width = 0
    while f"{name}_{width}" in frame.columns:
        width += 1
    return width


def batch_select_sql(frame: pd.DataFrame) -> str:
    """SELECT list (table column order) that turns the batch ``frame`` back into sample rows.

    A batch frame holds the table's scalar columns, and each array column flattened into
    ``<name>_0 .. <name>_<k-1>`` (k = the longest array of that name in the batch; NaN = missing element)
    plus its length ``<name>_n``.  Every column is a flat numpy column, so DuckDB scans the frame
    without touching a Python object per element; the arrays are rebuilt here with ``list_slice``.
    """
    parts = []
    for col in SAMPLE_COLUMN_NAMES:
        if col in ARRAY_MAX_LEN:
            width = array_width(frame, col)
            items = ", ".join(f"{col}_{i}" for i in range(width))
            parts.append(f"list_slice(CAST([{items}] AS DOUBLE[]), 1, {col}_n) AS {col}")
        else:
            parts.append(col)
    return ", ".join(parts)


def _float_col(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def samples_frame(samples: Sequence[MinerSample], poll_id: int) -> pd.DataFrame:
    """The batch frame of ``samples`` (see :func:`batch_select_sql` for the layout; missing -> NaN / None).

    Raises
    ------
    ValueError : a sample has more array elements than :data:`ARRAY_MAX_LEN` allows (naming the miner)
    """
    s = samples
    n = len(s)
    cols: dict[str, object] = {
        "poll_id": np.full(n, poll_id, dtype=np.int64),
        "ts_utc": pd.to_datetime([x.ts_utc for x in s], utc=True),
        "miner_id": np.array([x.miner_id for x in s], dtype=object),
        "ok": np.array([x.ok for x in s], dtype=bool),
        "error": np.array([x.error for x in s], dtype=object),
        "latency_s": _float_col([x.latency_s for x in s]),
        "model": np.array([x.model for x in s], dtype=object),
        "firmware": np.array([x.firmware for x in s], dtype=object),
        "hashrate_ths": _float_col([x.hashrate_ths for x in s]),
        "hashrate_avg_ths": _float_col([x.hashrate_avg_ths for x in s]),
        "temp_chip_max_c": _float_col([x.temp_chip_max_c for x in s]),
        "power_w": _float_col([x.power_w for x in s]),
        "power_source": np.array([x.power_source for x in s], dtype=object),
        "power_limit_w": _float_col([x.power_limit_w for x in s]),
        "hw_errors": pd.array([x.hw_errors for x in s], dtype="Int64"),
        "shares_accepted": pd.array([x.shares_accepted for x in s], dtype="Int64"),
        "shares_rejected": pd.array([x.shares_rejected for x in s], dtype="Int64"),
        "pool_url": np.array([x.pool_url for x in s], dtype=object),
        "pool_user": np.array([x.pool_user for x in s], dtype=object),
        "uptime_s": _float_col([x.uptime_s for x in s]),
        "missing_fields": np.array([",".join(x.missing_fields) for x in s], dtype=object),
    }
    order: list[str] = []
    for col in SAMPLE_COLUMN_NAMES:
        if col not in ARRAY_MAX_LEN:
            order.append(col)
            continue
        cap = ARRAY_MAX_LEN[col]
        lengths = np.array([len(getattr(x, col)) for x in s], dtype=np.int64)
        width = int(lengths.max()) if n else 0
        if width > cap:
            worst = s[int(lengths.argmax())]
            raise ValueError(f"{worst.miner_id}: {width} values in {col}, the store keeps at most {cap}")
        arr = np.full((n, width), np.nan)
        for i, x in enumerate(s):
            for j, v in enumerate(getattr(x, col)):
                if v is not None:
                    arr[i, j] = v
        for j in range(width):
            cols[f"{col}_{j}"] = arr[:, j]
            order.append(f"{col}_{j}")
        cols[f"{col}_n"] = lengths
        order.append(f"{col}_n")
    return pd.DataFrame({c: cols[c] for c in order})


def batch_rows(frame: pd.DataFrame) -> list[list[object]]:
    """Rows of a batch frame in table column order, arrays as lists (None for missing), for COPY."""
    out_cols: list[list[object]] = []
    for col in SAMPLE_COLUMN_NAMES:
        if col in ARRAY_MAX_LEN:
            width = array_width(frame, col)
            block = frame[[f"{col}_{j}" for j in range(width)]].to_numpy(dtype=np.float64).reshape(len(frame), width)
            lengths = frame[f"{col}_n"].to_numpy()
            out_cols.append([[None if np.isnan(v) else float(v) for v in block[i, : int(lengths[i])]]
                             for i in range(len(frame))])
        else:
            out_cols.append(list(frame[col]))
    return [list(r) for r in zip(*out_cols, strict=True)] if out_cols else []


LIST_COLUMNS = tuple(c.name for c in SAMPLE_COLUMNS if c.duckdb.endswith("[]"))


def _as_list(value: object) -> list[float | None]:
    if value is None or value is pd.NA:
        return []
    if isinstance(value, np.ma.MaskedArray):
        return [None if v is None else float(v) for v in value.tolist()]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v) for v in value]
    return []


def normalise_list_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Array columns as plain Python lists with None for missing elements, whatever the backend gave."""
    for col in LIST_COLUMNS:
        if col in frame.columns:
            frame[col] = pd.Series([_as_list(v) for v in frame[col]], index=frame.index, dtype=object)
    return frame


def check_samples_frame(frame: pd.DataFrame) -> None:
    """Raise ValueError unless ``frame`` has the batch layout of :func:`samples_frame`."""
    expected = set(SCALAR_COLUMN_NAMES)
    for name, cap in ARRAY_MAX_LEN.items():
        width = array_width(frame, name)
        if width > cap:
            raise ValueError(f"samples batch has {width} {name} columns, the store keeps at most {cap}")
        expected |= {f"{name}_{j}" for j in range(width)} | {f"{name}_n"}
    if set(frame.columns) != expected:
        missing = sorted(expected - set(frame.columns))
        extra = sorted(set(frame.columns) - expected)
        raise ValueError(f"samples batch columns differ: missing {missing}, unexpected {extra}"
                         " (build batches with samples_frame)")
