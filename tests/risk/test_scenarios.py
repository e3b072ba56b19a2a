"""Market scenarios: shapes, seeds, halvings on schedule, hashprice identity, deterministic limit."""

from __future__ import annotations

import numpy as np
import pytest

from hashstack.chain import (
    HALVING_INTERVAL_BLOCKS,
    block_subsidy_btc,
    btc_per_th_day,
    difficulty_from_network_hashrate_ths,
)
from hashstack.errors import InputError
from hashstack.risk.calibration import MarketCalibration
from hashstack.risk.history import shipped_market_calibration
from hashstack.risk.scenarios import (
    BLOCKS_PER_MONTH,
    MarketParams,
    asic_price_for_efficiency_usd_per_th,
    market_params_from_calibration,
    simulate_market,
    subsidy_by_month_btc,
)

ZERO_VOL = dict(btc_diffusion_sd_per_month=0.0, btc_jump_intensity_per_month=0.0, network_noise_sd_per_month=0.0,
                network_growth_log_per_month=0.0, fees_log_sd_per_month=0.0, asic_noise_sd_per_month=0.0,
                asic_depreciation_log_per_month=0.0, power_log_sd_per_month=0.0)


def flat_params(**kw: float) -> MarketParams:
    base = dict(btc_price0_usd=100_000.0, network_hashrate0_ths=1e9, start_height=900_000,
                fees_btc_per_block0=0.025, asic_price0_usd_per_th=8.0, **ZERO_VOL)
    base.update(kw)
    return MarketParams(**base)  # type: ignore[arg-type]


def test_zero_vol_is_flat_and_hashprice_is_by_hand() -> None:
    sc = simulate_market(flat_params(), 7, 12, np.random.default_rng(0))
    assert sc.shape == (7, 12)
    # 144 blocks/day x 3.15 BTC x 100,000 USD / 1e9 TH/s = 0.04536 USD/TH/day
    assert sc.hashprice0_usd_per_th_day == pytest.approx(0.04536, rel=1e-12)
    np.testing.assert_allclose(sc.hashprice_usd_per_th_day, 0.04536, rtol=1e-6)
    np.testing.assert_allclose(sc.btc_price_usd, 100_000.0, rtol=1e-6)
    np.testing.assert_allclose(sc.asic_price_usd_per_th, 8.0, rtol=1e-6)
    np.testing.assert_allclose(sc.power_price_factor, 1.0, rtol=1e-6)


def test_halving_on_schedule_halves_hashprice() -> None:
    # 1,050,000 is the 5th halving; start 10 months before it
    start = 1_050_000 - int(10 * BLOCKS_PER_MONTH)
    sub = subsidy_by_month_btc(start, 24)
    assert sub[9] == 3.125 and sub[10] == 1.5625  # month 10 still mostly before, month 11 after
    p = flat_params(start_height=start, fees_btc_per_block0=0.0, network_response_per_log_hashprice=0.0)
    sc = simulate_market(p, 3, 24, np.random.default_rng(0))
    ratio = sc.hashprice_usd_per_th_day[:, 10] / sc.hashprice_usd_per_th_day[:, 9]
    np.testing.assert_allclose(ratio, 0.5, rtol=1e-5)
    assert HALVING_INTERVAL_BLOCKS == 210_000


def test_network_falls_after_halving_with_lag() -> None:
    """The hash rate responds to the hashprice with the lag: flat until L months after the halving."""
    start = 1_050_000 - int(2.5 * BLOCKS_PER_MONTH)
    p = flat_params(start_height=start, fees_btc_per_block0=0.0, network_lag_months=3,
                    network_response_per_log_hashprice=0.05)
    sc = simulate_market(p, 2, 12, np.random.default_rng(0))
    h = sc.network_hashrate_ths[0]
    # halving lands in month 3 (index 2); the response starts 3 months later (index 5)
    np.testing.assert_allclose(h[:6], 1e9, rtol=1e-6)
    assert h[6] == pytest.approx(1e9 * np.exp(0.05 * np.log(0.5)), rel=1e-5)
    assert np.all(np.diff(h[6:]) < 0)


def test_hashprice_matches_chain_formula_on_random_paths() -> None:
    p = market_params_from_calibration(shipped_market_calibration())
    sc = simulate_market(p, 200, 36, np.random.default_rng(5))
    reward = sc.subsidy_btc[None, :] + sc.fees_btc_per_block.astype(np.float64)
    expect = btc_per_th_day(difficulty_from_network_hashrate_ths(sc.network_hashrate_ths.astype(np.float64)),
                            reward) * sc.btc_price_usd
    np.testing.assert_allclose(sc.hashprice_usd_per_th_day, expect, rtol=2e-4)
    assert float(block_subsidy_btc(p.start_height)) == 3.125


def test_seed_reproduces_and_differs() -> None:
    p = market_params_from_calibration(shipped_market_calibration())
    a = simulate_market(p, 300, 24, np.random.default_rng(42))
    b = simulate_market(p, 300, 24, np.random.default_rng(42))
    c = simulate_market(p, 300, 24, np.random.default_rng(43))
    for name in ("btc_price_usd", "network_hashrate_ths", "hashprice_usd_per_th_day", "asic_price_usd_per_th"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert not np.array_equal(getattr(a, name), getattr(c, name))


def test_jump_model_moments() -> None:
    cal = shipped_market_calibration()
    p = market_params_from_calibration(cal, btc_drift_log_per_month=0.01)
    sc = simulate_market(p, 40_000, 12, np.random.default_rng(1))
    r = np.diff(np.concatenate([np.zeros((40_000, 1)), sc.btc_log_price_rel.astype(np.float64)], axis=1), axis=1)
    assert r.mean() == pytest.approx(0.01, abs=0.003)
    assert r.std() == pytest.approx(cal.btc_log_return_sd_per_month, rel=0.08)
    kurt = ((r - r.mean()) ** 4).mean() / r.var() ** 2
    assert kurt > 4.0  # fat tails (normal: 3)


def test_bootstrap_draws_from_the_pool_in_blocks() -> None:
    pool = np.linspace(-0.3, 0.3, 2000)
    cal = MarketCalibration.from_parameters(shipped_market_calibration().parameters())
    p = market_params_from_calibration(cal, btc_model="jump")
    pb = MarketParams(**{**{f: getattr(p, f) for f in MarketParams.__dataclass_fields__},
                         "btc_model": "bootstrap", "bootstrap_pool": pool, "bootstrap_block_months": 3})
    sc = simulate_market(pb, 50, 6, np.random.default_rng(2))
    r = np.diff(np.concatenate([np.zeros((50, 1)), sc.btc_log_price_rel.astype(np.float64)], axis=1), axis=1)
    centred = pool - pool.mean()
    # every monthly return is a pool value; within a block, consecutive months are 30 pool entries apart
    idx = np.rint((r - centred[0]) / (centred[1] - centred[0]))
    np.testing.assert_allclose(centred[idx.astype(int)], r, atol=1e-6)
    np.testing.assert_array_equal(idx[:, 1] - idx[:, 0], 30)
    np.testing.assert_array_equal(idx[:, 4] - idx[:, 3], 30)


def test_bootstrap_without_history_is_refused() -> None:
    with pytest.raises(InputError, match="history"):
        market_params_from_calibration(shipped_market_calibration(), btc_model="bootstrap")


def test_correlation_with_btc() -> None:
    p = market_params_from_calibration(shipped_market_calibration(), asic_btc_corr=0.9)
    sc = simulate_market(p, 20_000, 2, np.random.default_rng(9))
    assert np.corrcoef(sc.btc_log_price_rel[:, 0], np.log(sc.asic_price_usd_per_th[:, 0]))[0, 1] > 0.8


def test_horizon_limits() -> None:
    with pytest.raises(InputError):
        simulate_market(flat_params(), 10, 121, np.random.default_rng(0))


def test_asic_tier_price() -> None:
    assert asic_price_for_efficiency_usd_per_th(8.0, 17.0, 34.0) == pytest.approx(4.0)
    assert asic_price_for_efficiency_usd_per_th(8.0, 17.0, 17.0, tier_exponent=1.3) == pytest.approx(8.0)
