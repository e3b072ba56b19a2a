from __future__ import annotations

import numpy as np
import pytest

from hashstack.errors import InputError
from hashstack.telemetry.simulator.failures import (
    FailureSettings,
    arrhenius_acceleration,
    capacitor_acceleration,
    cycle_damage_h,
    fan_acceleration,
    precursor_progress,
    weibull_lives_h,
)


def test_acceleration_factors_hand_computed() -> None:
    assert float(arrhenius_acceleration(75.0, 75.0, 0.7)) == pytest.approx(1.0)
    # Ea 0.7 eV, 75 -> 85 C: exp(0.7/8.617e-5 * (1/348.15 - 1/358.15)) = 1.918
    assert float(arrhenius_acceleration(85.0, 75.0, 0.7)) == pytest.approx(1.918, abs=0.002)
    assert float(capacitor_acceleration(55.0, 45.0)) == pytest.approx(2.0)
    assert float(fan_acceleration(np.array(55.0), np.array(1.0))) == pytest.approx(2.0)
    assert float(fan_acceleration(np.array(40.0), np.array(0.5))) == pytest.approx(0.5)


def test_coffin_manson_cycle_damage() -> None:
    s = FailureSettings()
    # one cycle at the reference swing consumes life / N_ref; twice the swing 2^2.5 times more
    assert float(cycle_damage_h(40.0, s)) == pytest.approx(s.board_life_h / 3000.0)
    assert float(cycle_damage_h(80.0, s) / cycle_damage_h(40.0, s)) == pytest.approx(2 ** 2.5)
    assert float(cycle_damage_h(-5.0, s)) == 0.0


def test_weibull_lives_are_seeded_and_have_the_right_mean() -> None:
    a = weibull_lives_h(np.random.default_rng(3), (50000,), 3.0, 1000.0)
    b = weibull_lives_h(np.random.default_rng(3), (50000,), 3.0, 1000.0)
    assert np.array_equal(a, b)
    assert a.mean() == pytest.approx(1000.0 * 0.8930, rel=0.01)  # eta * Gamma(1 + 1/3)


def test_precursor_progress() -> None:
    p = precursor_progress(np.array([0.0, 90.0, 95.0, 100.0, 120.0]), np.array([100.0] * 5), 10.0)
    assert p.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]


@pytest.mark.parametrize("kw", [{"precursor_strength": 1.5}, {"precursor_strength": -0.1}, {"acceleration": 0.0}])
def test_settings_are_checked(kw: dict) -> None:
    with pytest.raises(InputError):
        FailureSettings(**kw)
