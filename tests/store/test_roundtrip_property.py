"""Property: whatever a MinerSample holds comes back from the DuckDB store unchanged."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashstack.store.duckdb_store import DuckDBStore
from hashstack.telemetry.records import MinerSample

_f = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))
_i = st.one_of(st.none(), st.integers(0, 2**40))
_s = st.one_of(st.none(), st.text(max_size=20))
_arr = st.lists(_f, max_size=8).map(tuple)


@st.composite
def samples(draw: st.DrawFn) -> MinerSample:
    return MinerSample(
        ts_utc=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**7))),
        miner_id=draw(st.text(min_size=1, max_size=20)), ok=draw(st.booleans()), error=draw(_s),
        latency_s=draw(_f), model=draw(_s), firmware=draw(_s), hashrate_ths=draw(_f), hashrate_avg_ths=draw(_f),
        board_hashrate_ths=draw(_arr), board_temp_chip_c=draw(_arr), board_temp_board_c=draw(_arr),
        fan_speed_rpm=draw(_arr), temp_chip_max_c=draw(_f), power_w=draw(_f),
        power_source=draw(st.sampled_from([None, "reported", "estimated", "meter"])), power_limit_w=draw(_f),
        hw_errors=draw(_i), shares_accepted=draw(_i), shares_rejected=draw(_i), pool_url=draw(_s),
        pool_user=draw(_s), uptime_s=draw(_f),
        missing_fields=tuple(draw(st.lists(st.sampled_from(["power_w", "pool_url", "fan_speed_rpm[1]"]),
                                           max_size=3, unique=True))))


def _null(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(samples(), min_size=1, max_size=5))
def test_write_then_read_returns_every_field(tmp_path: Path, batch: list[MinerSample]) -> None:
    path = tmp_path / f"p{abs(hash(tuple(s.miner_id for s in batch)))}.duckdb"
    path.unlink(missing_ok=True)
    with DuckDBStore(path) as store:
        store.write_poll(1, batch[0].ts_utc, batch, 0.1)
        df = store.read_samples()
    assert len(df) == len(batch)
    got = df.sort_values(["ts_utc", "miner_id"], kind="stable")
    want = sorted(enumerate(batch), key=lambda iv: (iv[1].ts_utc, iv[1].miner_id, iv[0]))
    for (_, s), (_, row) in zip(want, got.iterrows(), strict=True):
        assert row.miner_id == s.miner_id and bool(row.ok) == s.ok
        for name in ("hashrate_ths", "power_w", "uptime_s", "latency_s", "temp_chip_max_c", "power_limit_w"):
            assert _null(row[name]) if getattr(s, name) is None else row[name] == getattr(s, name)
        for name in ("hw_errors", "shares_accepted", "shares_rejected"):
            assert _null(row[name]) if getattr(s, name) is None else int(row[name]) == getattr(s, name)
        for name in ("board_hashrate_ths", "board_temp_chip_c", "board_temp_board_c", "fan_speed_rpm"):
            assert list(row[name]) == list(getattr(s, name))
        for name in ("error", "model", "firmware", "power_source", "pool_url", "pool_user"):
            assert _null(row[name]) if getattr(s, name) is None else row[name] == getattr(s, name)
        assert row.missing_fields == ",".join(s.missing_fields)
