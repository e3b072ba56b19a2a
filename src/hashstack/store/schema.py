"""The telemetry schema, shared by every store backend, and the columnar batch the stores append.

Tables
------
``miners``          one row per miner seen: model, firmware, first/last seen, last good read
``samples``         raw samples, one per miner per poll (kept ``raw_keep_days``)
``samples_5m``      5-minute roll-ups per miner (kept ``rollup_keep_days``)
``polls``           one row per pass over the fleet (the collector's acknowledgement unit)
``control_actions`` audit of control commands: who asked, when, what, and the miner's answer
``failures``        simulator ground truth: miner, failure kind, onset and failure time, details
``store_meta``      key/value (roll-up watermark)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashstack.telemetry.records import MinerSample

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

MINER_COLUMNS: tuple[Column, ...] = (
    _c("miner_id", "text"), _c("model", "text"), _c("firmware", "text"), _c("first_seen_utc", "ts"),
    _c("last_seen_utc", "ts"), _c("last_ok_utc", "ts"),
)

POLL_COLUMNS: tuple[Column, ...] = (
    _c("poll_id", "i64"), _c("started_utc", "ts"), _c("miners_ok", "i64"), _c("miners_failed", "i64"),
    _c("miners_skipped", "i64"), _c("duration_s", "f64"), _c("rows_written", "i64"),
)

CONTROL_COLUMNS: tuple[Column, ...] = (
    _c("ts_utc", "ts"), _c("miner_id", "text"), _c("action", "text"), _c("command", "text"),
    _c("parameter", "text"), _c("requested_by", "text"), _c("ok", "bool"), _c("status", "text"),
    _c("code", "i64"), _c("reply_msg", "text"), _c("latency_s", "f64"),
)

FAILURE_COLUMNS: tuple[Column, ...] = (
    _c("miner_id", "text"), _c("failure_kind", "text"), _c("onset_ts_utc", "ts"), _c("failure_ts_utc", "ts"),
    _c("details", "text"),
)

TABLES: dict[str, tuple[tuple[Column, ...], str]] = {
    "miners": (MINER_COLUMNS, "PRIMARY KEY (miner_id)"),
    "samples": (SAMPLE_COLUMNS, ""),
    "samples_5m": (ROLLUP_COLUMNS, "PRIMARY KEY (bucket_utc, miner_id)"),
    "polls": (POLL_COLUMNS, "PRIMARY KEY (poll_id)"),
    "control_actions": (CONTROL_COLUMNS, ""),
    "failures": (FAILURE_COLUMNS, ""),
    "store_meta": ((_c("key", "text"), _c("value", "text")), "PRIMARY KEY (key)"),
}


def create_table_sql(dialect: str) -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` statements for ``dialect`` (``duckdb`` or ``postgres``)."""
    out = []
    for table, (cols, extra) in TABLES.items():
        body = ", ".join(f"{c.name} {getattr(c, dialect)}" for c in cols)
        if extra:
            body += ", " + extra
        out.append(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
    return out


def _float_col(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _list_col(values: list[tuple[float | None, ...]]) -> list[list[float | None]]:
    return [list(v) for v in values]


def samples_frame(samples: Sequence[MinerSample], poll_id: int) -> pd.DataFrame:
    """The columnar batch of ``samples`` (columns :data:`SAMPLE_COLUMN_NAMES`, missing -> NULL)."""
    s = samples
    frame = pd.DataFrame({
        "poll_id": np.full(len(s), poll_id, dtype=np.int64),
        "ts_utc": pd.to_datetime([x.ts_utc for x in s], utc=True),
        "miner_id": [x.miner_id for x in s],
        "ok": np.array([x.ok for x in s], dtype=bool),
        "error": [x.error for x in s],
        "latency_s": _float_col([x.latency_s for x in s]),
        "model": [x.model for x in s],
        "firmware": [x.firmware for x in s],
        "hashrate_ths": _float_col([x.hashrate_ths for x in s]),
        "hashrate_avg_ths": _float_col([x.hashrate_avg_ths for x in s]),
        "board_hashrate_ths": _list_col([x.board_hashrate_ths for x in s]),
        "board_temp_chip_c": _list_col([x.board_temp_chip_c for x in s]),
        "board_temp_board_c": _list_col([x.board_temp_board_c for x in s]),
        "fan_speed_rpm": _list_col([x.fan_speed_rpm for x in s]),
        "temp_chip_max_c": _float_col([x.temp_chip_max_c for x in s]),
        "power_w": _float_col([x.power_w for x in s]),
        "power_source": [x.power_source for x in s],
        "power_limit_w": _float_col([x.power_limit_w for x in s]),
        "hw_errors": pd.array([x.hw_errors for x in s], dtype="Int64"),
        "shares_accepted": pd.array([x.shares_accepted for x in s], dtype="Int64"),
        "shares_rejected": pd.array([x.shares_rejected for x in s], dtype="Int64"),
        "pool_url": [x.pool_url for x in s],
        "pool_user": [x.pool_user for x in s],
        "uptime_s": _float_col([x.uptime_s for x in s]),
        "missing_fields": [",".join(x.missing_fields) for x in s],
    })
    return frame


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
    """Raise ValueError unless ``frame`` has exactly the sample columns, in order."""
    if tuple(frame.columns) != SAMPLE_COLUMN_NAMES:
        missing = [c for c in SAMPLE_COLUMN_NAMES if c not in frame.columns]
        extra = [c for c in frame.columns if c not in SAMPLE_COLUMN_NAMES]
        raise ValueError(f"samples frame columns differ: missing {missing}, unexpected {extra}"
                         " (order must be SAMPLE_COLUMN_NAMES)")
