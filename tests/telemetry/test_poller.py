"""The poller against fake miners: bad miners never break or delay the good ones; backoff schedule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hashstack.errors import InputError
from hashstack.telemetry.poller import Backoff, PollerConfig, poll_fleet
from hashstack.telemetry.records import MinerSample, Target

from . import replies
from .fakes import FakeMiner, closed_port, fixed, multi_reply


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_mixed_fleet_good_miners_unaffected_by_dead_slow_and_garbage() -> None:
    async def scenario() -> tuple[list[MinerSample], list[str], list[FakeMiner]]:
        good = [await FakeMiner(multi_reply(replies.BMMINER)).start() for _ in range(4)]
        lux = await FakeMiner(multi_reply(replies.LUXOS)).start()
        hang = await FakeMiner("hang").start()
        drip = await FakeMiner("drip").start()
        garbage = await FakeMiner(fixed(b"\x16\x03\x01 not json at all \xff\x00")).start()
        targets = ([Target("127.0.0.1", hang.port), Target("127.0.0.1", drip.port),
                    Target("127.0.0.1", closed_port()), Target("127.0.0.1", garbage.port)]
                   + [Target("127.0.0.1", m.port) for m in good] + [Target("127.0.0.1", lux.port)])
        order: list[str] = []
        cfg = PollerConfig(concurrency=8, timeout_s=1.5)
        samples = await poll_fleet(targets, cfg, ts_utc=datetime(2026, 1, 1, tzinfo=UTC),
                                   on_sample=lambda s: order.append(s.miner_id))
        for m in [*good, lux, hang, drip, garbage]:
            await m.stop()
        return samples, order, good

    samples, order, good = run(scenario())
    assert len(samples) == 9
    hang_s, drip_s, dead_s, garbage_s, *good_s = samples
    assert hang_s.error == "timeout" and not hang_s.ok
    assert drip_s.error == "timeout"
    assert dead_s.error == "refused"
    assert garbage_s.error is not None and garbage_s.error.startswith("protocol:")
    assert all(s.ok for s in good_s)
    assert [s.hashrate_ths for s in good_s[:4]] == pytest.approx([104.12345] * 4)
    assert good_s[4].power_source == "reported"
    # the good miners finished before the stuck ones were given up on (order, not wall time)
    finished_good = {f"127.0.0.1:{m.port}" for m in good}
    assert set(order[: len(order) - 2]) >= finished_good
    assert set(order[-2:]) == {hang_s.miner_id, drip_s.miner_id}
    # one '+'-joined request per good miner
    assert all(s.ts_utc == datetime(2026, 1, 1, tzinfo=UTC) for s in samples)


def test_concurrency_one_still_reads_everyone_in_order() -> None:
    async def scenario() -> list[MinerSample]:
        miners = [await FakeMiner(multi_reply(replies.BMMINER)).start() for _ in range(3)]
        out = await poll_fleet([Target("127.0.0.1", m.port) for m in miners], PollerConfig(concurrency=1))
        for m in miners:
            await m.stop()
        return out

    out = run(scenario())
    assert [s.ok for s in out] == [True, True, True]


def test_firmware_without_multi_command_gets_one_request_per_command() -> None:
    def answer(req: dict) -> bytes:
        cmd = req["command"]
        if "+" in cmd:
            return replies.INVALID_COMMAND.encode() + b"\x00"
        return replies.BMMINER.get(cmd, replies.INVALID_COMMAND).encode() + b"\x00"

    async def scenario() -> tuple[MinerSample, FakeMiner]:
        m = await FakeMiner(answer).start()
        out = await poll_fleet([Target("127.0.0.1", m.port)],
                               PollerConfig(commands=("summary", "stats", "pools", "version")))
        await m.stop()
        return out[0], m

    s, m = run(scenario())
    assert s.ok and s.hashrate_ths == pytest.approx(104.12345) and s.pool_url is not None
    assert [r["command"] for r in m.requests] == ["summary+stats+pools+version", "summary", "stats", "pools",
                                                  "version"]


def test_miner_answering_only_errors_is_a_failed_poll() -> None:
    async def scenario() -> MinerSample:
        m = await FakeMiner(fixed(replies.INVALID_COMMAND.encode() + b"\x00")).start()
        out = await poll_fleet([Target("127.0.0.1", m.port)], PollerConfig(commands=("summary",)))
        await m.stop()
        return out[0]

    s = run(scenario())
    assert not s.ok and s.error is not None and "Invalid command" in s.error


def test_backoff_doubles_and_caps_and_resets() -> None:
    b = Backoff(base_s=10, max_s=60)
    assert b.due("m", 0.0)
    b.record("m", ok=False, now_s=0.0)
    assert not b.due("m", 9.9) and b.due("m", 10.0)
    b.record("m", ok=False, now_s=10.0)  # second failure: 20 s
    assert not b.due("m", 29.9) and b.due("m", 30.0)
    for _ in range(5):
        b.record("m", ok=False, now_s=100.0)
    assert b.next_try_s["m"] == 160.0  # capped at 60 s
    b.record("m", ok=True, now_s=200.0)
    assert b.due("m", 200.0) and "m" not in b.failures


def test_config_validation() -> None:
    with pytest.raises(InputError, match="concurrency"):
        PollerConfig(concurrency=0)
    with pytest.raises(InputError, match="timeout_s"):
        PollerConfig(timeout_s=0)


def test_meter_and_on_sample_errors_stay_with_their_miner() -> None:
    """A meter lookup or progress callback that raises must not kill a worker and abort the pass."""

    async def scenario() -> list[MinerSample]:
        miners = [await FakeMiner(multi_reply(replies.LUXOS)).start() for _ in range(4)]  # reports watts
        targets = [Target("127.0.0.1", m.port) for m in miners]
        bad_meter, bad_callback = targets[1].miner_id, targets[2].miner_id

        def meter(miner_id: str) -> float | None:
            if miner_id == bad_meter:
                raise KeyError("PDU outlet 7 unmapped")
            return 3000.0

        def on_sample(s: MinerSample) -> None:
            if s.miner_id == bad_callback:
                raise RuntimeError("progress bar exploded")

        out = await poll_fleet(targets, PollerConfig(concurrency=2, timeout_s=2.0), meter=meter,
                               on_sample=on_sample)
        for m in miners:
            await m.stop()
        return out

    metered, unmetered, callback_failed, last = run(scenario())
    assert metered.ok and metered.power_w == 3000.0 and metered.power_source == "meter" and metered.error is None
    assert unmetered.ok and unmetered.power_source == "reported" and unmetered.power_w != 3000.0
    assert unmetered.error is not None and unmetered.error.startswith("meter: KeyError")
    assert not callback_failed.ok and callback_failed.error == "on_sample: RuntimeError: progress bar exploded"
    assert last.ok and last.power_source == "meter"
