"""Tuning curves: physics checks and the published T21 overclock point."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashstack.catalog import TuningCurve, load_catalog, tuning_curve
from hashstack.errors import InputError


def test_reproduces_the_published_t21_overclock() -> None:
    # DMG Blockchain: T21 stock 190 TH/s at 19 J/TH, overclock mode 233 TH/s at 22 J/TH.
    curve = tuning_curve(load_catalog().get("Antminer T21"))
    assert curve.efficiency_j_per_th(190.0) == pytest.approx(19.0)
    assert curve.efficiency_j_per_th(233.0) == pytest.approx(22.0, rel=0.01)


def test_nominal_point_is_the_catalogue_point_for_every_model() -> None:
    for m in load_catalog():
        c = tuning_curve(m)
        assert c.power_w(m.hashrate_ths) == pytest.approx(m.power_w)


@pytest.mark.parametrize("model", [m.model for m in load_catalog()])
def test_increasing_convex_and_underclock_more_efficient(model: str) -> None:
    c = tuning_curve(load_catalog().get(model))
    h, p = c.operating_points(50)
    dp = np.diff(p)
    assert np.all(dp > 0)  # power rises with hash rate
    assert np.all(np.diff(dp / np.diff(h)) > 0)  # marginal W per TH/s rises: convex
    eff = p / h
    assert np.all(np.diff(eff) > 0)  # J/TH worsens monotonically across the range
    assert eff[0] < c.efficiency_nominal_j_per_th < eff[-1]


@given(st.floats(0.0, 1.0))
def test_inverse(frac: float) -> None:
    c = tuning_curve(load_catalog().get("Antminer S21"))
    power = c.power_min_w + frac * (c.power_max_w - c.power_min_w)
    assert c.power_w(c.hashrate_ths(power)) == pytest.approx(power, rel=1e-9)


def test_range_checks_and_derating() -> None:
    c = tuning_curve(load_catalog().get("Antminer S21"))
    with pytest.raises(InputError, match="tuning range"):
        c.power_w(c.hashrate_max_ths * 1.01)
    with pytest.raises(InputError):
        c.hashrate_ths(c.power_min_w * 0.5)
    hot = c.derated(0.9)
    assert hot.hashrate_max_ths == pytest.approx(0.9 * c.hashrate_nominal_ths)
    assert hot.power_w(150.0) == c.power_w(150.0)
    with pytest.raises(InputError):
        c.derated(0.3)
    with pytest.raises(InputError):
        TuningCurve("x", 100, 3000, hashrate_min_frac=1.2, hashrate_max_frac=1.1)


def test_liquid_cooled_models_overclock_further() -> None:
    cat = load_catalog()
    assert tuning_curve(cat.get("Antminer S21 Hydro")).hashrate_max_frac > tuning_curve(
        cat.get("Antminer S21")).hashrate_max_frac


def test_best_efficiency_is_the_minimum_over_the_range() -> None:
    for m in load_catalog():
        c = tuning_curve(m)
        h, p = c.operating_points(400)
        assert c.best_efficiency_j_per_th <= (p / h).min() + 1e-9
    # a curve whose J/TH minimum lies inside the range (large overhead share) is found there, not at the floor
    c = TuningCurve("x", 100.0, 3000.0, overhead_frac=0.4, voltage_slope=0.6)
    assert c.hashrate_min_ths < c.hashrate_best_efficiency_ths < c.hashrate_max_ths
    h, p = c.operating_points(2001)
    assert c.best_efficiency_j_per_th == pytest.approx((p / h).min(), rel=1e-6)
