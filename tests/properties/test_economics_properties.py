"""Invariants of the economics, checked over generated inputs (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashstack import economics as ec

hashrate = st.floats(1.0, 1e6)
eff = st.floats(8.0, 120.0)
hp_th = st.floats(0.005, 2.0)  # USD per TH/s per day
price = st.floats(1.0, 500.0)  # USD/MWh
fee = st.floats(0.0, 0.1)
btc = st.floats(1_000.0, 500_000.0)
difficulty = st.floats(1e12, 1e15)


@given(hashrate, st.floats(1.0, 1000.0), eff, hp_th, price, fee)
def test_revenue_linear_in_hashrate(h: float, k: float, e: float, hp: float, p: float, f: float) -> None:
    one = ec.miner_daily_economics(h, h * e, hp, p, f)
    scaled = ec.miner_daily_economics(k * h, k * h * e, hp, p, f)
    assert scaled.revenue_usd_per_day == pytest.approx(k * one.revenue_usd_per_day, rel=1e-9)
    assert scaled.margin_usd_per_day == pytest.approx(k * one.margin_usd_per_day, rel=1e-9, abs=1e-6)


@given(hashrate, eff, hp_th, fee)
def test_margin_zero_at_breakeven_power_price(h: float, e: float, hp: float, f: float) -> None:
    p = ec.breakeven_power_price_usd_per_mwh(e, hp, f)
    day = ec.miner_daily_economics(h, h * e, hp, p, f)
    assert day.margin_usd_per_day == pytest.approx(0.0, abs=1e-9 * day.revenue_usd_per_day + 1e-9)


@given(hashrate, eff, price, fee)
def test_margin_zero_at_breakeven_hashprice(h: float, e: float, p: float, f: float) -> None:
    hp = ec.breakeven_hashprice_usd_per_th_day(e, p, f)
    day = ec.miner_daily_economics(h, h * e, hp, p, f)
    assert day.margin_usd_per_day == pytest.approx(0.0, abs=1e-9 * day.revenue_usd_per_day + 1e-9)


@given(hashrate, eff, price, fee, difficulty, st.floats(0.0, 1.0))
def test_margin_zero_at_breakeven_btc_price(h: float, e: float, p: float, f: float, d: float, fees: float) -> None:
    hp_btc = ec.hashprice(1.0, difficulty=d, fees_btc_per_block=fees).hashprice_btc_per_th_day
    btc_be = ec.breakeven_btc_price_usd(e, p, hp_btc, f)
    hp_usd = ec.hashprice(btc_be, difficulty=d, fees_btc_per_block=fees).hashprice_usd_per_th_day
    day = ec.miner_daily_economics(h, h * e, hp_usd, p, f)
    assert day.margin_usd_per_day == pytest.approx(0.0, abs=1e-9 * day.revenue_usd_per_day + 1e-9)


@given(eff, st.floats(0.01, 50.0), hp_th, fee)
def test_breakeven_power_price_falls_as_j_per_th_rises(e: float, de: float, hp: float, f: float) -> None:
    assert ec.breakeven_power_price_usd_per_mwh(e + de, hp, f) < ec.breakeven_power_price_usd_per_mwh(e, hp, f)


@given(btc, difficulty, st.floats(0.0, 2.0))
def test_hashprice_proportional_to_price_inverse_to_difficulty(p: float, d: float, fees: float) -> None:
    a = float(ec.hashprice(p, difficulty=d, fees_btc_per_block=fees).hashprice_usd_per_ph_day)
    b = float(ec.hashprice(2 * p, difficulty=2 * d, fees_btc_per_block=fees).hashprice_usd_per_ph_day)
    assert b == pytest.approx(a, rel=1e-12)
