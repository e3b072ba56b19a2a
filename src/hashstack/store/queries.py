"""SQL shared by the store backends, with the few dialect differences passed in.

Placeholders are ``?`` for DuckDB and ``%s`` for psycopg; ``ph`` selects one.
"""

from __future__ import annotations

from hashstack.store.schema import ROLLUP_COLUMN_NAMES, ROLLUP_S


def bucket_expr(dialect: str, column: str = "ts_utc", bucket_s: int = ROLLUP_S) -> str:
    """SQL for the start of the epoch-aligned ``bucket_s`` bucket of ``column``."""
    if dialect == "duckdb":
        return f"to_timestamp(floor(epoch({column}) / {bucket_s}) * {bucket_s})"
    return f"to_timestamp(floor(extract(epoch from {column}) / {bucket_s}) * {bucket_s})"


def list_min_expr(dialect: str, column: str) -> str:
    """SQL for the smallest element of an array column (NULL for an empty array)."""
    if dialect == "duckdb":
        return f"list_min({column})"
    return f"(SELECT min(x) FROM unnest({column}) AS x)"


def rollup_sql(dialect: str, ph: str) -> str:
    """Upsert 5-minute roll-ups of raw samples with ``start <= ts_utc < end`` (two placeholders)."""
    b = bucket_expr(dialect)
    select = f"""
        SELECT {b} AS bucket_utc, miner_id,
               count(*) AS n_samples,
               count(*) FILTER (WHERE ok) AS n_ok,
               avg(hashrate_ths) FILTER (WHERE ok) AS hashrate_ths,
               avg(power_w) FILTER (WHERE ok) AS power_w,
               CASE WHEN count(DISTINCT power_source) = 0 THEN NULL
                    WHEN count(DISTINCT power_source) = 1 THEN min(power_source)
                    ELSE 'mixed' END AS power_source,
               max(temp_chip_max_c) AS temp_chip_max_c,
               min({list_min_expr(dialect, 'fan_speed_rpm')}) AS fan_speed_min_rpm,
               max(hw_errors) AS hw_errors,
               max(uptime_s) AS uptime_s
        FROM samples
        WHERE ts_utc >= {ph} AND ts_utc < {ph}
        GROUP BY 1, 2"""
    cols = ", ".join(ROLLUP_COLUMN_NAMES)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in ROLLUP_COLUMN_NAMES if c not in ("bucket_utc", "miner_id"))
    return (f"INSERT INTO samples_5m ({cols}) {select} "
            f"ON CONFLICT (bucket_utc, miner_id) DO UPDATE SET {updates}")


def fleet_rollup_sql(ph: str) -> str:
    """Upsert ``fleet_5m`` totals from ``samples_5m`` for buckets in ``[start, end)`` (two placeholders)."""
    return f"""
        INSERT INTO fleet_5m (bucket_utc, miners_reporting, hashrate_ths, power_w, temp_chip_max_c)
        SELECT bucket_utc,
               count(*) FILTER (WHERE n_ok > 0),
               sum(hashrate_ths),
               sum(power_w),
               max(temp_chip_max_c)
        FROM samples_5m
        WHERE bucket_utc >= {ph} AND bucket_utc < {ph}
        GROUP BY bucket_utc
        ON CONFLICT (bucket_utc) DO UPDATE SET
            miners_reporting = EXCLUDED.miners_reporting, hashrate_ths = EXCLUDED.hashrate_ths,
            power_w = EXCLUDED.power_w, temp_chip_max_c = EXCLUDED.temp_chip_max_c"""


def fleet_overview_sql(ph: str, source: str = "fleet_5m") -> str:
    """Fleet totals per 5-minute bucket in ``[start, end)`` (two placeholders).

    ``source="fleet_5m"`` reads the maintained totals; ``source="samples_5m"`` aggregates the per-miner
    roll-ups on the fly (same result; used to check the totals and as the benchmark's peer).
    """
    if source == "fleet_5m":
        return f"""
            SELECT bucket_utc, miners_reporting, hashrate_ths, power_w,
                   power_w / nullif(hashrate_ths, 0) AS efficiency_j_per_th, temp_chip_max_c
            FROM fleet_5m
            WHERE bucket_utc >= {ph} AND bucket_utc < {ph}
            ORDER BY bucket_utc"""
    return f"""
        SELECT bucket_utc,
               count(*) FILTER (WHERE n_ok > 0) AS miners_reporting,
               sum(hashrate_ths) AS hashrate_ths,
               sum(power_w) AS power_w,
               sum(power_w) / nullif(sum(hashrate_ths), 0) AS efficiency_j_per_th,
               max(temp_chip_max_c) AS temp_chip_max_c
        FROM samples_5m
        WHERE bucket_utc >= {ph} AND bucket_utc < {ph}
        GROUP BY bucket_utc
        ORDER BY bucket_utc"""


def miners_upsert_sql(source: str) -> str:
    """Upsert ``miners`` from a relation ``source`` with the sample columns (DuckDB and PostgreSQL)."""
    return f"""
        INSERT INTO miners (miner_id, model, firmware, first_seen_utc, last_seen_utc, last_ok_utc)
        SELECT miner_id, max(model), max(firmware), min(ts_utc), max(ts_utc),
               max(CASE WHEN ok THEN ts_utc END)
        FROM {source} GROUP BY miner_id
        ON CONFLICT (miner_id) DO UPDATE SET
            model = COALESCE(EXCLUDED.model, miners.model),
            firmware = COALESCE(EXCLUDED.firmware, miners.firmware),
            last_seen_utc = EXCLUDED.last_seen_utc,
            last_ok_utc = COALESCE(EXCLUDED.last_ok_utc, miners.last_ok_utc)"""


def where_range(ph: str, ts_col: str, start: object, end: object, miner_id: str | None
                ) -> tuple[str, list[object]]:
    """A WHERE clause (possibly empty) and its parameters for a time range and an optional miner."""
    clauses: list[str] = []
    params: list[object] = []
    if start is not None:
        clauses.append(f"{ts_col} >= {ph}")
        params.append(start)
    if end is not None:
        clauses.append(f"{ts_col} < {ph}")
        params.append(end)
    if miner_id is not None:
        clauses.append(f"miner_id = {ph}")
        params.append(miner_id)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
