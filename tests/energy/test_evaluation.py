"""Metrics, the rMAE's naive, the Diebold-Mariano test and quantiles: hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashstack.energy.evaluation import (
    diebold_mariano,
    historical_quantiles,
    mae,
    naive_mae,
    pinball_loss,
    rmae,
    rmse,
    score_forecast,
    smape_pct,
)
from hashstack.errors import InputError


def test_mae_rmse_smape_hand_case() -> None:
    y = np.array([100.0, 50.0, -10.0, 0.0])
    f = np.array([110.0, 50.0, 10.0, 0.0])
    assert mae(y, f) == pytest.approx((10 + 0 + 20 + 0) / 4)
    assert rmse(y, f) == pytest.approx(math.sqrt((100 + 0 + 400 + 0) / 4))
    # terms: 10/105, 0, 20/10, and 0 for y = f = 0
    assert smape_pct(y, f) == pytest.approx(100 * (10 / 105 + 0 + 2.0 + 0) / 4)


def test_rmae_uses_the_weekly_naive_on_the_test_period_less_its_first_week() -> None:
    # 9 days, each day flat at its index: the weekly naive misses by 7 on days 7 and 8
    y = np.repeat(np.arange(9.0), 24).reshape(9, 24)
    assert naive_mae(y) == pytest.approx(7.0)
    assert rmae(y, y + 1.0) == pytest.approx(1.0 / 7.0)
    # the model is scored on all 9 days, the naive only where it exists
    f = y.copy()
    f[0] += 14.0
    assert rmae(y, f) == pytest.approx((14.0 / 9.0) / 7.0)


def test_standard_naive_uses_yesterday_on_tuesday_to_friday() -> None:
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-10"))  # Monday .. Tuesday
    y = np.repeat(np.arange(9.0) ** 2, 24).reshape(9, 24)
    # day 7 = Monday 2024-01-08: weekly lag (49 - 0); day 8 = Tuesday: daily lag (64 - 49)
    assert naive_mae(y, "standard", dates) == pytest.approx((49.0 + 15.0) / 2)
    with pytest.raises(InputError):
        naive_mae(y, "standard")


def test_score_forecast_bundles_the_four_metrics() -> None:
    y = np.repeat(np.arange(9.0), 24).reshape(9, 24)
    s = score_forecast(y, y + 2.0)
    assert (s.mae, s.rmse, s.n_days) == (pytest.approx(2.0), pytest.approx(2.0), 9)
    assert s.rmae == pytest.approx(2.0 / 7.0)
    assert set(s.as_dict()) == {"mae", "rmae", "smape", "rmse", "n_days"}


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_diebold_mariano_hand_case() -> None:
    y = np.zeros((4, 24))
    f1 = np.full((4, 24), 2.0)  # daily mean |error| 2, 2, 2, 2
    f2 = np.array([1.0, 2.0, 1.0, 3.0])[:, None] * np.ones((1, 24))  # 1, 2, 1, 3
    # d = [1, 0, 1, -1]; mean 0.25; population variance 0.75 - 0.0625 = 0.6875
    stat = 0.25 / math.sqrt(0.6875 / 4)
    res = diebold_mariano(y, f1, f2)
    assert res.statistic == pytest.approx(stat, rel=1e-12)
    assert res.p_value == pytest.approx(1.0 - _phi(stat), rel=1e-9)
    assert res.n == 4
    # reversing the roles mirrors the statistic
    assert diebold_mariano(y, f2, f1).statistic == pytest.approx(-stat)


def test_diebold_mariano_norm_2_and_degenerate_input() -> None:
    y = np.zeros((3, 24))
    f1 = np.array([1.0, 2.0, 3.0])[:, None] * np.ones((1, 24))
    f2 = np.zeros((3, 24))
    d = np.array([1.0, 4.0, 9.0])
    res = diebold_mariano(y, f1, f2, norm=2)
    assert res.statistic == pytest.approx(d.mean() / math.sqrt(d.var() / 3))
    with pytest.raises(InputError):
        diebold_mariano(y, f1, f1)


def test_historical_quantiles_use_only_past_errors() -> None:
    rng = np.random.default_rng(3)
    actual = rng.normal(50.0, 5.0, size=(300, 24))
    forecast = np.full((300, 24), 50.0)
    qs = (0.1, 0.5, 0.9)
    out = historical_quantiles(forecast, actual, qs, window_days=100)
    assert out.shape == (300, 3, 24)
    assert np.isnan(out[:7]).all() and np.isfinite(out[7:]).all()
    assert (np.diff(out[7:], axis=1) >= 0).all()
    # changing the actual of day 200 and later leaves day 200's quantiles unchanged
    altered = actual.copy()
    altered[200:] += 1000.0
    np.testing.assert_array_equal(historical_quantiles(forecast, altered, qs, 100)[200], out[200])
    # coverage of the 10-90 band on later days is near 80 %
    inside = (actual[100:] >= out[100:, 0]) & (actual[100:] <= out[100:, 2])
    assert inside.mean() == pytest.approx(0.8, abs=0.03)
    assert pinball_loss(actual[100:], out[100:], qs) > 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-500, 3000, allow_nan=False), min_size=24 * 9, max_size=24 * 9),
       st.floats(0.1, 50.0))
def test_metrics_are_nonnegative_and_zero_on_perfect_forecast(values: list[float], shift: float) -> None:
    y = np.array(values).reshape(9, 24)
    assert mae(y, y) == 0.0 and rmse(y, y) == 0.0 and smape_pct(y, y) == 0.0
    assert mae(y, y + shift) == pytest.approx(shift)
    assert rmse(y, y + shift) >= mae(y, y + shift) - 1e-9
    assert 0.0 <= smape_pct(y, y + shift) <= 200.0
