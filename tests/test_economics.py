"""Economics: hand values, shapes (scalar, array, Series), payback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashstack import economics as ec
from hashstack.errors import InputError


def test_hashprice_hand_value_and_fee_share() -> None:
    # 2025-12-29 in the shared history: price 87,133.51, D 1.482584332e14, 154 blocks, fees 2.80614 BTC
    hp = ec.hashprice(87133.5104, difficulty=1.482584332e14, fees_btc_per_block=2.80614074 / 154, height=929_000)
    assert float(hp.hashprice_usd_per_ph_day) == pytest.approx(37.1616, abs=1e-3)  # file's own column: 37.16162
    assert float(hp.fee_share_frac) == pytest.approx((2.80614074 / 154) / (3.125 + 2.80614074 / 154))
    assert hp.hashprice_usd_per_th_day == pytest.approx(float(hp.hashprice_usd_per_ph_day) / 1000)


def test_hashrate_input_equals_difficulty_input_at_600s() -> None:
    by_d = ec.hashprice(80_000, difficulty=1.4e14, fees_btc_per_block=0.03)
    h = 1.4e14 * 2**32 / 600 / 1e12
    by_h = ec.hashprice(80_000, network_hashrate_ths=h, fees_btc_per_block=0.03)
    assert float(by_h.hashprice_usd_per_ph_day) == pytest.approx(float(by_d.hashprice_usd_per_ph_day))


def test_exactly_one_of_difficulty_or_hashrate() -> None:
    with pytest.raises(InputError):
        ec.hashprice(1.0)
    with pytest.raises(InputError):
        ec.hashprice(1.0, difficulty=1.0, network_hashrate_ths=1.0)
    with pytest.raises(InputError):
        ec.hashprice(1.0, difficulty=-1.0)


def test_shapes_scalar_array_series_agree() -> None:
    prices = [60_000.0, 90_000.0, 120_000.0]
    d = [1.2e14, 1.4e14, 1.5e14]
    scalars = [float(ec.hashprice(p, difficulty=x).hashprice_usd_per_ph_day) for p, x in zip(prices, d, strict=True)]
    arr = ec.hashprice(np.array(prices), difficulty=np.array(d)).hashprice_usd_per_ph_day
    idx = pd.date_range("2025-01-01", periods=3, tz="UTC")
    ser = ec.hashprice(pd.Series(prices, index=idx), difficulty=pd.Series(d, index=idx)).hashprice_usd_per_ph_day
    np.testing.assert_allclose(arr, scalars)
    assert isinstance(ser, pd.Series) and ser.index.equals(idx)
    np.testing.assert_allclose(ser.to_numpy(), scalars)


def test_daily_economics_hand_value() -> None:
    # 200 TH/s, 3500 W, 0.05 USD/TH/day, 50 USD/MWh, 2% pool fee:
    # gross 10; fee 0.2; energy 3500*24/1e6 = 0.084 MWh -> 4.2 USD; margin 5.6
    day = ec.miner_daily_economics(200, 3500, 0.05, 50, 0.02)
    assert day.revenue_usd_per_day == pytest.approx(9.8)
    assert day.pool_fee_usd_per_day == pytest.approx(0.2)
    assert day.power_cost_usd_per_day == pytest.approx(4.2)
    assert day.margin_usd_per_day == pytest.approx(5.6)
    assert day.energy_mwh_per_day == pytest.approx(0.084)


def test_breakeven_power_price_hand_value() -> None:
    # 17.5 J/TH, 0.04 USD/TH/day, no fee: 0.04 / (17.5 * 24e-6) = 95.238 USD/MWh
    assert ec.breakeven_power_price_usd_per_mwh(17.5, 0.04) == pytest.approx(95.238095, rel=1e-6)


def test_shutoff_uses_best_efficiency_and_variable_costs() -> None:
    base = ec.shutoff_power_price_usd_per_mwh(12.0, 0.04, 0.0)
    assert base == pytest.approx(ec.breakeven_power_price_usd_per_mwh(12.0, 0.04))
    assert ec.shutoff_power_price_usd_per_mwh(12.0, 0.04, 0.0, 10.0) == pytest.approx(base - 10)


def test_payback_hand_case() -> None:
    # 10 USD/day against a 100 USD machine pays back on day 10; ROI over 30 days = (300-100)/100
    res = ec.payback(100.0, np.full(30, 10.0))
    assert res.payback_days[0] == 10 and res.roi_frac[0] == pytest.approx(2.0)
    # a path that never pays back gives NaN; negative days count as zero when switching off is allowed
    res = ec.payback(100.0, np.array([[-5.0] * 10, [20.0] * 10]))
    assert np.isnan(res.payback_days[0]) and res.payback_days[1] == 5
    assert res.roi_frac[0] == pytest.approx(-1.0)
    assert ec.payback(100.0, np.array([-5.0] * 10), allow_shutoff=False).roi_frac[0] == pytest.approx(-1.5)


def test_projected_paths_cross_the_halving() -> None:
    subsidy = ec.subsidy_btc_by_day(1_050_000 - 144 * 10, 20)
    assert subsidy[:10].tolist() == [3.125] * 10 and subsidy[10:].tolist() == [1.5625] * 10
    diff = ec.project_difficulty(1e14, [0.0, 1.0], 400)
    assert diff.shape == (2, 400)
    assert np.all(diff[0] == 1e14)
    assert diff[1, 13] == 1e14 and diff[1, 14] > 1e14  # steps at 14-day retargets
    assert diff[1, 364] == pytest.approx(1e14 * 2 ** (364 / 365))
    with pytest.raises(InputError):
        ec.project_difficulty(1e14, -1.0, 10)


def test_halving_day_averages_the_two_subsidies() -> None:
    # the halving falls half way through day 10: 72 blocks at 3.125 and 72 at 1.5625
    subsidy = ec.subsidy_btc_by_day(1_050_000 - 144 * 10 - 72, 12)
    assert subsidy[9] == 3.125 and subsidy[11] == 1.5625
    assert subsidy[10] == pytest.approx((3.125 + 1.5625) / 2)
    with pytest.raises(InputError):
        ec.subsidy_btc_by_day(0, 0)
    with pytest.raises(InputError):
        ec.payback(100.0, np.zeros((1, 0)))
