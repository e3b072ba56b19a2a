"""The collector: learns each miner's firmware family and then asks only the commands it needs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hashstack.store.duckdb_store import DuckDBStore
from hashstack.telemetry.collector import Collector
from hashstack.telemetry.parsing import DEFAULT_COMMANDS, DIALECT_COMMANDS, commands_for_firmware
from hashstack.telemetry.poller import PollerConfig
from hashstack.telemetry.records import Target

from . import replies
from .fakes import FakeMiner, multi_reply


def test_commands_for_firmware() -> None:
    assert commands_for_firmware("LUXminer 2024.5.1") == DIALECT_COMMANDS["LUXminer"]
    assert commands_for_firmware("BMMiner 1.0.0") == DIALECT_COMMANDS["BMMiner"]
    assert commands_for_firmware("cgminer 4.9.0") == DEFAULT_COMMANDS
    assert commands_for_firmware(None) == DEFAULT_COMMANDS


@pytest.mark.parametrize(("parts", "family"), [(replies.LUXOS, "LUXminer"), (replies.BMMINER, "BMMiner")])
def test_second_poll_asks_the_dialect_set_and_loses_nothing(tmp_path: Path, parts: dict, family: str) -> None:
    async def scenario() -> tuple[list, FakeMiner]:
        m = await FakeMiner(multi_reply(parts)).start()
        with DuckDBStore(tmp_path / "c.duckdb") as store:
            c = Collector(store, [Target("127.0.0.1", m.port)], PollerConfig(timeout_s=2.0))
            await c.poll_once()
            await c.poll_once()
            df = store.read_samples()
        await m.stop()
        return df, m

    df, m = asyncio.run(scenario())
    assert [r["command"] for r in m.requests] == ["+".join(DEFAULT_COMMANDS), "+".join(DIALECT_COMMANDS[family])]
    first, second = df.iloc[0], df.iloc[1]
    for col in ("hashrate_ths", "power_w", "power_source", "power_limit_w", "temp_chip_max_c", "pool_url",
                "uptime_s", "firmware", "model"):
        a, b = first[col], second[col]
        assert (a == b) or (a != a and b != b), col  # equal, or both missing (NaN)
    assert list(first.fan_speed_rpm) == list(second.fan_speed_rpm)
    assert list(first.board_hashrate_ths) == list(second.board_hashrate_ths)


def test_half_written_meter_file_keeps_last_readings_and_is_recorded(tmp_path: Path) -> None:
    meter = tmp_path / "meter.csv"

    async def scenario() -> tuple[list, list]:
        m = await FakeMiner(multi_reply(replies.BMMINER)).start()
        t = Target("127.0.0.1", m.port)
        summaries = []
        with DuckDBStore(tmp_path / "m.duckdb") as store:
            c = Collector(store, [t], PollerConfig(timeout_s=2.0), meter_path=meter)
            meter.write_text(f"miner_id,power_w\n{t.miner_id},3100\n")
            summaries.append(await c.poll_once(use_backoff=False))
            meter.write_text(f"miner_id,power_w\n{t.miner_id},")  # mid-rewrite: empty power_w
            summaries.append(await c.poll_once(use_backoff=False))
            meter.write_text(f"miner_id,power_w\n{t.miner_id},3200\n")
            summaries.append(await c.poll_once(use_backoff=False))
            df = store.read_samples()
            polls = store.read_table("polls").sort_values("poll_id")
        await m.stop()
        return list(zip(df.power_w, df.power_source, strict=True)), [summaries, polls]

    rows, (summaries, polls) = asyncio.run(scenario())
    assert rows == [(3100.0, "meter"), (3100.0, "meter"), (3200.0, "meter")]
    assert summaries[0].error is None and summaries[2].error is None
    err = summaries[1].error
    assert err is not None and "meter.csv" in err and "power_w" in err and "last good readings" in err
    assert list(polls.error.isna()) == [True, False, True] and polls.error.iloc[1] == err
