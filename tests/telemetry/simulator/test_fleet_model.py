from __future__ import annotations

import numpy as np
import pytest
from tests.telemetry.simulator.conftest import fake_spec

from hashstack.errors import InputError
from hashstack.telemetry.simulator.failures import FailureSettings
from hashstack.telemetry.simulator.fleet_model import SLEEP_POWER_W, FleetModel, build_profiles

T0 = 1_767_225_600.0  # 2026-01-01T00:00Z


def _model(n: int = 4, seed: int = 7, max_substep_s: float = 30.0, **fs) -> FleetModel:
    return FleetModel([fake_spec()] * n, seed=seed, start_ts_utc_s=T0, failures=FailureSettings(**fs),
                      max_substep_s=max_substep_s)


def _run(m: FleetModel, steps: int, dt: float) -> None:
    for _ in range(steps):
        m.step(dt)


def test_same_seed_same_trajectory() -> None:
    a = _model(seed=11, acceleration=300.0, max_substep_s=600.0)
    b = _model(seed=11, acceleration=300.0, max_substep_s=600.0)
    _run(a, 100, 3600.0)
    _run(b, 100, 3600.0)
    assert [a.reading(i) for i in range(4)] == [b.reading(i) for i in range(4)]
    assert a.records == b.records
    c = _model(seed=12, acceleration=300.0, max_substep_s=600.0)
    _run(c, 100, 3600.0)
    assert [c.reading(i) for i in range(4)] != [a.reading(i) for i in range(4)]


def test_steady_operation_matches_the_curve_and_thermal_sense() -> None:
    m = _model(n=50, seed=1)
    _run(m, 30, 60.0)
    r = [m.reading(i) for i in range(50)]
    hr = np.array([x.hashrate_ths for x in r])
    assert hr.mean() == pytest.approx(200.0, rel=0.02)  # nominal, +-1% unit spread and 1.5% noise
    pw = np.array([x.power_w for x in r])
    assert pw.mean() == pytest.approx(3500.0, rel=0.05)
    for x in r:
        assert all(c == 108 for c in x.board_chips)
        outlet, inlet = max(x.board_pcb_c[0][2:]), max(x.board_pcb_c[0][:2])
        assert outlet > inlet > x.inlet_c - 3
        assert max(x.board_chip_c[0]) > max(x.board_pcb_c[0])
        assert 30 <= x.fan_pct <= 100
        assert all(2000 < rpm < 6500 for rpm in x.fan_rpm)
    # the controller holds the hottest board sensor near its 60 C target
    hottest = np.array([max(max(b) for b in x.board_pcb_c) for x in r])
    assert np.median(hottest) == pytest.approx(60.0, abs=4.0)


def test_profiles_change_the_operating_point() -> None:
    m = _model(n=1)
    low = m.set_profile(0, "400MHz")
    assert low.hashrate_ths == pytest.approx(160.0)
    assert low.power_w == pytest.approx(3500.0 * (0.3 + 0.7 * 0.64), abs=1.0)
    m.step(1.0)
    r = m.reading(0)
    assert r.hashrate_ideal_ths == pytest.approx(160.0)
    assert r.power_limit_w == low.power_w
    assert r.frequency_mhz == 400
    with pytest.raises(InputError):
        m.set_profile(0, "999MHz")
    names = [p.name for p in build_profiles(fake_spec())]
    assert names.count("default") == 1 and "625MHz" in names


def test_sleep_wake_and_thermal_cycle() -> None:
    m = _model(n=1)
    _run(m, 20, 60.0)
    age_before = m.board_age[0].copy()
    m.sleep(0)
    _run(m, 60, 60.0)
    r = m.reading(0)
    assert r.mode == "sleeping" and r.hashrate_ths == 0.0 and r.power_w == SLEEP_POWER_W
    assert max(r.board_chip_c[0]) < 45.0  # cooled toward inlet
    swing = m.sleep_chip_c[0] - m.sleep_min_chip_c[0]
    assert swing > 20.0
    m.wake(0)
    # the wake-up cycle added Coffin-Manson wear on every board
    from hashstack.telemetry.simulator.failures import cycle_damage_h
    assert np.allclose(m.board_age[0] - age_before, float(cycle_damage_h(swing, m.failures)))
    m.step(1.0)
    assert m.reading(0).hashrate_ths > 150


def test_reboot_takes_the_api_down_then_resets_uptime() -> None:
    m = _model(n=2)
    _run(m, 10, 60.0)
    m.reboot(1)
    assert m.api_up().tolist() == [True, False]
    m.step(60.0)
    assert m.reading(1).hashrate_ths == 0.0
    m.step(90.0)
    assert m.api_up().tolist() == [True, True]
    r = m.reading(1)
    assert r.uptime_s == pytest.approx(30.0) and r.hashrate_ths > 150


def test_failures_with_precursors_are_logged() -> None:
    m = _model(n=40, seed=5, acceleration=20.0, precursor_strength=1.0, max_substep_s=3600.0)
    _run(m, 24 * 60, 3600.0)  # 60 days at 20x ageing
    recs = m.records
    kinds = {r.component for r in recs}
    assert {"fan", "hashboard", "temp_sensor", "psu"} <= kinds
    for r in recs:
        assert r.onset_ts_utc_s <= r.failure_ts_utc_s
        assert r.precursor_strength == 1.0
    boards = [r for r in recs if r.component == "hashboard"]
    assert all(r.detail["chips_lost_before_death"] >= 4 for r in boards)  # 4 loss steps of >= 1 chip
    # boards that were not already degrading at start show their precursor for weeks (28 days at
    # reference stress; shorter on boards running hot, e.g. after a fan failure: Arrhenius)
    leads_d = [(r.failure_ts_utc_s - r.onset_ts_utc_s) / 86400 for r in boards if r.onset_ts_utc_s > T0 + 3600]
    assert len(leads_d) >= 5 and min(leads_d) > 0 and np.median(leads_d) > 14
    sensors = [r for r in recs if r.component == "temp_sensor"]
    assert {r.detail["stuck_value_c"] for r in sensors} <= {0.0, -40.0, 255.0}
    for r in [x for x in recs if x.component == "fan"]:
        assert m.fan_rpm[r.miner_index, r.component_index] == 0.0
    assert len({r.failure_id for r in recs}) == len(recs)
    pending = m.degrading()  # right-censored truth: in precursor, not failed yet
    failed = {(r.miner_index, r.component, r.component_index) for r in recs}
    assert pending and all((p["miner_index"], p["component"], p["component_index"]) not in failed for p in pending)


def test_precursor_strength_zero_gives_no_warning() -> None:
    m = _model(n=40, seed=5, acceleration=20.0, precursor_strength=0.0, max_substep_s=3600.0)
    _run(m, 24 * 60, 3600.0)
    boards = [r for r in m.records if r.component == "hashboard"]
    assert boards and all(r.detail["chips_lost_before_death"] == 0 for r in boards)


def test_hardware_errors_rise_before_board_death() -> None:
    m = _model(n=60, seed=9, acceleration=20.0, precursor_strength=1.0, max_substep_s=3600.0)
    _run(m, 24 * 30, 3600.0)
    before = m.hw.copy()
    _run(m, 24, 3600.0)
    rate = m.hw - before  # errors per board over the last day
    degrading = ~np.isnan(m.board_onset) & ~m.board_dead & ~m.sensor_failed.all(axis=2)
    healthy = np.isnan(m.board_onset)
    assert degrading.sum() >= 3 and healthy.sum() >= 3
    assert np.median(rate[degrading]) > 5 * np.median(rate[healthy])


def test_psu_failure_takes_the_miner_off_the_api() -> None:
    m = _model(n=1, seed=2)
    m.psu_life[0] = 1.0  # make the PSU die within the first simulated hour
    _run(m, 2, 3600.0)
    assert m.api_up().tolist() == [False]
    assert [r.component for r in m.records] == ["psu"]
    assert m.reading(0).power_w == 0.0
    with pytest.raises(InputError):
        m.sleep(0)
