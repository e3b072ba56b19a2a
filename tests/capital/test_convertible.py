"""Convertible valuation against hand-checkable limits."""

from __future__ import annotations

import math
from datetime import date

import pytest

from hashstack.capital import load_public_miners
from hashstack.capital.convertible import (
    ConvertibleTerms,
    conversion_probability_frac,
    convertible_terms,
    value_convertible,
)
from hashstack.errors import InputError

ISSUE, MATURITY = date(2025, 1, 1), date(2030, 1, 1)
YEARS = (MATURITY - ISSUE).days / 365.0


def test_bond_floor_limit_zero_coupon() -> None:
    # conversion price USD 1,000,000 vs spot 10: the option is worthless, the note is a zero-coupon bond
    # discounted at r + spread = 7 % continuous: 1000 * exp(-0.07 * 5.0027) = 704.55
    terms = ConvertibleTerms(ISSUE, MATURITY, 0.0, conversion_rate_per_1000_usd=0.001)
    v = value_convertible(terms, ISSUE, spot_usd=10.0, vol_frac=0.5, risk_free_frac=0.04, credit_spread_frac=0.03)
    expected = 1000 * math.exp(-0.07 * YEARS)
    assert v.bond_floor_usd == pytest.approx(expected, rel=1e-9)
    assert v.fair_value_usd == pytest.approx(expected, rel=2e-3)
    assert v.delta == pytest.approx(0.0, abs=1e-6)
    assert v.conversion_probability_frac < 1e-6


def test_bond_floor_with_coupons() -> None:
    # 4 % semi-annual coupon, 10 payments of 20 at 7 %: sum 20 exp(-0.07 t_k) + 1000 exp(-0.07 T)
    terms = ConvertibleTerms(ISSUE, MATURITY, 0.04, conversion_rate_per_1000_usd=0.001)
    v = value_convertible(terms, ISSUE, 10.0, 0.5, 0.04, 0.03)
    pays = [date(2025 + (k + 1) // 2, 7 if k % 2 == 0 else 1, 1) for k in range(10)]
    hand = sum(20 * math.exp(-0.07 * (p - ISSUE).days / 365) for p in pays) + 1000 * math.exp(-0.07 * YEARS)
    assert v.bond_floor_usd == pytest.approx(hand, rel=1e-9)
    assert v.fair_value_usd == pytest.approx(hand, rel=3e-3)


def test_deep_in_the_money_is_parity() -> None:
    # 100 shares per 1,000 (conversion price 10), spot 100: converting now is worth 10,000 and dominates
    terms = ConvertibleTerms(ISSUE, MATURITY, 0.0, conversion_rate_per_1000_usd=100.0)
    v = value_convertible(terms, ISSUE, 100.0, 0.5, 0.04, 0.03)
    assert v.parity_usd == pytest.approx(10_000.0)
    assert v.fair_value_usd == pytest.approx(10_000.0, rel=1e-3)
    assert v.delta_shares_frac == pytest.approx(1.0, abs=1e-3)


def test_value_between_floor_and_parity_bounds() -> None:
    terms = ConvertibleTerms(ISSUE, MATURITY, 0.0, conversion_rate_per_1000_usd=100.0)
    v = value_convertible(terms, ISSUE, 8.0, 0.6, 0.04, 0.03)
    assert v.fair_value_usd > max(v.bond_floor_usd, v.parity_usd)
    assert 0.0 < v.delta_shares_frac < 1.0


def test_conversion_probability_is_n_d2() -> None:
    # S=8, K=10, r=4 %, sigma=60 %, T=5.0027: d2 = (ln 0.8 + (0.04 - 0.18) T) / (0.6 sqrt T) = -0.68816
    p = conversion_probability_frac(8.0, 10.0, YEARS, 0.6, 0.04)
    assert p == pytest.approx(0.24567, abs=2e-5)
    assert conversion_probability_frac(12.0, 10.0, 2.0, 0.0, 0.0) == 1.0
    assert conversion_probability_frac(8.0, 10.0, 2.0, 0.0, 0.0) == 0.0


def test_soft_call_caps_value() -> None:
    # a provisional call at 130 % of the conversion price forces conversion early: value falls
    base = ConvertibleTerms(ISSUE, MATURITY, 0.02, 100.0)
    called = ConvertibleTerms(ISSUE, MATURITY, 0.02, 100.0, call_dates=(date(2026, 1, 1), date(2027, 1, 1)),
                              call_trigger_frac=1.3)
    a = value_convertible(base, ISSUE, 12.0, 0.6, 0.04, 0.03).fair_value_usd
    b = value_convertible(called, ISSUE, 12.0, 0.6, 0.04, 0.03).fair_value_usd
    assert b < a


def test_put_raises_value() -> None:
    base = ConvertibleTerms(ISSUE, MATURITY, 0.0, 50.0)
    put = ConvertibleTerms(ISSUE, MATURITY, 0.0, 50.0, put_dates=(date(2027, 1, 1),))
    a = value_convertible(base, ISSUE, 10.0, 0.5, 0.04, 0.08).fair_value_usd
    b = value_convertible(put, ISSUE, 10.0, 0.5, 0.04, 0.08).fair_value_usd
    assert b > a


def test_dividends_lower_value() -> None:
    terms = ConvertibleTerms(ISSUE, MATURITY, 0.0, 100.0)
    a = value_convertible(terms, ISSUE, 9.0, 0.5, 0.04, 0.03).fair_value_usd
    b = value_convertible(terms, ISSUE, 9.0, 0.5, 0.04, 0.03, dividend_yield_frac=0.03).fair_value_usd
    assert b < a


def test_terms_from_shipped_mara_note() -> None:
    note = next(i for i in load_public_miners()["MARA"].instruments if i.id == "MARA-2024-CV31S")
    terms = convertible_terms(note)
    assert terms.conversion_price_usd == pytest.approx(18.89, rel=1e-3)
    assert terms.call_dates[0] == date(2028, 9, 6) and terms.call_trigger_frac == 1.3
    assert terms.put_dates == (date(2029, 3, 1),)
    v = value_convertible(terms, date(2025, 9, 30), 18.0, 0.7, 0.04, 0.05, time_steps=200)
    assert v.bond_floor_usd < v.fair_value_usd


def test_unvaluable_instrument_is_an_input_error() -> None:
    iren = next(i for i in load_public_miners()["IREN"].instruments if i.id == "IREN-2024-CV30")
    with pytest.raises(InputError, match="conversion terms"):
        convertible_terms(iren)
    with pytest.raises(InputError):
        value_convertible(ConvertibleTerms(ISSUE, MATURITY, 0.0, 10.0), MATURITY, 10.0, 0.5, 0.04, 0.03)
