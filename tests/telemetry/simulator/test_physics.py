from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashstack.telemetry.simulator.physics import (
    FAN_MIN_PCT,
    FAN_RPM_MAX,
    AmbientProfile,
    TempControl,
    airflow_frac,
    diurnal_inlet_c,
    fan_command_pct,
    lag_toward,
    ou_step,
    steady_board_temps_c,
)


def _temps(inlet: float, boards_w: float, flow: float, liquid: bool = False):
    q = np.full((1, 3), boards_w / 3)
    return steady_board_temps_c(np.array([inlet]), np.array([boards_w]), q, np.array([3000.0]),
                                np.array([3.0]), np.array([flow]), np.array([liquid]))


def test_steady_temperatures_hand_computed() -> None:
    # nominal 3000 W, boards 3000 W, full flow: dT_air = 20 K; outlet air at 0.9 -> 25 + 18 = 43 C;
    # q = 1000 W, R_sa = 8.8 K / 1000 W -> +8.8 K -> pcb 51.8 C; R_jc = 15 K / 1000 W -> chip 66.8 C
    pcb, chip = _temps(25.0, 3000.0, 1.0)
    assert pcb[0, 0, 2] == pytest.approx(51.8, abs=1e-9)
    assert chip[0, 0, 2] == pytest.approx(66.8, abs=1e-9)
    # inlet side: air 25 + 0.25 * 20 = 30 -> pcb 38.8
    assert pcb[0, 0, 0] == pytest.approx(38.8, abs=1e-9)
    # half flow: dT_air 40 K; R_sa x 0.5^-0.8
    pcb_h, _ = _temps(25.0, 3000.0, 0.5)
    assert pcb_h[0, 0, 2] == pytest.approx(25 + 36 + 8.8 * 0.5 ** -0.8, abs=1e-9)


def test_liquid_cooling_ignores_fans() -> None:
    a, _ = _temps(30.0, 3000.0, 0.05, liquid=True)
    b, _ = _temps(30.0, 3000.0, 1.0, liquid=True)
    assert np.allclose(a, b)


@given(st.floats(0.06, 0.99), st.floats(0.01, 0.3), st.floats(100.0, 4000.0), st.floats(-10.0, 45.0))
def test_more_airflow_never_heats(flow: float, more: float, power: float, inlet: float) -> None:
    lo, _ = _temps(inlet, power, flow)
    hi, _ = _temps(inlet, power, min(flow + more, 1.0))
    assert np.all(hi <= lo + 1e-9)
    assert np.all(lo >= inlet)


def test_airflow_is_mean_fan_speed_with_a_floor() -> None:
    present = np.array([[True, True, True, True], [True, True, False, False]])
    rpm = np.array([[6000.0, 6000.0, 0.0, 0.0], [3000.0, 3000.0, 9999.0, 9999.0]])
    assert airflow_frac(rpm, present) == pytest.approx([0.5, 0.5])
    assert airflow_frac(np.zeros((1, 4)), np.ones((1, 4), bool))[0] == pytest.approx(0.05)
    assert FAN_RPM_MAX == 6000.0


def test_diurnal_profile_peaks_in_the_afternoon() -> None:
    prof = AmbientProfile(mean_c=20.0, daily_amplitude_c=5.0, peak_local_hour=15.0, utc_offset_h=-6.0)
    t_peak = 21 * 3600.0  # 21:00 UTC = 15:00 local
    assert float(diurnal_inlet_c(prof, t_peak)) == pytest.approx(25.0)
    assert float(diurnal_inlet_c(prof, t_peak + 12 * 3600)) == pytest.approx(15.0)


def test_lag_is_exact_first_order() -> None:
    x = lag_toward(np.array([0.0]), np.array([10.0]), dt_s=90.0, tau_s=90.0)
    assert x[0] == pytest.approx(10.0 * (1 - np.exp(-1.0)))


def test_ou_is_seeded_and_stationary() -> None:
    a = ou_step(np.zeros(20000), 1e9, 10.0, 2.0, np.random.default_rng(1))
    b = ou_step(np.zeros(20000), 1e9, 10.0, 2.0, np.random.default_rng(1))
    assert np.array_equal(a, b)
    assert a.std() == pytest.approx(2.0, rel=0.03)


def test_fan_controller() -> None:
    tc = TempControl(target_c=60.0, hot_c=70.0, dangerous_c=80.0)
    fan = np.array([50.0, 50.0, 50.0, 50.0, 31.0])
    hot = np.array([65.0, 55.0, 71.0, np.nan, 0.0])
    out = fan_command_pct(fan, hot, tc, dt_s=30.0)
    assert out.tolist() == [55.0, 45.0, 100.0, 100.0, FAN_MIN_PCT]
    # a huge step is capped at one gain step (stability at high speed factors)
    assert fan_command_pct(np.array([50.0]), np.array([61.0]), tc, dt_s=3600.0)[0] == pytest.approx(51.0)
