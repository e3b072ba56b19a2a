"""Allocation: hand cases, LP exactness against HiGHS, caps never exceeded, MILP agreement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.power.instances import random_instance

from hashstack.errors import InputError
from hashstack.power.allocation import CapTree, Objective, PowerProblem, allocate, concave_hulls
from hashstack.power.milp import solve_milp

# Two miners: A (50 TH/s @ 1000 W, 80 TH/s @ 2000 W), B (40 @ 1000, 60 @ 2000).
H = np.array([[50.0, 80.0], [40.0, 60.0]])
P = np.array([[1000.0, 2000.0], [1000.0, 2000.0]])


def test_hand_case_cap_on_a_vertex() -> None:
    # greedy by value per watt: A's first 1000 W (0.05 TH/J), B's first (0.04), A's second (0.03)
    a = allocate(H, P, CapTree.site_only(2, 3000.0))
    assert a.point_index.tolist() == [1, 0]
    assert a.total_hashrate_ths == pytest.approx(120.0, abs=1e-9)
    assert a.lp_bound == pytest.approx(120.0, abs=1e-9)
    assert a.lp_gap_frac == pytest.approx(0.0, abs=1e-12)


def test_hand_case_fractional_lp() -> None:
    # LP takes half of A's second segment: 50 + 40 + 15 = 105; the best integral choice is A50 + B40 = 90
    tree = CapTree.site_only(2, 2500.0)
    heuristic = PowerProblem(H, P, tree).solve(exact_max_points=0)
    assert heuristic.lp_bound == pytest.approx(105.0, abs=1e-9)
    assert heuristic.total_hashrate_ths == pytest.approx(90.0, abs=1e-9)
    assert heuristic.lp_gap_frac == pytest.approx(15.0 / 105.0, rel=1e-9)
    assert allocate(H, P, tree).total_hashrate_ths == pytest.approx(90.0, abs=1e-9)


def test_hand_case_container_caps() -> None:
    # A sits in a 1500 W container, so it cannot reach its 2000 W point: A50 + B60 = 110
    tree = CapTree.two_level(3000.0, [1500.0, 5000.0], [0, 1])
    a = allocate(H, P, tree)
    assert a.point_index.tolist() == [0, 1]
    assert a.total_hashrate_ths == pytest.approx(110.0, abs=1e-9)
    assert a.node_power_w.tolist() == pytest.approx([3000.0, 1000.0, 2000.0])


def test_thermal_cap_binds_like_an_electrical_cap() -> None:
    tree = CapTree.two_level(3000.0, [5000.0, 5000.0], [0, 1], group_thermal_cap_w=[1500.0, np.inf])
    assert allocate(H, P, tree).point_index.tolist() == [0, 1]


def test_margin_objective_hand_values() -> None:
    # value = h * 0.05 USD/TH/day - p * 24e-6 MWh/day * price
    # at 50 USD/MWh: A50 1.3, A80 1.6, B40 0.8, B60 0.6 USD/day -> A80 + B40
    obj = Objective("margin", hashprice_usd_per_th_day=0.05, price_usd_per_mwh=50.0)
    a = allocate(H, P, CapTree.site_only(2, 1e9), obj)
    assert a.point_index.tolist() == [1, 0]
    assert a.value == pytest.approx(1.6 + 0.8, abs=1e-12)
    # at 100 USD/MWh: A50 0.1, A80 -0.8, B40 -0.4, B60 -1.8 -> B off though the cap is slack
    obj = Objective("margin", hashprice_usd_per_th_day=0.05, price_usd_per_mwh=100.0)
    a = allocate(H, P, CapTree.site_only(2, 1e9), obj)
    assert a.point_index.tolist() == [0, -1]
    assert a.value == pytest.approx(0.1, abs=1e-12)


def test_hull_drops_points_below_the_chord() -> None:
    # (1000, 10) lies below the chord from (0, 0) to (2000, 30): only the segment to 2000 W survives
    hull = concave_hulls(np.array([[1000.0, 2000.0, 3000.0]]), np.array([[10.0, 30.0, 35.0]]))
    assert hull.end_col.tolist() == [1, 2]
    assert hull.slope.tolist() == pytest.approx([0.015, 0.005])


def test_bad_inputs_are_named() -> None:
    with pytest.raises(InputError, match="NaN in both"):
        allocate(np.array([[1.0, np.nan]]), np.array([[1.0, 2.0]]), CapTree.site_only(1, 10.0))
    with pytest.raises(InputError, match="power > 0"):
        allocate(np.array([[1.0]]), np.array([[0.0]]), CapTree.site_only(1, 10.0))
    with pytest.raises(InputError, match="margin objective needs"):
        Objective("margin")
    with pytest.raises(InputError, match="must come after its parent"):
        CapTree(("site", "a", "b"), np.array([-1, 2, 0]), np.ones(3), np.full(3, np.inf), np.zeros(1, np.int64))


def _caps_ok(alloc_power_w: np.ndarray, tree: CapTree) -> bool:
    return bool(np.all(tree.node_power_w(alloc_power_w) <= tree.effective_cap_w * (1 + 1e-9) + 1e-6))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), depth3=st.booleans(), margin=st.booleans(),
       sleep_w=st.sampled_from([0.0, 25.0]))
def test_lp_matches_highs_and_bounds_the_integral_optimum(seed: int, depth3: bool, margin: bool,
                                                          sleep_w: float) -> None:
    rng = np.random.default_rng(seed)
    h, p, tree = random_instance(rng, int(rng.integers(2, 25)), int(rng.integers(1, 6)),
                                 int(rng.integers(1, 4)), depth3)
    obj = Objective("margin", 0.05, float(rng.uniform(20, 120)), 0.02) if margin else Objective()
    prob = PowerProblem(h, p, tree, obj, sleep_power_w=sleep_w)
    lp = prob.solve(exact_max_points=0)
    ref_lp = solve_milp(h, p, tree, obj, relax=True, sleep_power_w=sleep_w)
    assert lp.lp_bound == pytest.approx(ref_lp.value, rel=1e-7, abs=1e-7)
    exact = solve_milp(h, p, tree, obj, sleep_power_w=sleep_w)
    assert exact.optimal
    heuristic = prob.solve(exact_max_points=0)
    default = prob.solve()
    for a in (heuristic, default):
        assert _caps_ok(a.power_w, tree)
        assert a.lp_bound >= a.value - 1e-7 * max(1.0, abs(a.value))
    assert exact.value <= lp.lp_bound + 1e-7 * max(1.0, abs(lp.lp_bound))
    # small instances are solved exactly
    assert default.value == pytest.approx(exact.value, rel=1e-7, abs=1e-7)
    # the repair loses at most one hull segment per finite cap (a provable bound)
    worst_segment = float(prob.hull.value.max()) if len(prob.hull.value) else 0.0
    n_caps = int(np.isfinite(tree.effective_cap_w).sum())
    assert heuristic.value >= lp.lp_bound - n_caps * worst_segment - 1e-7


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), cap_frac=st.floats(0.0, 1.2))
def test_never_exceeds_any_cap_at_scale(seed: int, cap_frac: float) -> None:
    rng = np.random.default_rng(seed)
    h, p, tree = random_instance(rng, 3000, 10, 30, depth3=bool(seed % 2))
    top = np.nansum(np.nanmax(np.where(np.isnan(p), 0, p), axis=1))
    prob = PowerProblem(h, p, tree)
    a = prob.solve(cap_frac * top)
    assert _caps_ok(a.power_w, tree.with_site_cap(cap_frac * top))
    n_caps = int(np.isfinite(tree.effective_cap_w).sum())
    assert a.value >= a.lp_bound - n_caps * float(prob.hull.value.max()) - 1e-6
    if cap_frac > 0.2:  # hundreds of machines running: the loss is a sliver of the fleet
        assert a.lp_gap_frac < 2e-3
    # every miner at one of its own points or off
    on = a.point_index >= 0
    assert np.array_equal(a.power_w[on], p[np.flatnonzero(on), a.point_index[on]])
    assert np.all(a.power_w[~on] == 0)


def test_margin_switches_off_sub_breakeven_machines_under_a_slack_cap() -> None:
    rng = np.random.default_rng(7)
    h, p, _ = random_instance(rng, 200, 8, 1)
    tree = CapTree.site_only(200, 1e12)
    obj = Objective("margin", hashprice_usd_per_th_day=0.05, price_usd_per_mwh=70.0)
    a = PowerProblem(h, p, tree, obj).solve(exact_max_points=0)
    # breakeven efficiency: 0.05 USD/TH/day / (24e-6 MWh/W/day * 70 USD/MWh) = 29.76 J/TH
    best_eff = np.nanmin(p / h, axis=1)
    breakeven_j_per_th = 0.05 / (24e-6 * 70.0)
    assert np.all(a.point_index[best_eff > breakeven_j_per_th] == -1)
    assert np.all(a.point_index[best_eff < breakeven_j_per_th] >= 0)
    # each running machine sits at the point of its best own margin (no cap binds)
    v = obj.value(h, p)
    on = a.point_index >= 0
    assert np.allclose(a.hashrate_ths[on] * 0.05 - a.power_w[on] * 24e-6 * 70.0, np.nanmax(v[on], axis=1))


def test_solve_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    h, p, tree = random_instance(rng, 500, 10, 5)
    a = PowerProblem(h, p, tree).solve(exact_max_points=0)
    b = PowerProblem(h, p, tree).solve(exact_max_points=0)
    assert np.array_equal(a.point_index, b.point_index)
