"""from_capital: the capital records become engine input, every gap filled by a reported assumption."""

from __future__ import annotations

from datetime import date

import pytest

from hashstack.capital import load_public_miners
from hashstack.errors import InputError
from hashstack.risk.adapters import StressAssumptions, adapt_capital, from_capital, months_between
from hashstack.risk.history import shipped_market_calibration
from hashstack.risk.scenarios import market_params_from_calibration

AT = date(2025, 12, 31)
MARKET = market_params_from_calibration(shipped_market_calibration())
MINERS = load_public_miners()


def test_months_between() -> None:
    assert months_between(date(2025, 12, 31), date(2026, 1, 31)) == 2  # 31 days > 30.4375
    assert months_between(date(2025, 12, 31), date(2030, 12, 31)) == 60
    assert months_between(date(2025, 12, 31), date(2025, 1, 1)) == 1


def test_mara_maps_its_stack() -> None:
    r = adapt_capital(MINERS["MARA"], AT, MARKET)
    c = r.input
    assert c.hashrate_ths == pytest.approx(60.4e6)
    assert c.efficiency_j_per_th == pytest.approx(18.3)
    assert c.shares_outstanding == pytest.approx(378_184_353)
    assert c.btc_held == pytest.approx(52_850)
    outstanding = [i for i in MINERS["MARA"].outstanding(AT) if (i.amount_usd(AT) or 0) > 0]
    assert len(c.convertibles) + len(c.btc_loans) + len(c.term_debts) + len(c.asic_loans) == len(outstanding)
    cv30 = next(v for v in c.convertibles if v.name == "MARA-2024-CV30")
    assert cv30.conversion_price_usd == pytest.approx(25.91)
    assert cv30.maturity_month == months_between(AT, date(2030, 3, 1))
    assert cv30.put_month == months_between(AT, date(2027, 12, 1))
    # the share price comes from the latest convertible, and says so
    assert c.share_price_usd == pytest.approx(20.2585 / 1.325)
    assert any("MARA-2025-CV32" in a and "share_price_usd" in a for a in r.assumed)
    assert any("cash_usd = 0" in a for a in r.assumed)
    assert c.debt_usd == pytest.approx(sum(i.amount_usd(AT) or 0 for i in outstanding))


def test_missing_metric_is_named_and_overrides_fill_it() -> None:
    with pytest.raises(InputError, match="shares_outstanding"):
        from_capital(MINERS["WULF"], AT, MARKET)
    r = adapt_capital(MINERS["WULF"], AT, MARKET, overrides={"shares_outstanding": 4e8, "cash_usd": 1e9})
    assert r.input.shares_outstanding == 4e8 and r.input.cash_usd == 1e9
    # data-centre project notes are left out, and listed
    assert any("WULF-2025-SSN" in a and "left out" in a for a in r.assumed)
    assert all(d.name != "WULF-2025-SSN" for d in r.input.term_debts)
    with pytest.raises(InputError, match="unknown override"):
        adapt_capital(MINERS["RIOT"], AT, MARKET, overrides={"colour": 1})


def test_asic_loan_pledge_from_origination_ltv() -> None:
    a = StressAssumptions(asic_loan_origination_ltv_frac=0.5)
    c = from_capital(MINERS["BTDR"], AT, MARKET, assumptions=a)
    (loan,) = c.asic_loans
    rig_price = MARKET.asic_price0_usd_per_th * MARKET.asic_reference_efficiency_j_per_th / c.efficiency_j_per_th
    assert loan.collateral_hashrate_ths == pytest.approx(min(43e6 / (0.5 * rig_price), c.hashrate_ths))
    assert loan.term_months == 24
