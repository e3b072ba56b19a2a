"""Hashrate-debt ratio and companion metrics: hand-computed cases, the shipped data, invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashstack.capital import (
    Collateral,
    Company,
    CompanyMetric,
    Instrument,
    InstrumentType,
    load_public_miners,
)
from hashstack.capital.asic_prices import AsicPrice, asic_price_for
from hashstack.capital.loaders import load_asic_prices
from hashstack.capital.metrics import (
    MarketInputs,
    company_metrics,
    fleet_value_income_usd,
    fleet_value_market_usd,
    hashprice_path_usd_per_th_day,
    ratio_flag,
    sector_metrics,
)
from hashstack.errors import MissingDataError

AT = date(2025, 9, 30)
PRICES = [AsicPrice(date(2025, 1, 1), "under 25", 0.0, 25.0, 15.0, "index", "test", "https://example.org")]


def test_flags_at_thresholds() -> None:
    assert ratio_flag(1.49) == ""
    assert ratio_flag(1.5) == "high"
    assert ratio_flag(1.79) == "high"
    assert ratio_flag(1.8) == "dangerously high"
    assert ratio_flag(None) == ""


def test_income_value_hand_computed() -> None:
    # 1 EH/s at 20 J/TH = 20 MW; revenue 1e6 TH x 0.05 = 50,000 USD/day; power 20 MW x 24 h x 50 = 24,000
    # margin 26,000 USD/day x 365.25 days (12 months of 30.4375 days), undiscounted = 9,496,500
    v = fleet_value_income_usd(1e6, 20.0, 0.05, 50.0, remaining_life_years=1.0, discount_rate_frac=0.0)
    assert v == pytest.approx(26_000 * 365.25, rel=1e-12)
    # discounted monthly at mid-month: sum_m 26,000 x 30.4375 / 1.1^((m + 0.5) / 12)
    r = sum(26_000 * 30.4375 / 1.1 ** ((m + 0.5) / 12) for m in range(12))
    assert fleet_value_income_usd(1e6, 20.0, 0.05, 50.0, 1.0, 0.10) == pytest.approx(r, rel=1e-12)
    # a loss-making fleet is switched off: worth nothing, never negative
    assert fleet_value_income_usd(1e6, 20.0, 0.05, 200.0, 1.0, 0.10) == 0.0


def test_income_value_half_year_life_is_pro_rata() -> None:
    full = fleet_value_income_usd(1e6, 20.0, 0.05, 50.0, 1.0, 0.0)
    assert fleet_value_income_usd(1e6, 20.0, 0.05, 50.0, 0.5, 0.0) == pytest.approx(full / 2)
    # 1.25 months: one whole month plus a quarter month
    assert fleet_value_income_usd(1e6, 20.0, 0.05, 50.0, 1.25 / 12, 0.0) == pytest.approx(26_000 * 30.4375 * 1.25)


def test_hashprice_path_declines_geometrically() -> None:
    path = hashprice_path_usd_per_th_day(0.05, 25, 0.2)
    assert path[0] == 0.05
    assert path[12] == pytest.approx(0.04)
    assert path[24] == pytest.approx(0.032)


def _company(principal_usd: float = 300e6) -> Company:
    conv = Instrument(id="X-CV", ticker="X", instrument_type=InstrumentType.CONVERTIBLE,
                      principal_usd=principal_usd, issue_date=date(2024, 1, 1), maturity_date=date(2029, 1, 1),
                      coupon_frac=0.02)
    asic = Instrument(id="X-ASIC", ticker="X", instrument_type=InstrumentType.ASIC_LOAN, principal_usd=100e6,
                      issue_date=date(2024, 6, 1), maturity_date=date(2026, 6, 1), coupon_frac=0.12,
                      secured=True, collateral=Collateral.ASICS,
                      balances_usd=((date(2025, 6, 30), 60e6),))
    later = Instrument(id="X-LATER", ticker="X", instrument_type=InstrumentType.BTC_LOAN, principal_usd=50e6,
                       issue_date=date(2025, 12, 1), collateral=Collateral.BTC)
    metrics = (
        CompanyMetric("X", "hashrate_ths", 10e6, date(2025, 6, 30), source_url="https://example.org"),
        CompanyMetric("X", "fleet_efficiency_j_per_th", 20.0, date(2025, 6, 30)),
        CompanyMetric("X", "btc_held_btc", 1000.0, date(2025, 9, 30)),
    )
    return Company("X", "Example", metrics=metrics, instruments=(conv, asic, later))


def test_company_metrics_hand_computed() -> None:
    market = MarketInputs((0.05,), btc_price_usd=100_000.0, price_usd_per_mwh=50.0, remaining_life_years=1.0,
                          discount_rate_frac=0.0, pool_fee_frac=0.0, uptime_frac=1.0)
    m = company_metrics(_company(), AT, market, PRICES)
    # debt = 300M convertible + 60M ASIC-loan balance (the BTC loan starts after AT)
    assert m.total_debt_usd == pytest.approx(360e6)
    assert m.value_market_usd == pytest.approx(10e6 * 15.0)  # 150M
    assert m.ratio_market == pytest.approx(360 / 150)
    assert m.flag_market == "dangerously high"
    # income: 10 EH/s -> margin 260,000 USD/day x 365.25
    assert m.value_income_usd == pytest.approx(260_000 * 365.25)
    assert m.ratio_income == pytest.approx(360e6 / (260_000 * 365.25))
    assert m.debt_per_ehs_usd == pytest.approx(36e6)
    assert m.net_debt_usd == pytest.approx(360e6 - 1000 * 100_000)
    assert m.interest_usd_per_year == pytest.approx(300e6 * 0.02 + 60e6 * 0.12)
    assert m.interest_burden_frac == pytest.approx((6e6 + 7.2e6) / (260_000 * 365.25))
    assert m.maturity_wall_usd == {2026: 60e6, 2029: 300e6}
    assert m.debt_by_type_usd == {"convertible": 300e6, "asic_loan": 60e6}
    assert m.debt_by_collateral_usd == {"none": 300e6, "asics": 60e6}


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(min_value=0.1, max_value=10.0))
def test_ratio_is_linear_in_debt(scale: float) -> None:
    market = MarketInputs((0.05,), btc_price_usd=100_000.0)
    base = company_metrics(_company(300e6), AT, market, PRICES)
    c = _company(300e6)
    scaled = replace(c, instruments=tuple(replace(i, principal_usd=(i.principal_usd or 0) * scale,
                                                  balances_usd=tuple((d, a * scale) for d, a in i.balances_usd))
                                          for i in c.instruments))
    m = company_metrics(scaled, AT, market, PRICES)
    assert m.ratio_market == pytest.approx(base.ratio_market * scale, rel=1e-9)
    assert m.ratio_income == pytest.approx(base.ratio_income * scale, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(h=st.floats(min_value=1e3, max_value=1e8), k=st.floats(min_value=0.1, max_value=10))
def test_values_are_linear_in_hashrate(h: float, k: float) -> None:
    a = fleet_value_income_usd(h, 18.0, 0.05, 45.0, 3.0, 0.12)
    b = fleet_value_income_usd(h * k, 18.0, 0.05, 45.0, 3.0, 0.12)
    assert b == pytest.approx(a * k, rel=1e-9)
    assert fleet_value_market_usd(h * k, 15.0) == pytest.approx(fleet_value_market_usd(h, 15.0) * k)


def test_mara_debt_at_q3_2025() -> None:
    # 2026 notes' remaining 48.1M + 300M (2031 2.125 %) + 200M BTC line + 1,000M (2030) + 925M (2031 0 %)
    # + 1,025M (2032) = 3,498.1M
    mara = load_public_miners()["MARA"]
    m = company_metrics(mara, AT, MarketInputs((0.05,), btc_price_usd=114_000.0), load_asic_prices())
    assert m.total_debt_usd == pytest.approx(3_498.1e6)
    assert m.hashrate_ths == 60.4e6
    # 18.3 J/TH on 2025-09-30 -> latest index/contract row covering it: S21 at 17.50 USD/TH (2024-03)
    assert m.asic_price is not None and m.asic_price.price_usd_per_th == 17.5
    assert m.ratio_market == pytest.approx(3_498.1e6 / (60.4e6 * 17.5))


def test_asic_price_lookup_rules() -> None:
    prices = load_asic_prices()
    # 2022-12-31, 20 J/TH: the Dec-2022 under-38 value (15.71) is newer than the Jul-2022 under-25 one
    assert asic_price_for(prices, 20.0, date(2022, 12, 31)).price_usd_per_th == 15.71
    # mid-2023: the under-25 J/TH value of 20 USD/TH
    assert asic_price_for(prices, 20.0, date(2023, 8, 1)).price_usd_per_th == 20.0
    # list prices are not used unless asked for
    assert asic_price_for(prices, 17.0, date(2025, 12, 31)).kind == "contract"
    assert asic_price_for(prices, 17.0, date(2025, 12, 31), kinds=("list",)).price_usd_per_th in (7.0, 8.0)
    with pytest.raises(MissingDataError):
        asic_price_for(prices, 80.0, date(2021, 1, 1))


def test_shipped_index_values_agree_with_their_context() -> None:
    # the Dec-2022 rows state their drop from the May-2021 peak: 119.25 x (1 - 0.8682) = 15.72
    by = {(p.date.isoformat(), p.tier): p.price_usd_per_th for p in load_asic_prices()}
    assert by[("2022-12-25", "Under 38 J/TH")] == pytest.approx(by[("2021-05-07", "Under 38 J/TH")] * (1 - 0.8682),
                                                                abs=0.02)
    assert by[("2022-12-25", "38-68 J/TH")] == pytest.approx(by[("2021-05-07", "38-68 J/TH")] * (1 - 0.8936),
                                                             abs=0.02)
    # the Jul-2023 under-25 value is "-66 % from 60 USD/TH since July 2022"
    assert by[("2023-07-26", "Under 25 J/TH")] == pytest.approx(60 * (1 - 0.66), abs=0.5)


def test_sector_ratio_is_debt_weighted() -> None:
    companies = load_public_miners()
    s = sector_metrics(companies.values(), AT, MarketInputs((0.05,), btc_price_usd=114_000.0), load_asic_prices())
    inc = [c for c in s.companies if c.ticker in s.included_market]
    assert s.ratio_market == pytest.approx(sum(c.total_debt_usd for c in inc)
                                           / sum(c.value_market_usd or 0 for c in inc))
    assert "MARA" in s.included_market and "GLXY" in s.excluded
    assert s.total_debt_usd == pytest.approx(sum(c.total_debt_usd for c in s.companies))
