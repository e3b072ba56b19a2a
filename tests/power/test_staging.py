"""Staged actuation: no intermediate state exceeds a cap, toggles respect their interval, and the
executor sends what was planned."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.power.instances import random_instance

from hashstack.errors import InputError
from hashstack.power.actuation import execute_plan
from hashstack.power.allocation import CapTree, PowerProblem
from hashstack.power.staging import Plan, StagingPolicy, plan_transition


def _check_plan(plan: Plan, start_w: np.ndarray, target_w: np.ndarray, tree: CapTree, policy: StagingPolicy,
                since_toggle_s: np.ndarray) -> None:
    caps = tree.effective_cap_w
    tol = 1e-6
    assert np.allclose(plan.final_power_w, target_w)
    state = start_w.copy()
    last_toggle = -since_toggle_s.copy()
    for i, batch in enumerate(plan.batches):
        before = plan.node_power_w[i]
        after = plan.node_power_w[i + 1]
        # no node draws more during a batch than the larger of the cap and what it drew before
        assert np.all(plan.node_envelope_w[i] <= np.maximum(caps, before) + tol)
        # a node within its cap stays within it
        assert np.all((before > caps + tol) | (after <= caps + tol))
        assert len(batch.commands) <= policy.batch_size
        delta = 0.0
        for c in batch.commands:
            new = 0.0 if c.action == "sleep" else c.power_w
            if batch.direction == "decrease":
                assert new < state[c.miner]
            else:
                assert new > state[c.miner]
            if c.action in ("sleep", "wake"):
                assert batch.at_s - last_toggle[c.miner] >= policy.min_toggle_interval_s - 1e-9
                last_toggle[c.miner] = batch.at_s
            delta += abs(np.where(new > 0, new, policy.sleep_power_w) -
                         np.where(state[c.miner] > 0, state[c.miner], policy.sleep_power_w))
            state[c.miner] = new
        if policy.ramp_w_per_s is not None and len(batch.commands) > 1:
            assert delta <= policy.ramp_w_per_s * policy.settle_s + tol
    assert np.allclose(state, target_w)


def test_step_down_and_back_hand_case() -> None:
    # four 3 kW miners, site cap drops from 12 kW to 7.2 kW: two miners sleep, then all come back
    addr = [f"127.0.0.1:{4028 + i}" for i in range(4)]
    full = np.full(4, 3000.0)
    down = np.array([3000.0, 3000.0, 0.0, 0.0])
    tree = CapTree.site_only(4, 7200.0)
    policy = StagingPolicy(settle_s=10.0, batch_size=1, min_toggle_interval_s=0.0)
    plan = plan_transition(addr, full, down, tree, policy, priority=[4, 3, 2, 1])
    # lowest priority shed first, one per batch
    assert [(b.direction, b.commands[0].miner, b.commands[0].action) for b in plan.batches] == [
        ("decrease", 3, "sleep"), ("decrease", 2, "sleep")]
    assert [b.site_power_w for b in plan.batches] == [9000.0, 6000.0]
    assert plan.duration_s == 20.0
    back = plan_transition(addr, down, full, CapTree.site_only(4, 12000.0), policy, priority=[4, 3, 2, 1])
    assert [(b.commands[0].miner, b.commands[0].action) for b in back.batches] == [(2, "wake"), (3, "wake")]


def test_decreases_precede_increases_when_a_cap_binds() -> None:
    # swap: miner 0 goes 3000 -> 1000, miner 1 goes 1000 -> 3000 under a 4 kW cap
    tree = CapTree.site_only(2, 4000.0)
    plan = plan_transition(["a", "b"], [3000.0, 1000.0], [1000.0, 3000.0], tree, StagingPolicy(settle_s=5.0))
    assert [b.direction for b in plan.batches] == ["decrease", "increase"]
    assert plan.node_envelope_w.max() <= 4000.0


def test_blocked_sleep_turns_down_first_then_sleeps_when_allowed() -> None:
    tree = CapTree.site_only(2, 10_000.0)
    policy = StagingPolicy(settle_s=10.0, min_toggle_interval_s=600.0)
    plan = plan_transition(["a", "b"], [3000.0, 3000.0], [0.0, 3000.0], tree, policy,
                           min_power_w=[1500.0, 1500.0], since_toggle_s=[100.0, 1e9])
    acts = [(b.at_s, c.action, c.power_w) for b in plan.batches for c in b.commands]
    assert acts == [(0.0, "power_target", 1500.0), (500.0, "sleep", 0.0)]


def test_infeasible_target_is_refused() -> None:
    with pytest.raises(InputError, match="exceeds a cap"):
        plan_transition(["a"], [0.0], [3000.0], CapTree.site_only(1, 2000.0))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), batch_size=st.integers(1, 50),
       ramp=st.one_of(st.none(), st.floats(50.0, 5000.0)), interval=st.sampled_from([0.0, 60.0, 600.0]),
       sleep_w=st.sampled_from([0.0, 25.0]))
def test_no_intermediate_state_overshoots(seed: int, batch_size: int, ramp: float | None, interval: float,
                                          sleep_w: float) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    h, p, tree = random_instance(rng, n, 6, int(rng.integers(1, 5)), depth3=bool(seed % 2))
    prob = PowerProblem(h, p, tree, sleep_power_w=sleep_w)
    top = np.nansum(np.nanmax(np.where(np.isnan(p), 0, p), axis=1))
    # allocations at two random site caps (the allocator leaves room for sleeping miners' draw)
    a = prob.solve(rng.uniform(0.2, 1.0) * top, exact_max_points=0)
    b = prob.solve(rng.uniform(0.2, 1.0) * top, exact_max_points=0)
    policy = StagingPolicy(settle_s=15.0, batch_size=batch_size,
                           ramp_w_per_s=ramp, min_toggle_interval_s=interval, sleep_power_w=sleep_w)
    since = rng.uniform(0, 900, n)
    floor = np.nanmin(p, axis=1)
    floor = np.where(np.isnan(floor), 0.0, floor)
    addr = [f"m{i}" for i in range(n)]
    # the planner's convention: 0 = asleep
    start = np.where(a.point_index >= 0, a.power_w, 0.0)
    target = np.where(b.point_index >= 0, b.power_w, 0.0)
    tree_b = tree.with_site_cap(float(b.node_power_w[0]) + 1e-6)
    plan = plan_transition(addr, start, target, tree_b, policy, min_power_w=floor,
                           priority=rng.random(n), since_toggle_s=since)
    _check_plan(plan, start, target, tree_b, policy, since)


def test_executor_sends_wake_with_its_power_target_and_stops_on_failure() -> None:
    plan = plan_transition(["a", "b", "c"], [3000.0, 0.0, 2000.0], [1000.0, 2500.0, 0.0],
                           CapTree.site_only(3, 6000.0), StagingPolicy(settle_s=0.01, min_toggle_interval_s=0.0))
    log: list[tuple[str, str, float | None]] = []

    async def send(address: str, action: str, parameter: float | None) -> bool:
        log.append((address, action, parameter))
        return True

    report = asyncio.run(execute_plan(plan, send))
    assert report.completed and report.commands_sent == 3
    assert log.index(("b", "power_target", 2500.0)) == log.index(("b", "wake", None)) - 1
    # every decrease was sent before any increase
    assert max(log.index(("a", "power_target", 1000.0)), log.index(("c", "sleep", None))) < \
        log.index(("b", "power_target", 2500.0))

    async def refuse(address: str, action: str, parameter: float | None) -> bool:
        return action != "sleep"

    report = asyncio.run(execute_plan(plan, refuse))
    assert not report.completed and report.batches_done == 0
    assert report.failed[0][0].action == "sleep"
