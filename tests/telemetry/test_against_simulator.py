"""The collector and control commands against the real fleet simulator (LuxOS dialect) on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hashstack.store.duckdb_store import DuckDBStore
from hashstack.telemetry.control import choose_profile, control_miner
from hashstack.telemetry.poller import PollerConfig, poll_fleet
from hashstack.telemetry.records import Target

FIRST = "127.5.0.1"
FIXED_NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fleet(n: int, api_allow: str | None = None, first: str = FIRST):  # type: ignore[no-untyped-def]
    from hashstack.telemetry.simulator.process import specs_for, start_fleet_thread
    from hashstack.telemetry.simulator.server import FleetConfig

    kw = {} if api_allow is None else {"api_allow": api_allow}
    return start_fleet_thread(FleetConfig(specs=specs_for(n, "Antminer S19j Pro"), first_address=first,
                                          port=_free_port(), seed=3, **kw))


@pytest.fixture(scope="module")
def fleet() -> Iterator[object]:
    f = _fleet(4)
    yield f
    f.stop()


def _targets(fleet: object) -> list[Target]:
    return [Target(a, fleet.port) for a in fleet.addresses]  # type: ignore[attr-defined]


def _poll(targets: list[Target]):  # type: ignore[no-untyped-def]
    return asyncio.run(poll_fleet(targets, PollerConfig(timeout_s=5.0)))


def test_every_simulated_miner_is_read_completely(fleet: object) -> None:
    samples = _poll(_targets(fleet))
    assert [s.ok for s in samples] == [True] * 4
    for s in samples:
        assert s.model == "Antminer S19j Pro" and s.firmware is not None and s.firmware.startswith("LUXminer")
        assert len(s.board_hashrate_ths) == 3 and len(s.fan_speed_rpm) == 4
        assert s.power_source == "reported" and s.power_w is not None and s.power_w > 0
        assert s.power_limit_w is not None
        assert s.hashrate_ths == pytest.approx(sum(s.board_hashrate_ths), rel=0.02)
        assert s.pool_url is not None and s.uptime_s is not None
        assert s.missing_fields == (), s.missing_fields


def test_power_target_sleep_wake_with_audit(fleet: object, tmp_path) -> None:  # type: ignore[no-untyped-def]
    t = _targets(fleet)[0]
    store = DuckDBStore(tmp_path / "audit.duckdb")
    before = _poll([t])[0]
    target_w = before.power_limit_w - 100.0  # one profile down at least
    act = asyncio.run(control_miner(t, "power_target", "ops@test", target_w, now_utc=lambda: FIXED_NOW))
    store.write_control_action(act)
    assert act.ok, act
    assert act.command == "profileset" and act.requested_by == "ops@test" and act.ts_utc == FIXED_NOW
    assert "target_w=" in (act.parameter or "")
    after = _poll([t])[0]
    assert after.power_limit_w is not None and after.power_limit_w <= target_w

    slept = asyncio.run(control_miner(t, "sleep", "ops@test"))
    store.write_control_action(slept)
    assert slept.ok and slept.code == 335
    woke = asyncio.run(control_miner(t, "wake", "ops@test"))
    store.write_control_action(woke)
    assert woke.ok
    audit = store.read_table("control_actions")
    assert list(audit.action) == ["power_target", "sleep", "wake"]
    assert set(audit.requested_by) == {"ops@test"} and audit.ok.all()
    store.close()


def test_unprivileged_client_is_refused_and_recorded() -> None:
    f = _fleet(1, api_allow="R:127.0.0.0/8", first="127.5.1.1")
    try:
        act = asyncio.run(control_miner(_targets(f)[0], "sleep", "intruder"))
    finally:
        f.stop()
    assert not act.ok and act.status == "E" and act.code == 45
    assert "refused" in act.reply_msg


def test_unreachable_miner_is_a_failed_action_not_an_exception() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    act = asyncio.run(control_miner(Target("127.0.0.1", port), "wake", "ops", timeout_s=1.0))
    assert not act.ok and act.status == "-"


def test_choose_profile_picks_highest_at_or_below() -> None:
    rows = [{"Profile Name": "a", "Watts": 3000}, {"Profile Name": "b", "Watts": 2800},
            {"Profile Name": "c", "Watts": 2600}]
    assert choose_profile(rows, 2900) == ("b", 2800.0)
    assert choose_profile(rows, 2800) == ("b", 2800.0)
    from hashstack.errors import InputError

    with pytest.raises(InputError, match="lowest is 2600"):
        choose_profile(rows, 100)


def test_control_cli_audits_every_action(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    f = _fleet(2, first="127.5.4.1")
    try:
        targets = tmp_path / "t.txt"
        targets.write_text("".join(f"{a}:{f.port}\n" for a in f.addresses))
        db = tmp_path / "audit.duckdb"

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "hashstack.cli", "control", *args, "--targets",
                                   str(targets), "--db", str(db), "--by", "night-shift", "--json"],
                                  capture_output=True, text=True, timeout=120)

        slept = cli("sleep")
        woke = cli("wake")
        too_low = cli("power-target", "--watts", "10")
    finally:
        f.stop()
    assert slept.returncode == 0, slept.stderr
    assert json.loads(slept.stdout)["ok"] == 2 and json.loads(woke.stdout)["ok"] == 2
    assert too_low.returncode == 1  # no profile at or below 10 W: refused, recorded, non-zero exit
    out = json.loads(too_low.stdout)
    assert out["failed"] == 2 and all("no profile at or below" in a["reply_msg"] for a in out["actions"])
    audit = DuckDBStore(db, read_only=True)
    rows = audit.read_table("control_actions")
    audit.close()
    assert list(rows.action) == ["sleep"] * 2 + ["wake"] * 2 + ["power_target"] * 2
    assert set(rows.requested_by) == {"night-shift"}
    assert rows.ok.tolist() == [True] * 4 + [False] * 2
