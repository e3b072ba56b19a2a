"""The company waterfall: hand-computed zero-volatility months and the limits that must always hold."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.risk.test_scenarios import flat_params

from hashstack.risk.company import (
    AsicLoan,
    BtcLoan,
    CompanyRiskInput,
    ConvertibleNote,
    OperationsWhatIf,
    TermDebt,
    apply_what_if,
    asic_lien_stack,
)
from hashstack.risk.history import shipped_market_calibration
from hashstack.risk.scenarios import market_params_from_calibration, simulate_market
from hashstack.risk.waterfall import simulate_company

# zero-vol market: hashprice 0.04536 USD/TH/day, ASIC 8 USD/TH at 17 J/TH, power factor 1
HP = 0.04536
DAYS = 30.4375


def flat_company(**kw: object) -> CompanyRiskInput:
    base: dict[str, object] = dict(
        ticker="HAND", hashrate_ths=1e6, efficiency_j_per_th=20.0, power_price_usd_per_mwh=50.0,
        shares_outstanding=1e7, share_price_usd=10.0, cash_usd=10e6, uptime_frac=1.0, pool_fee_frac=0.0,
        power_price_exposure_frac=0.0, other_opex_usd_per_month=1e6, equity_idio_sd_annual=0.0,
        term_debts=(TermDebt(100e6, 0.12, maturity_month=120),))
    base.update(kw)
    return CompanyRiskInput(**base)  # type: ignore[arg-type]


def run(company: CompanyRiskInput, n_months: int = 12, n_paths: int = 3, market_kw: dict | None = None,
        dtype: type[np.floating] = np.float64):
    market = simulate_market(flat_params(**(market_kw or {})), n_paths, n_months, np.random.default_rng(0))
    return simulate_company(company, market, np.random.default_rng(1), dtype=dtype)


def test_zero_vol_waterfall_by_hand() -> None:
    """Revenue 1e6 TH/s x 0.04536 x 30.4375 = 1,380,645; power 14,610 MWh x 50 = 730,500;
    opex 1,000,000; interest 100e6 x 1 % = 1,000,000: net -1,349,855 a month.  Cash 10e6 lasts 7 months;
    month 8 is short by 8 x 1,349,855 - 10e6 = 798,840, months 9-12 by 1,349,855 each: 6,198,260 USD of
    shares at 0.9 x 10 USD = 688,695.6 new shares; dilution 1 - 1e7 / 10,688,695.6 = 0.064432.
    Hashrate-debt ratio: 100e6 / (1e6 TH/s x 8 USD/TH x 17/20) = 14.7059."""
    revenue = 1e6 * HP * DAYS
    power = 1e6 * 20.0 * 24 * DAYS / 1e6 * 50.0
    net = revenue - power - 1e6 - 1e6
    assert revenue == pytest.approx(1_380_645.0, abs=1.0) and power == pytest.approx(730_500.0)
    issued_usd = 12 * -net - 10e6
    assert issued_usd == pytest.approx(6_198_260, abs=15)
    new_shares = issued_usd / 9.0
    p = run(flat_company())
    assert np.all(p.default_month == 0) and np.all(p.repossession_month == 0)
    assert np.all(p.shortfall_month == 8)
    assert p.snapshot_months == (12,)
    np.testing.assert_allclose(p.dilution_frac[:, 0], 1 - 1e7 / (1e7 + new_shares), rtol=1e-5)
    np.testing.assert_allclose(p.hashrate_debt_ratio[:, 0], 100e6 / (1e6 * 8.0 * 17 / 20), rtol=1e-5)


def test_zero_vol_default_when_equity_cannot_fund() -> None:
    """With a tiny market cap (1e5 shares x 10 USD, 20 % a month = 200,000 USD) the month-8 gap of
    798,840 cannot be funded: default in month 8, dilution frozen at that month."""
    p = run(flat_company(shares_outstanding=1e5))
    assert np.all(p.default_month == 8)
    assert np.all(p.shortfall_month == 8)
    new_shares = 200_000 / 9.0
    np.testing.assert_allclose(p.dilution_frac[:, 0], 1 - 1e5 / (1e5 + new_shares), rtol=1e-5)


def test_convertible_converts_above_conversion_price_and_is_repaid_below() -> None:
    rich = flat_company(term_debts=(), cash_usd=200e6, other_opex_usd_per_month=0.0,
                        convertibles=(ConvertibleNote(50e6, 0.0, maturity_month=6, conversion_price_usd=8.0),))
    p = run(rich)
    # share price 10 > 8: converts into 50e6 / 8 = 6.25e6 shares; no debt left
    np.testing.assert_allclose(p.dilution_frac[:, 0], 1 - 1e7 / (1e7 + 6.25e6), rtol=1e-6)
    np.testing.assert_allclose(p.hashrate_debt_ratio[:, 0], 0.0)
    p2 = run(replace(rich, convertibles=(ConvertibleNote(50e6, 0.0, 6, conversion_price_usd=20.0),)))
    np.testing.assert_allclose(p2.dilution_frac[:, 0], 0.0)  # repaid from cash
    assert np.all(p2.default_month == 0) and np.all(p2.shortfall_month == 0)


def test_put_when_below_conversion_price_refinanced_when_market_cap_allows() -> None:
    c = flat_company(term_debts=(), cash_usd=0.0, other_opex_usd_per_month=0.0,
                     convertibles=(ConvertibleNote(100e6, 0.0, 60, conversion_price_usd=30.0, put_month=3),))
    p = run(c)  # market cap 100e6 < 3 x 100e6: no refinancing; equity 20e6 a month: default in month 3
    assert np.all(p.default_month == 3)
    # market cap 400e6 >= 3 x 100e6: refinanced.  Cash after 3 months = 3 x 650,145 (mining margin), so
    # 98,049,565 is refinanced at 12 %: interest 980,495.65 a month against a 650,145 margin leaves
    # 330,350.65 a month to raise in months 4-12: 9 x 330,350.65 / 9 USD = 330,350.65 new shares.
    p = run(replace(c, shares_outstanding=4e7))
    assert np.all(p.default_month == 0)
    margin = 1e6 * HP * DAYS - 730_500.0
    refinanced = 100e6 - 3 * margin
    new_shares = 9 * (refinanced * 0.01 - margin) / 9.0
    np.testing.assert_allclose(p.dilution_frac[:, 0], 1 - 4e7 / (4e7 + new_shares), rtol=1e-5)
    np.testing.assert_allclose(p.hashrate_debt_ratio[:, 0], refinanced / (1e6 * 8 * 17 / 20), rtol=1e-5)
    assert np.all(p.shortfall_month == 3)


def test_asic_loan_covenant_repossession_by_hand() -> None:
    """Loan 10e6 on 1e6 TH/s priced 8 x 17/20 = 6.8e6: LTV 1.47 > 0.8; cure needs 10e6 - 0.8 x 6.8e6 less
    one instalment; with 1e6 of cash the lender repossesses in month 1 and the hash rate is gone."""
    loan = AsicLoan(10e6, 0.1, term_months=24, collateral_hashrate_ths=1e6, max_ltv_frac=0.8)
    c = flat_company(term_debts=(), asic_loans=(loan,), cash_usd=1e6, other_opex_usd_per_month=0.0)
    p = run(c)
    assert np.all(p.repossession_month == 1)
    np.testing.assert_allclose(p.repossessed_hashrate_frac, 1.0)
    # with 20e6 of cash the breach is cured instead: balance after month 1 = 0.8 x 6.8e6
    p = run(replace(c, cash_usd=20e6))
    assert np.all(p.repossession_month == 0)


def test_btc_loan_margin_call_then_liquidation() -> None:
    """Price halves in month 1 (a -log 2 jump): a 50 % LTV loan goes to 100 % > 90 %: liquidated;
    with treasury BTC the margin call at 75 % is met by topping up instead."""
    loan = BtcLoan(50e6, 0.0, maturity_month=120, collateral_btc=1000.0)  # 1000 BTC x 100k = 100e6
    c = flat_company(term_debts=(), btc_loans=(loan,), other_opex_usd_per_month=0.0)
    market = simulate_market(flat_params(btc_drift_log_per_month=0.0), 2, 12, np.random.default_rng(0))
    crash = np.float32(0.5)
    for name in ("btc_price_usd",):
        arr = getattr(market, name)
        arr[:, :] = arr * crash
    p = simulate_company(c, market, np.random.default_rng(1), dtype=np.float64)
    assert np.all(p.default_month == 0)
    assert np.all(p.liquidation_month == 1)
    np.testing.assert_allclose(p.hashrate_debt_ratio[:, 0], 0.0)  # the loan was repaid from the sale
    c2 = replace(c, btc_held=2000.0)
    p2 = simulate_company(c2, market, np.random.default_rng(1), dtype=np.float64)
    assert np.all(p2.liquidation_month == 0)
    # topped up to 50 % LTV: 50e6 / (0.5 x 50,000) = 2000 BTC pledged; the loan is still there
    np.testing.assert_allclose(p2.hashrate_debt_ratio[:, 0], 50e6 / (1e6 * 8 * 17 / 20), rtol=1e-5)


def test_ai_revenue_ramp_and_execution() -> None:
    base = flat_company(term_debts=(), other_opex_usd_per_month=2e6, cash_usd=0.0)
    ai = replace(base, ai_revenue_usd_per_month=2e6, ai_ramp_months=1, ai_success_prob=1.0)
    assert np.all(run(base).shortfall_month == 1)
    assert np.all(run(ai).shortfall_month == 0)
    failed = replace(ai, ai_success_prob=0.0)
    assert np.all(run(failed).shortfall_month == 1)


# ---- properties on volatile markets -------------------------------------------------------------

MARKET = simulate_market(market_params_from_calibration(shipped_market_calibration()), 400, 36,
                         np.random.default_rng(11))

companies = st.builds(
    lambda h, eff, price, cash, opex, shares, sp: CompanyRiskInput(
        ticker="PROP", hashrate_ths=h, efficiency_j_per_th=eff, power_price_usd_per_mwh=price, cash_usd=cash,
        other_opex_usd_per_month=opex, shares_outstanding=shares, share_price_usd=sp),
    st.floats(1e5, 1e8), st.floats(12, 40), st.floats(20, 90), st.floats(0, 1e9), st.floats(0, 5e7),
    st.floats(1e6, 1e9), st.floats(0.5, 50))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies)
def test_no_debt_never_defaults_and_is_never_repossessed(company: CompanyRiskInput) -> None:
    p = simulate_company(company, MARKET, np.random.default_rng(0))
    assert np.all(p.default_month == 0)
    assert np.all(p.repossession_month == 0)
    assert np.all((p.dilution_frac >= 0) & (p.dilution_frac < 1))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies, st.floats(1e6, 5e9), st.floats(1e6, 5e9), st.floats(10, 2000))
def test_repossession_only_with_asic_loans(company: CompanyRiskInput, conv: float, term: float,
                                           btc_coll: float) -> None:
    c = replace(company, convertibles=(ConvertibleNote(conv, 0.03, 24, 20.0, put_month=12),),
                term_debts=(TermDebt(term, 0.1, 18, 1e6),),
                btc_loans=(BtcLoan(btc_coll * 30_000, 0.08, 30, btc_coll),))
    p = simulate_company(c, MARKET, np.random.default_rng(0))
    assert np.all(p.repossession_month == 0)
    np.testing.assert_array_equal(p.repossessed_hashrate_frac, 0.0)


def stressed_company() -> CompanyRiskInput:
    return CompanyRiskInput(
        ticker="STRESS", hashrate_ths=30e6, efficiency_j_per_th=24.0, power_price_usd_per_mwh=45.0,
        shares_outstanding=3e8, share_price_usd=8.0, cash_usd=100e6, btc_held=500.0,
        other_opex_usd_per_month=15e6,
        convertibles=(ConvertibleNote(800e6, 0.02, 30, 15.0, put_month=18),),
        asic_loans=(AsicLoan(150e6, 0.12, 24, collateral_hashrate_ths=10e6, max_ltv_frac=2.5),))


def test_more_efficiency_lower_default_probability_on_identical_scenarios() -> None:
    c = stressed_company()
    probs = []
    previous = None
    for gain in (0.0, 0.1, 0.2, 0.3):
        p = simulate_company(apply_what_if(c, OperationsWhatIf(efficiency_gain_frac=gain)), MARKET,
                             np.random.default_rng(0))
        probs.append(float(np.mean(p.default_month > 0)))
        if previous is not None:  # path by path: no scenario turns into a default with a better fleet
            assert not np.any((p.default_month > 0) & (previous.default_month == 0))
        previous = p
    assert probs[0] > 0.05
    assert all(b <= a for a, b in itertools.pairwise(probs))
    assert probs[-1] < probs[0]


def test_what_if_cuts_flow_into_cash() -> None:
    c = stressed_company()
    base = np.mean(simulate_company(c, MARKET, np.random.default_rng(0)).default_month > 0)
    for w in (OperationsWhatIf(downtime_reduction_frac=0.9), OperationsWhatIf(energy_cost_cut_frac=0.3)):
        p = simulate_company(apply_what_if(c, w), MARKET, np.random.default_rng(0))
        assert np.mean(p.default_month > 0) <= base


def test_asic_lien_stack_side_by_side() -> None:
    c = stressed_company()
    lien = asic_lien_stack(c, asic_price_usd_per_th=8.0 * 17 / 24)
    assert lien.debt_usd == pytest.approx(c.debt_usd)
    assert lien.convertibles == () and len(lien.asic_loans) == 2
    a = simulate_company(c, MARKET, np.random.default_rng(0))
    b = simulate_company(lien, MARKET, np.random.default_rng(0))
    # the whole fleet is now pledged: more repossession (dilution can go either way: amortising 800e6 over
    # 36 months needs new shares too)
    assert np.mean(b.repossession_month > 0) > np.mean(a.repossession_month > 0)
    assert np.mean(b.repossessed_hashrate_frac) > np.mean(a.repossessed_hashrate_frac)


def test_float32_matches_float64() -> None:
    c = stressed_company()
    a = simulate_company(c, MARKET, np.random.default_rng(0), dtype=np.float32)
    b = simulate_company(c, MARKET, np.random.default_rng(0), dtype=np.float64)
    # a few paths may sit on a threshold; the probabilities agree
    assert abs(np.mean(a.default_month > 0) - np.mean(b.default_month > 0)) <= 0.01
    np.testing.assert_allclose(np.median(a.dilution_frac[:, -1]), np.median(b.dilution_frac[:, -1]), atol=1e-3)
