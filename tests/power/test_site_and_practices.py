"""Derating, the site builder and layout file, the common practices, the power curve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashstack.errors import DataFileError, InputError
from hashstack.fleet import read_site
from hashstack.power.allocation import CapTree, Objective, PowerProblem
from hashstack.power.curve import site_power_curve
from hashstack.power.operating_points import derated_points, thermal_ceiling_frac
from hashstack.power.practices import least_efficient_off, uniform_underclock
from hashstack.power.site import example_layout_path, read_layout, site_fleet

REPO = Path(__file__).resolve().parents[2]


def test_thermal_ceiling_hand_values() -> None:
    frac = thermal_ceiling_frac([20.0, 35.0, 40.0, 44.0, 45.0, np.nan])
    assert frac.tolist() == pytest.approx([1.0, 1.0, 0.5, 0.1, -1.0, 1.0])


def test_derated_points_cut_the_top_and_interpolate_the_ceiling() -> None:
    h = np.array([50.0, 100.0, 150.0])
    p = np.array([1000.0, 2500.0, 4500.0])
    dh, dp = derated_points(h, p, health_frac=[1.0, 0.8, 0.2, 1.0], temp_inlet_c=[25.0, 25.0, 25.0, 40.0])
    assert dh.shape == (4, 3)
    # healthy and cool: unchanged
    assert dh[0].tolist() == [50.0, 100.0, 150.0] and dp[0].tolist() == [1000.0, 2500.0, 4500.0]
    # 80% health: ceiling 120 TH/s in place of the 150 point, power on the chord 2500 + 0.4 * 2000 = 3300 W
    assert dh[1, 2] == pytest.approx(120.0) and dp[1, 2] == pytest.approx(3300.0)
    # 20% health: ceiling 30 TH/s below the floor: no points (off only)
    assert np.all(np.isnan(dh[2]))
    # 40 C inlet: half the range, ceiling 100 TH/s, which is an existing point
    assert dh[3, :2].tolist() == [50.0, 100.0] and np.isnan(dh[3, 2]) and np.isnan(dp[3, 2])


def test_derated_points_refuse_bad_health() -> None:
    with pytest.raises(InputError, match="health_frac"):
        derated_points([1.0, 2.0], [1.0, 2.0], health_frac=0.0)


def test_practices_hand_case() -> None:
    # A: 100 TH/s @ 1500 W (15 J/TH) ... 200 @ 4000 (20 J/TH); B: 50 @ 1000 (20) ... 100 @ 3000 (30)
    h = np.array([[100.0, 200.0], [50.0, 100.0]])
    p = np.array([[1500.0, 4000.0], [1000.0, 3000.0]])
    off = least_efficient_off(h[:, 1], p[:, 1], 5000.0)
    assert off.hashrate_ths.tolist() == [200.0, 0.0] and off.total_power_w == 4000.0
    uni = uniform_underclock(h, p, 5000.0)
    # same position t in both ranges: 1500 + 2500 t + 1000 + 2000 t = 5000 -> t = 5/9
    assert uni.total_power_w == pytest.approx(5000.0, rel=1e-9)
    assert uni.total_hashrate_ths == pytest.approx(150.0 + 150.0 * 5 / 9, rel=1e-9)  # 100+100t + 50+50t
    # below the fleet's floor the uniform practice switches the worst machine off too
    assert uniform_underclock(h, p, 2000.0).hashrate_ths.tolist() == [100.0, 0.0]


def test_layout_builds_the_tree_and_derates_hot_containers() -> None:
    site = read_site(REPO / "examples" / "site.toml")
    layout = read_layout(REPO / "examples" / "site_layout.toml")
    fleet = site_fleet(site, layout)
    assert fleet.n_miners == 13_000
    assert fleet.tree.names[:3] == ("site", "T1", "T2") and fleet.tree.n_nodes == 55
    c03 = fleet.tree.names.index("C03")
    assert fleet.tree.effective_cap_w[c03] == 750_000.0
    # a 38 C container loses the top of its range; a cool one of the same model keeps it
    hot = np.flatnonzero(np.array(fleet.container) == "C03")[0]
    cool = np.flatnonzero(np.array(fleet.container) == "C01")[0]
    assert np.nanmax(fleet.hashrate_ths[hot]) < np.nanmax(fleet.hashrate_ths[cool])
    a = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree).solve(0.7 * fleet.nameplate_power_w)
    assert np.all(a.node_power_w <= fleet.tree.effective_cap_w * (1 + 1e-12))
    assert a.lp_gap_frac < 1e-4


def test_shipped_layout_matches_the_example() -> None:
    assert example_layout_path().read_text() == (REPO / "examples" / "site_layout.toml").read_text()


def test_layout_errors_name_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "layout.toml"
    bad.write_text('[[container]]\nname = "C1"\ncap_kw = 100\nminers = [{ model = "Antminer S21" }]\n')
    with pytest.raises(DataFileError, match=r"layout.toml, row 4, field 'container.0.miners.0.count'"):
        read_layout(bad)
    bad.write_text('[[container]]\nname = "C1"\ntransformer = "T9"\nminers = [{ model = "Antminer S21", count = 1 }]\n')
    with pytest.raises(DataFileError, match="unknown transformer 'T9'"):
        read_layout(bad)
    bad.write_text('[[container]]\nname = "C1"\nminers = [{ model = "Antminer S21", count = 99999 }]\n')
    site = read_site(REPO / "examples" / "site.toml")
    with pytest.raises(InputError, match="only 6000 left"):
        site_fleet(site, read_layout(bad))


def test_optimal_beats_both_practices_at_70_percent() -> None:
    site = read_site(REPO / "examples" / "site.toml")
    fleet = site_fleet(site)
    cap = 0.7 * fleet.nameplate_power_w
    a = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree).solve(cap)
    uni = uniform_underclock(fleet.hashrate_ths, fleet.power_w, cap)
    off = least_efficient_off(fleet.stock_hashrate_ths, fleet.stock_power_w, cap)
    for practice in (uni, off):
        assert practice.total_power_w <= cap * (1 + 1e-9)
        assert a.total_hashrate_ths > practice.total_hashrate_ths
        assert a.efficiency_j_per_th < practice.efficiency_j_per_th


def test_power_curve_is_monotone_and_within_levels() -> None:
    rng = np.random.default_rng(11)
    from tests.power.instances import random_instance

    h, p, tree = random_instance(rng, 300, 8, 4)
    obj = Objective("hashrate", hashprice_usd_per_th_day=0.05, price_usd_per_mwh=60.0)
    curve = site_power_curve(PowerProblem(h, p, tree, obj), n_levels=21)
    assert curve.power_w[0] == 0.0 and curve.hashrate_ths[0] == 0.0
    assert np.all(curve.power_used_w <= curve.power_w + 1e-6)
    assert np.all(np.diff(curve.value_lp_bound) >= -1e-9)
    assert np.all(curve.hashrate_ths <= curve.value_lp_bound + 1e-9)
    assert np.all(np.isfinite(curve.margin_usd_per_day))
    # margin objective: beyond the point where every profitable watt is used, power stays unused
    m = Objective("margin", hashprice_usd_per_th_day=0.05, price_usd_per_mwh=70.0)
    mc = site_power_curve(PowerProblem(h, p, CapTree.site_only(300, 1e12), m),
                          np.linspace(0, np.nansum(np.nanmax(np.where(np.isnan(p), 0, p), axis=1)), 11))
    assert mc.power_used_w[-1] < mc.power_w[-1]
    assert np.all(np.diff(mc.margin_usd_per_day) >= -1e-9)
