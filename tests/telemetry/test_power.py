"""Meter / PDU readings: the CSV reader and the collector's override; backoff as the collector applies it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hashstack.errors import DataFileError
from hashstack.store.duckdb_store import DuckDBStore
from hashstack.telemetry.collector import Collector
from hashstack.telemetry.poller import PollerConfig
from hashstack.telemetry.power import read_meter_csv
from hashstack.telemetry.records import Target

from . import replies
from .fakes import FakeMiner, closed_port, multi_reply


def test_read_meter_csv(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("miner_id,power_w\n127.1.0.1,3010.5\n127.1.0.2:4029,0\n")
    assert read_meter_csv(p) == {"127.1.0.1:4028": 3010.5, "127.1.0.2:4029": 0.0}
    p.write_text("miner_id,power_w\n127.1.0.1,3010\n127.1.0.2,lots\n")
    with pytest.raises(DataFileError, match=r"row 2, field 'power_w'"):
        read_meter_csv(p)
    p.write_text("miner,watts\n")
    with pytest.raises(DataFileError, match="missing column 'miner_id'"):
        read_meter_csv(p)
    with pytest.raises(DataFileError, match="not found"):
        read_meter_csv(tmp_path / "absent.csv")


def test_collector_meter_overrides_and_dead_miner_backs_off(tmp_path: Path) -> None:
    dead = Target("127.0.0.1", closed_port())

    async def scenario() -> tuple[list, object]:
        m = await FakeMiner(multi_reply(replies.LUXOS)).start()
        live = Target("127.0.0.1", m.port)
        meter = tmp_path / "meter.csv"
        meter.write_text(f"miner_id,power_w\n{live.miner_id},2999\n")
        with DuckDBStore(tmp_path / "c.duckdb") as store:
            c = Collector(store, [live, dead], PollerConfig(timeout_s=2.0, backoff_base_s=3600),
                          meter_path=meter)
            first = await c.poll_once()
            second = await c.poll_once()
            df = store.read_samples()
        await m.stop()
        return [first, second], df

    (first, second), df = asyncio.run(scenario())
    assert (first.miners_ok, first.miners_failed, first.miners_skipped) == (1, 1, 0)
    assert (second.miners_ok, second.miners_failed, second.miners_skipped) == (1, 0, 1)
    live_rows = df[df.ok]
    assert set(live_rows.power_source) == {"meter"} and set(live_rows.power_w) == {2999.0}
    assert list(df[~df.ok].error) == ["refused"]  # one failed row, then skipped while backing off
