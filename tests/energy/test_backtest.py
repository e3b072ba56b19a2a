"""Backtest of curtailment strategies on small synthetic price series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashstack.energy.backtest import (
    _state_after,
    fill_hashprice_gaps,
    hourly_to_intervals,
    persistence_forecast,
    rolling_schedule,
    run_backtest,
)
from hashstack.energy.power_curve import concave_envelope
from hashstack.energy.schedule import InitialState, OperatingLimits
from hashstack.errors import InputError

MW = 1e6
CURVE = concave_envelope([0.5 * MW, MW], [30_000.0, 50_000.0])  # breakevens 120 and 80 at hp 0.048
LIMITS = OperatingLimits(min_run_s=3600, min_idle_s=1800, restart_cost_usd_per_mw=5.0)


def _prices(n_days=4, seed=3):
    idx = pd.date_range("2023-07-01 05:00", periods=96 * n_days, freq="15min", tz="UTC")  # local midnight CDT
    rng = np.random.default_rng(seed)
    hour = idx.tz_convert("America/Chicago").hour.to_numpy()
    p = 40 + 50 * ((hour >= 15) & (hour < 19)) + rng.normal(0, 15, idx.size)
    spikes = rng.choice(idx.size, 12, replace=False)
    p[spikes] += rng.uniform(200, 2000, 12)
    return pd.Series(p, index=idx)


def _hashprice(idx):
    days = pd.date_range(idx[0].normalize() - pd.Timedelta(days=1), idx[-1].normalize(), freq="D")
    return pd.Series(0.048, index=days)


def test_perfect_foresight_bounds_every_strategy():
    price = _prices()
    res = run_backtest(price, persistence_forecast(price).bfill(), _hashprice(price.index), CURVE, LIMITS)
    r = res.results
    assert r["always-on"].captured_frac_of_perfect == 0.0
    assert r["perfect"].captured_frac_of_perfect == pytest.approx(1.0)
    for name in ("always-on", "threshold", "forecast"):
        assert r[name].margin.margin_usd <= r["perfect"].margin.margin_usd + 1e-6
    assert r["perfect"].avg_price_paid_usd_per_mwh < r["always-on"].avg_price_paid_usd_per_mwh
    assert res.power_w.max().max() <= CURVE.capacity_w + 1e-3
    assert set(np.unique(res.driver["forecast"])) <= {"schedule", "realtime", "4cp", "limit"}
    # always-on's margin by hand: revenue 50,000 TH/s x 0.048 / 96 per interval, cost p x 0.25 MWh
    hand = 50_000 * 0.048 / 96 * price.size - float(np.sum(price.to_numpy() * 0.25))
    assert r["always-on"].margin.margin_usd == pytest.approx(hand, rel=1e-9)


def test_forecast_strategy_does_not_see_the_future():
    price = _prices()
    fc = persistence_forecast(price).bfill()
    hp = _hashprice(price.index)
    a = run_backtest(price, fc, hp, CURVE, LIMITS, strategies=["forecast"])
    later = price.copy()
    later.iloc[3 * 96:] += 500.0  # change the realised prices of the last day only
    fc_later = fc.copy()  # the forecast of days 1-3 is unchanged; day 4's would change with persistence
    fc_later.iloc[3 * 96:] = persistence_forecast(later).iloc[3 * 96:]
    b = run_backtest(later, fc_later, hp, CURVE, LIMITS, strategies=["forecast"])
    np.testing.assert_allclose(a.power_w["forecast"].iloc[: 3 * 96], b.power_w["forecast"].iloc[: 3 * 96])


def test_real_time_layer_never_sees_the_interval_it_decides():
    """At lag 1 an interval's power must not depend on its own price, at a day boundary too."""
    price = _prices()
    fc = persistence_forecast(price).bfill()
    hp = _hashprice(price.index)
    for t in (96, 2 * 96, 2 * 96 + 40):  # first intervals of days 2 and 3 (local midnight), and one inside
        spiked = price.copy()
        spiked.iloc[t] = 5000.0
        a = run_backtest(price, fc, hp, CURVE, LIMITS, strategies=["forecast", "threshold"])
        b = run_backtest(spiked, fc, hp, CURVE, LIMITS, strategies=["forecast", "threshold"])
        for name in ("forecast", "threshold"):
            assert a.power_w[name].iloc[t] == pytest.approx(b.power_w[name].iloc[t]), (name, t)
            assert a.power_w[name].iloc[: t + 1].to_numpy() == pytest.approx(b.power_w[name].iloc[: t + 1].to_numpy())


def test_4cp_caps_curtail_every_strategy_but_always_on():
    price = _prices(2)
    cap = pd.Series(np.nan, index=price.index)
    window = price.index[(price.index.tz_convert("America/Chicago").hour == 16)]
    cap[window] = 0.0
    peak = [window[2]]
    res = run_backtest(price, persistence_forecast(price).bfill(), _hashprice(price.index), CURVE, LIMITS,
                       fourcp_cap_w=cap, fourcp_intervals_utc=peak)
    for name in ("threshold", "forecast"):
        assert res.results[name].fourcp_mw_avg == 0.0
        assert np.all(res.power_w[name][window] <= 1e-3)
    # perfect foresight knows the one real 4CP interval and curtails only as much as it must
    assert res.power_w["perfect"][peak[0]] <= 1e-3
    assert res.results["perfect"].margin.margin_usd >= res.results["forecast"].margin.margin_usd
    assert (res.driver["forecast"][window] == "4cp").all()
    assert res.results["always-on"].fourcp_mw_avg == pytest.approx(1.0)


def test_helpers_by_hand():
    idx = pd.date_range("2023-07-01 05:00", periods=8, freq="h", tz="UTC")
    s = pd.Series(np.arange(8.0), index=idx)
    two_days = pd.date_range("2023-07-01 05:00", periods=48, freq="h", tz="UTC")
    p = persistence_forecast(pd.Series(np.arange(48.0), index=two_days))
    assert np.isnan(p.iloc[0]) and p.iloc[24] == 0.0 and p.iloc[47] == 23.0
    fine = pd.date_range("2023-07-01 05:00", periods=8, freq="15min", tz="UTC")
    np.testing.assert_allclose(hourly_to_intervals(s, fine).to_numpy(), [0, 0, 0, 0, 1, 1, 1, 1])
    hp = pd.Series([1.0, np.nan, 3.0], index=pd.date_range("2023-01-01", periods=3, freq="D"))
    filled, which = fill_hashprice_gaps(hp)
    assert filled.tolist() == [1.0, 1.0, 3.0] and [d.day for d in which] == [2]


def test_gaps_and_missing_forecast_are_errors():
    price = _prices(2)
    with pytest.raises(InputError, match="regular grid"):
        run_backtest(price.drop(price.index[5]), None, _hashprice(price.index), CURVE, LIMITS,
                     strategies=["threshold"])
    with pytest.raises(InputError, match="forecast"):
        run_backtest(price, None, _hashprice(price.index), CURVE, LIMITS, strategies=["forecast"])


def test_run_length_carries_over_days_without_double_counting():
    """The state handed to each day counts the intervals in the current state once (regression: the
    whole history was rescanned and the previous state's count added again)."""
    idx = pd.date_range("2023-07-01 05:00", periods=24 * 3, freq="h", tz="UTC")  # three local days
    seen: list[InitialState] = []

    def realise(day, plan, state):
        seen.append(state)
        return plan, np.full(plan.size, "schedule")

    cheap = np.full(idx.size, 10.0)  # every watt pays: the site runs flat out all three days
    rolling_schedule(cheap, idx, np.full(idx.size, 0.048), CURVE, LIMITS, interval_s=3600.0, pool_fee_frac=0.0,
                     lookahead=lambda day: cheap[day.stop: day.stop + 4], realise=realise,
                     initial=InitialState(power_w=CURVE.capacity_w, steps_in_state=2))
    assert [s.steps_in_state for s in seen] == [2, 2 + 24, 2 + 48]
    # the same rule interval by interval: a change inside the span restarts the count
    thr = LIMITS.on_threshold_w(CURVE.capacity_w)
    after = _state_after(np.array([MW, 0.0, 0.0, 0.0]), InitialState(MW, 7), thr)
    assert (after.power_w, after.steps_in_state) == (0.0, 3)
    assert _state_after(np.array([0.0, 0.0]), InitialState(0.0, 5), thr).steps_in_state == 7


def test_perfect_foresight_uses_each_interval_hashprice():
    """The hashprice changes at UTC midnight, inside the local day: perfect foresight must plan on the
    same per-interval hashprice the scoring uses, or it is not an upper bound."""
    price = pd.Series(40.0, index=pd.date_range("2023-07-01 05:00", periods=96 * 2, freq="15min", tz="UTC"))
    evening = (price.index >= pd.Timestamp("2023-07-02 00:00", tz="UTC")) & (
        price.index < pd.Timestamp("2023-07-02 05:00", tz="UTC"))  # 19:00-24:00 local on 07-01
    price[evening] = 300.0  # above breakeven at 0.048, far below it at 0.5
    hp = pd.Series([0.048, 0.048, 0.5, 0.5], index=pd.date_range("2023-06-30", periods=4, freq="D"))
    res = run_backtest(price, None, hp, CURVE, LIMITS, strategies=["threshold"])
    assert np.all(res.power_w["perfect"][evening] >= CURVE.capacity_w - 1e-3)
    for name in ("always-on", "threshold"):
        assert res.results[name].net_margin_usd <= res.results["perfect"].net_margin_usd + 1e-6


def test_lag_defaults_to_the_last_settled_interval_and_lag_0_is_labelled():
    price = _prices(2)
    hp = _hashprice(price.index)
    honest = run_backtest(price, None, hp, CURVE, LIMITS, strategies=["threshold"])
    assert honest.lag_intervals == 1 and not any("lag 0" in n for n in honest.notes)
    bound = run_backtest(price, None, hp, CURVE, LIMITS, strategies=["threshold"], lag_intervals=0)
    assert any(n.startswith("lag 0") and "upper bound" in n for n in bound.notes)
    # knowing the interval's own price can only help the threshold rule here
    assert bound.results["threshold"].margin.margin_usd >= honest.results["threshold"].margin.margin_usd


def test_a_strategy_above_perfect_foresight_is_reported(monkeypatch):
    import hashstack.energy.backtest as bt

    real = bt.rolling_schedule

    def crippled(*a, **k):  # perfect foresight that stays off: every other strategy beats it
        p, d = real(*a, **k)
        return (np.zeros_like(p), d) if k.get("hashprice_per_interval") else (p, d)

    monkeypatch.setattr(bt, "rolling_schedule", crippled)
    price = pd.Series(20.0, index=_prices(2).index)  # cheap: running pays in every interval
    res = run_backtest(price, None, _hashprice(price.index), CURVE, LIMITS, strategies=["threshold"])
    assert any(n.startswith("threshold scored") and "above perfect foresight" in n for n in res.notes)
    assert any(n.startswith("always-on scored") for n in res.notes)
