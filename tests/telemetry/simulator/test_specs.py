from __future__ import annotations

import itertools

import pytest
from tests.telemetry.simulator.conftest import fake_spec

from hashstack.errors import InputError, UnknownModelError
from hashstack.telemetry.simulator.specs import MinerSpec, layout_for, spec_from_catalog


def test_profile_frequencies_stay_inside_the_curve(spec: MinerSpec) -> None:
    # curve 100..250 TH/s at 200 TH/s nominal and 500 MHz: 250..625 MHz in 25 MHz steps
    f = spec.profile_frequencies_mhz()
    assert f[0] == 250 and f[-1] == 625
    assert all(b - a == 25 for a, b in itertools.pairwise(f))
    assert 500 in f


def test_power_is_the_curve(spec: MinerSpec) -> None:
    assert float(spec.power_w(200.0)) == pytest.approx(3500.0, rel=1e-3)
    assert float(spec.power_w(1000.0)) == pytest.approx(spec.curve_power_w[-1])  # clamped


def test_catalogue_spec_has_pyasic_layout() -> None:
    s = spec_from_catalog("antminer s21")
    assert (s.n_boards, s.chips_per_board, s.n_fans) == (3, 108, 4)
    assert s.hashrate_nominal_ths == 200.0 and s.power_nominal_w == 3500.0
    assert s.curve_hashrate_ths[0] < 200.0 < s.curve_hashrate_ths[-1]
    assert float(s.power_w(200.0)) == pytest.approx(3500.0, rel=0.01)


def test_unknown_model_and_generic_layout() -> None:
    with pytest.raises(UnknownModelError):
        spec_from_catalog("Antminer Z99")
    assert layout_for("Whatsminer M60S").n_fans == 4
    assert layout_for("Some Hydro", cooling="hydro").n_fans == 0


def test_bad_specs_are_refused() -> None:
    with pytest.raises(InputError):
        fake_spec(tuning_frac=2.0)
    with pytest.raises(InputError):
        MinerSpec(model="x", manufacturer="y", cooling="air", hashrate_nominal_ths=1, power_nominal_w=1,
                  curve_hashrate_ths=(1.0, 0.5), curve_power_w=(1.0, 2.0), n_boards=1, chips_per_board=1,
                  n_fans=1, nominal_frequency_mhz=500)
