"""Contract tests every store backend must pass (DuckDB and a real PostgreSQL server)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from hashstack.store.base import RetentionPolicy, TelemetryStore, bucket_floor_utc
from hashstack.store.schema import SAMPLE_COLUMN_NAMES, samples_frame
from hashstack.telemetry.records import ControlAction, FailureRecord, MinerSample

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def sample(miner: str, ts: datetime, hashrate: float | None = 100.0, ok: bool = True, **kw: object) -> MinerSample:
    base: dict[str, object] = dict(
        ts_utc=ts, miner_id=miner, ok=ok, error=None if ok else "timeout", latency_s=0.01,
        model="Antminer S19j Pro" if ok else None, firmware="LUXminer 2024.5.1" if ok else None,
        hashrate_ths=hashrate if ok else None, hashrate_avg_ths=hashrate if ok else None,
        board_hashrate_ths=(33.0, None, 34.0) if ok else (), board_temp_chip_c=(70.0, 71.0, 72.0) if ok else (),
        board_temp_board_c=(55.0, 56.0, 57.0) if ok else (), fan_speed_rpm=(4000.0, 4100.0) if ok else (),
        temp_chip_max_c=72.0 if ok else None, power_w=3000.0 if ok else None,
        power_source="reported" if ok else None, power_limit_w=3100.0 if ok else None,
        hw_errors=5 if ok else None, shares_accepted=10 if ok else None, shares_rejected=1 if ok else None,
        pool_url="stratum+tcp://p:3333" if ok else None, pool_user="w" if ok else None,
        uptime_s=60.0 if ok else None, missing_fields=("board_hashrate_ths[1]",) if ok else ())
    base.update(kw)
    return MinerSample(**base)  # type: ignore[arg-type]


def test_poll_roundtrip_and_ids(store: TelemetryStore) -> None:
    assert store.next_poll_id() == 1
    samples = [sample("a:4028", T0), sample("b:4028", T0, ok=False)]
    summary = store.write_poll(1, T0, samples, duration_s=0.5, miners_skipped=2)
    assert (summary.miners_ok, summary.miners_failed, summary.miners_skipped, summary.rows_written) == (1, 1, 2, 2)
    assert store.next_poll_id() == 2
    df = store.read_samples()
    assert list(df.columns) == list(SAMPLE_COLUMN_NAMES)
    assert len(df) == 2
    a = df[df.miner_id == "a:4028"].iloc[0]
    b = df[df.miner_id == "b:4028"].iloc[0]
    assert a.ts_utc == pd.Timestamp(T0)
    assert bool(a.ok) and a.hashrate_ths == 100.0 and a.power_source == "reported"
    assert next(iter(a.board_hashrate_ths)) == 33.0 and _is_null(list(a.board_hashrate_ths)[1])
    assert list(a.fan_speed_rpm) == [4000.0, 4100.0]
    assert int(a.hw_errors) == 5 and a.missing_fields == "board_hashrate_ths[1]"
    assert not bool(b.ok) and b.error == "timeout" and _is_null(b.hashrate_ths) and _is_null(b.power_w)
    polls = store.read_table("polls")
    assert polls.iloc[0].poll_id == 1 and polls.iloc[0].miners_skipped == 2
    miners = store.read_table("miners").sort_values("miner_id")
    assert list(miners.miner_id) == ["a:4028", "b:4028"]
    assert miners.iloc[0].model == "Antminer S19j Pro" and _is_null(miners.iloc[1].last_ok_utc)


def _is_null(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def test_miners_upsert_keeps_model_and_last_ok(store: TelemetryStore) -> None:
    store.write_poll(1, T0, [sample("a:4028", T0)], 0.1)
    later = T0 + timedelta(minutes=1)
    store.write_poll(2, later, [sample("a:4028", later, ok=False)], 0.1)
    m = store.read_table("miners").iloc[0]
    assert m.model == "Antminer S19j Pro"  # a failed poll does not erase what we knew
    assert pd.Timestamp(m.last_seen_utc) == pd.Timestamp(later)
    assert pd.Timestamp(m.last_ok_utc) == pd.Timestamp(T0)
    assert pd.Timestamp(m.first_seen_utc) == pd.Timestamp(T0)


def test_write_poll_is_atomic(store: TelemetryStore) -> None:
    store.write_poll(1, T0, [sample("a:4028", T0)], 0.1)
    with pytest.raises(Exception):  # noqa: B017 - duplicate poll id violates the polls primary key
        store.write_poll(1, T0, [sample("b:4028", T0), sample("c:4028", T0)], 0.1)
    df = store.read_samples()
    assert list(df.miner_id) == ["a:4028"]  # nothing of the failed poll was written
    assert store.next_poll_id() == 2
    store.write_poll(2, T0, [sample("b:4028", T0)], 0.1)  # and the store is still usable
    assert len(store.read_samples()) == 2


def test_append_samples_frame_and_filters(store: TelemetryStore) -> None:
    frame = samples_frame([sample(f"m{i}:4028", T0 + timedelta(seconds=60 * i)) for i in range(10)], poll_id=7)
    assert store.append_samples(frame) == 10
    window = store.read_samples(T0 + timedelta(minutes=2), T0 + timedelta(minutes=5))
    assert list(window.miner_id) == ["m2:4028", "m3:4028", "m4:4028"]
    one = store.read_samples(miner_id="m9:4028")
    assert len(one) == 1 and one.iloc[0].poll_id == 7
    with pytest.raises(ValueError, match="columns"):
        store.append_samples(frame.drop(columns=["power_w"]))


def test_rollup_hand_computed(store: TelemetryStore) -> None:
    # bucket 12:00-12:05: miner a has 100 and 110 TH/s and one failed read; b has 50
    rows = [sample("a:4028", T0, 100.0, power_w=3000.0, hw_errors=1),
            sample("a:4028", T0 + timedelta(minutes=1), 110.0, power_w=3200.0, hw_errors=4,
                   power_source="estimated", fan_speed_rpm=(3900.0, 4200.0)),
            sample("a:4028", T0 + timedelta(minutes=2), ok=False),
            sample("b:4028", T0 + timedelta(minutes=3), 50.0, power_w=1500.0, temp_chip_max_c=80.0),
            # next bucket (12:05), still open at now = 12:07 -> not rolled yet
            sample("a:4028", T0 + timedelta(minutes=6), 120.0)]
    store.append_samples(samples_frame(rows, poll_id=1))
    n = store.rollup(T0 + timedelta(minutes=7))
    assert n == 2
    r = store.read_rollups().sort_values("miner_id")
    a, b = r.iloc[0], r.iloc[1]
    assert pd.Timestamp(a.bucket_utc) == pd.Timestamp(T0)
    assert (a.n_samples, a.n_ok) == (3, 2)
    assert a.hashrate_ths == pytest.approx(105.0) and a.power_w == pytest.approx(3100.0)
    assert a.power_source == "mixed" and b.power_source == "reported"
    assert a.fan_speed_min_rpm == 3900.0 and a.hw_errors == 4 and a.temp_chip_max_c == 72.0
    assert b.temp_chip_max_c == 80.0
    # rolling again before the next bucket closes does nothing; after it closes, the 12:05 bucket appears
    assert store.rollup(T0 + timedelta(minutes=9)) == 0
    assert store.rollup(T0 + timedelta(minutes=10)) == 1
    over = store.read_fleet_overview(T0, T0 + timedelta(minutes=10))
    assert list(over.miners_reporting) == [2, 1]
    assert over.hashrate_ths.tolist() == pytest.approx([155.0, 120.0])
    assert over.power_w.tolist() == pytest.approx([4600.0, 3000.0])
    assert over.efficiency_j_per_th.tolist() == pytest.approx([4600.0 / 155.0, 3000.0 / 120.0])
    # the maintained fleet totals equal the on-the-fly aggregate of the per-miner roll-ups
    direct = store.read_fleet_overview(T0, T0 + timedelta(minutes=10), source="samples_5m")
    assert direct.hashrate_ths.tolist() == pytest.approx(over.hashrate_ths.tolist())
    assert direct.miners_reporting.tolist() == over.miners_reporting.tolist()


def test_retention_keeps_unrolled_raw_and_drops_old(store: TelemetryStore) -> None:
    now = T0  # 12:00 sharp: the 11:55 bucket of the newest sample is complete
    rows = [sample("a:4028", now - timedelta(days=10)), sample("a:4028", now - timedelta(days=3)),
            sample("a:4028", now - timedelta(minutes=1))]
    store.append_samples(samples_frame(rows, poll_id=1))
    store.append_rollups(pd.DataFrame({
        "bucket_utc": [now - timedelta(days=400)], "miner_id": ["old:4028"], "n_samples": [1], "n_ok": [1],
        "hashrate_ths": [1.0], "power_w": [1.0], "power_source": ["reported"], "temp_chip_max_c": [1.0],
        "fan_speed_min_rpm": [1.0], "hw_errors": [0], "uptime_s": [1.0]}))
    deleted = store.apply_retention(now, RetentionPolicy(raw_keep_days=7, rollup_keep_days=365))
    assert deleted == {"samples": 1, "samples_5m": 1, "fleet_5m": 1}
    left = store.read_samples()
    assert len(left) == 2  # the 3-day-old and the newest stay raw
    roll = store.read_rollups()
    assert set(roll.miner_id) == {"a:4028"} and len(roll) == 3  # every complete bucket rolled, and kept


def test_latest_per_miner(store: TelemetryStore) -> None:
    store.write_poll(1, T0, [sample("a:4028", T0, 100.0), sample("b:4028", T0, 90.0)], 0.1)
    t1 = T0 + timedelta(minutes=1)
    store.write_poll(2, t1, [sample("a:4028", t1, 101.0)], 0.1)
    latest = store.read_latest().sort_values("miner_id")
    assert latest.hashrate_ths.tolist() == [101.0, 90.0]


def test_control_actions_and_failures(store: TelemetryStore) -> None:
    act = ControlAction(ts_utc=T0, miner_id="a:4028", action="power_target", command="profileset",
                        parameter="2890", requested_by="ops@site", ok=True, status="S", code=335,
                        reply_msg="Profile set", latency_s=0.02)
    store.write_control_action(act)
    got = store.read_table("control_actions").iloc[0]
    assert (got.miner_id, got.action, got.requested_by, bool(got.ok), got.code) == (
        "a:4028", "power_target", "ops@site", True, 335)
    assert pd.Timestamp(got.ts_utc) == pd.Timestamp(T0)
    recs = [FailureRecord("a-fan2", "a:4028", "bearing_stall", T0 - timedelta(days=3), T0, "fan 2"),
            FailureRecord("b-hashboard1", "b:4028", "board_death", T0 - timedelta(days=20), None, "board 1")]
    assert store.write_failures(recs) == 2
    assert store.write_failures(recs) == 0  # re-importing the same log adds nothing
    f = store.read_table("failures").sort_values("miner_id")
    assert list(f.failure_kind) == ["bearing_stall", "board_death"]
    assert pd.Timestamp(f.iloc[0].onset_ts_utc) == pd.Timestamp(T0 - timedelta(days=3))
    assert _is_null(f.iloc[1].failure_ts_utc)


def test_bucket_floor() -> None:
    assert bucket_floor_utc(datetime(2026, 1, 1, 0, 7, 31, 5, tzinfo=UTC)) == datetime(2026, 1, 1, 0, 5,
                                                                                          tzinfo=UTC)


def test_collector_writes_simulated_fleet(store: TelemetryStore) -> None:
    """End to end on every backend: the collector polls two simulated LuxOS miners into the store."""
    import asyncio
    import socket

    from hashstack.telemetry.collector import Collector
    from hashstack.telemetry.poller import PollerConfig
    from hashstack.telemetry.records import Target
    from hashstack.telemetry.simulator.process import specs_for, start_fleet_thread
    from hashstack.telemetry.simulator.server import FleetConfig

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fleet = start_fleet_thread(FleetConfig(specs=specs_for(2, "Antminer S19j Pro"), first_address="127.5.9.1",
                                           port=port, seed=5))
    try:
        c = Collector(store, [Target(a, port) for a in fleet.addresses], PollerConfig(timeout_s=5.0))
        summary = asyncio.run(c.poll_once())
    finally:
        fleet.stop()
    assert (summary.poll_id, summary.miners_ok, summary.miners_failed) == (1, 2, 0)
    df = store.read_samples()
    assert len(df) == 2 and df.ok.all() and set(df.power_source) == {"reported"}
    assert all(len(b) == 3 for b in df.board_hashrate_ths)
    assert set(store.read_table("miners").model) == {"Antminer S19j Pro"}


def test_poll_error_is_kept_and_an_older_store_file_gains_the_column(store: TelemetryStore, tmp_path) -> None:
    store.write_poll(1, T0, [sample("a:4028", T0)], 0.1, error="meter: bad row")
    store.write_poll(2, T0 + timedelta(minutes=1), [sample("a:4028", T0)], 0.1)
    polls = store.read_table("polls").sort_values("poll_id")
    assert polls.error.iloc[0] == "meter: bad row" and polls.error.isna().iloc[1]
    if store.dialect == "duckdb":  # a file written before ``polls.error`` existed still opens and writes
        import duckdb

        from hashstack.store.duckdb_store import DuckDBStore

        old = tmp_path / "old.duckdb"
        con = duckdb.connect(str(old))
        con.execute("CREATE TABLE polls (poll_id BIGINT PRIMARY KEY, started_utc TIMESTAMPTZ, miners_ok BIGINT, "
                    "miners_failed BIGINT, miners_skipped BIGINT, duration_s DOUBLE, rows_written BIGINT)")
        con.close()
        with DuckDBStore(old) as s:
            s.write_poll(1, T0, [sample("a:4028", T0)], 0.1, error="x")
            assert s.read_table("polls").error.tolist() == ["x"]


def test_samples_appended_behind_the_watermark_are_rolled_up_before_retention(store: TelemetryStore) -> None:
    """An import or a late poll with timestamps before the roll-up watermark must reach the roll-ups
    (and the fleet totals) before retention deletes its raw rows; a bucket it joins is re-aggregated."""
    now = T0 + timedelta(days=10)
    store.write_poll(1, now - timedelta(minutes=1), [sample("a:4028", now - timedelta(minutes=1), 100.0)], 0.1)
    store.rollup(now)  # watermark = now: every earlier bucket counts as done
    # day-old import: a new bucket, and a second sample joining an already rolled bucket of miner b
    old = T0 + timedelta(days=1)
    store.append_samples(samples_frame([sample("b:4028", old, 80.0), sample("b:4028", old + timedelta(minutes=1),
                                                                            90.0)], poll_id=2))
    store.write_poll(3, now - timedelta(minutes=2), [sample("b:4028", now - timedelta(minutes=2), 60.0)], 0.1)
    r = store.read_rollups(miner_id="b:4028").sort_values("bucket_utc")
    assert [pd.Timestamp(b) for b in r.bucket_utc] == [pd.Timestamp(old), pd.Timestamp(bucket_floor_utc(
        now - timedelta(minutes=2)))]
    assert r.n_samples.tolist() == [2, 1] and r.hashrate_ths.tolist() == pytest.approx([85.0, 60.0])
    fleet = store.read_fleet_overview(old, now)
    assert fleet.hashrate_ths.tolist() == pytest.approx([85.0, 160.0])
    # retention removes the day-9 raw rows, the aggregates stay
    deleted = store.apply_retention(now, RetentionPolicy(raw_keep_days=7, rollup_keep_days=365))
    assert deleted["samples"] == 2 and deleted["samples_5m"] == 0
    assert store.read_rollups(miner_id="b:4028").hashrate_ths.tolist() == pytest.approx([85.0, 60.0])
