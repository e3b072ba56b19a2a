"""Staged actuation against the fleet simulator (LuxOS dialect on loopback): a step of the site cap from
100% to 60% and back, with container caps, must keep the *measured* power under every cap in force at
every poll."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import numpy as np
import pytest

from hashstack.power.actuation import control_path_sender, execute_plan
from hashstack.power.allocation import CapTree, PowerProblem
from hashstack.power.staging import StagingPolicy, plan_transition

FIRST = "127.6.0.1"
N_MINERS = 8
HEADROOM_FRAC = 0.01  # planned power = firmware estimate x calibration x (1 + headroom)
SITE = Path(__file__).resolve().parents[2] / "examples" / "site.toml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _ask(host: str, port: int, command: str) -> list[dict[str, object]]:
    from hashstack.telemetry.client import send_command

    replies, _ = await send_command(host, port, command, None, timeout_s=5.0)
    reply = replies[command]
    assert reply.ok, reply
    return list(reply.section(command.upper()))


async def _site_power(addresses: list[str], port: int) -> np.ndarray:
    rows = await asyncio.gather(*(_ask(a, port, "power") for a in addresses))
    return np.array([float(r[0]["Watts"]) for r in rows])  # type: ignore[arg-type]


@pytest.mark.timeout(180)
def test_step_to_60_percent_and_back_never_exceeds_a_cap() -> None:
    from hashstack.telemetry.simulator.fleet_model import SLEEP_POWER_W
    from hashstack.telemetry.simulator.process import specs_for, start_fleet_thread
    from hashstack.telemetry.simulator.server import FleetConfig

    fleet = start_fleet_thread(FleetConfig(specs=specs_for(N_MINERS, site=SITE), first_address=FIRST,
                                           port=_free_port(), seed=6))
    try:
        result = asyncio.run(_scenario(fleet.addresses, fleet.port, SLEEP_POWER_W))
    finally:
        fleet.stop()
    polls_down, polls_up, caps_full, caps_60, reports = result
    assert all(r.completed for r in reports), reports
    container = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    tol = 1e-9

    def nodes(p: np.ndarray) -> np.ndarray:
        return np.concatenate([[p.sum()], np.bincount(container, weights=p, minlength=2)])

    assert len(polls_down) >= 5 and len(polls_up) >= 5
    # during the step down the old caps are in force; once it is done, the new site cap holds
    for p in polls_down:
        assert np.all(nodes(p) <= caps_full * (1 + tol)), (nodes(p), caps_full)
    assert np.all(nodes(polls_down[-1]) <= caps_60 * (1 + tol)), (nodes(polls_down[-1]), caps_60)
    assert polls_down[-1].sum() < 0.65 * polls_down[0].sum()
    # during the step back up the full caps hold at every poll
    for p in polls_up:
        assert np.all(nodes(p) <= caps_full * (1 + tol)), (nodes(p), caps_full)
    assert polls_up[-1].sum() > 0.9 * polls_down[0].sum()


async def _scenario(addresses, port, sleep_w):  # type: ignore[no-untyped-def]
    n = len(addresses)
    profiles = await asyncio.gather(*(_ask(a, port, "profiles") for a in addresses))
    start_w = await _site_power(addresses, port)
    # calibrate each miner's firmware estimates to its measured draw at its running (default) profile
    default_w = np.array([float(next(r["Watts"] for r in rows if r["Default"])) for rows in profiles])  # type: ignore[arg-type]
    ratio = start_w / default_w
    k = max(len(rows) for rows in profiles)
    h = np.full((n, k), np.nan)
    p = np.full((n, k), np.nan)
    for i, rows in enumerate(profiles):
        rows = sorted(rows, key=lambda r: float(r["Watts"]))  # type: ignore[arg-type]
        h[i, :len(rows)] = [float(r["Hashrate"]) for r in rows]  # type: ignore[arg-type]
        p[i, :len(rows)] = [float(r["Watts"]) * ratio[i] * (1 + HEADROOM_FRAC) for r in rows]  # type: ignore[arg-type]
    container = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    caps_full = np.concatenate([[start_w.sum()], np.bincount(container, weights=start_w, minlength=2)]) * 1.03
    caps_60 = caps_full.copy()
    caps_60[0] *= 0.6
    tree_full = CapTree.two_level(caps_full[0], caps_full[1:], container)
    problem = PowerProblem(h, p, tree_full, sleep_power_w=sleep_w)
    low = problem.solve(caps_60[0])
    high = problem.solve(caps_full[0])
    on_low = np.where(low.point_index >= 0, low.power_w, 0.0)
    on_high = np.where(high.point_index >= 0, high.power_w, 0.0)
    policy = StagingPolicy(settle_s=0.6, batch_size=2, min_toggle_interval_s=0.0, sleep_power_w=sleep_w)
    # the firmware takes the highest profile whose estimate is <= the target: undo the calibration
    send = control_path_sender("power-test", port=port,
                               firmware_w_per_planned_w={a: 1.0 / ratio[i] for i, a in enumerate(addresses)})

    polls: list[np.ndarray] = []
    done = asyncio.Event()

    async def poller() -> None:
        while not done.is_set():
            polls.append(await _site_power(addresses, port))
            await asyncio.sleep(0.05)

    reports = []
    # step down: start state is every miner at its default profile
    plan_down = plan_transition(addresses, start_w * (1 + HEADROOM_FRAC), on_low, tree_full.with_site_cap(caps_60[0]),
                                policy, priority=-np.nanmin(p / h, axis=1))
    assert len(plan_down.batches) >= 3
    task = asyncio.create_task(poller())
    reports.append(await execute_plan(plan_down, send))
    await asyncio.sleep(1.0)
    done.set()
    await task
    polls_down = list(polls)
    polls.clear()
    done.clear()
    plan_up = plan_transition(addresses, on_low, on_high, tree_full, policy, priority=-np.nanmin(p / h, axis=1))
    task = asyncio.create_task(poller())
    reports.append(await execute_plan(plan_up, send))
    await asyncio.sleep(1.0)
    done.set()
    await task
    return polls_down, list(polls), caps_full, caps_60, reports
