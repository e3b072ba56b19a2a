"""Invariants of the scheduler: capacity and caps are never exceeded, limits hold, and perfect foresight
(the MILP on the realised prices) is never beaten by another feasible policy on the same prices."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hashstack.energy.power_curve import concave_envelope
from hashstack.energy.realtime import threshold_power_w
from hashstack.energy.schedule import InitialState, OperatingLimits, schedule_margin
from hashstack.energy.schedule_milp import schedule_site

MW = 1e6
HOUR = 3600.0
CURVE = concave_envelope([0.4 * MW, MW], [26_000.0, 50_000.0])

prices_st = st.lists(st.floats(-50, 400, allow_nan=False), min_size=3, max_size=14)
limits_st = st.builds(
    OperatingLimits,
    min_run_s=st.sampled_from([0.0, HOUR, 3 * HOUR]),
    min_idle_s=st.sampled_from([0.0, HOUR, 2 * HOUR]),
    restart_cost_usd=st.sampled_from([0.0, 10.0, 80.0]),
    restart_cost_usd_per_mw=st.sampled_from([0.0, 20.0]),
    min_on_power_w=st.just(0.4 * MW),
)


def _run_lengths(on: np.ndarray, value: bool) -> list[tuple[int, int]]:
    runs, t = [], 0
    while t < on.size:
        if on[t] == value:
            s = t
            while t < on.size and on[t] == value:
                t += 1
            runs.append((s, t))
        else:
            t += 1
    return runs


@settings(max_examples=40, deadline=None)
@given(prices=prices_st, limits=limits_st, cap_at=st.integers(0, 13), hp=st.floats(0.02, 0.08))
def test_schedule_respects_capacity_caps_and_min_times(prices, limits, cap_at, hp):
    p = np.array(prices)
    cap = np.full(p.size, np.nan)
    cap[cap_at % p.size] = 0.0
    s = schedule_site(p, hp, CURVE, limits, interval_s=HOUR, cap_w=cap)
    assert np.all(s.power_w <= CURVE.capacity_w + 1e-3)
    assert np.all(s.power_w >= -1e-6)
    assert s.power_w[cap_at % p.size] <= 1e-3
    mu, md = limits.steps(limits.min_run_s, HOUR), limits.steps(limits.min_idle_s, HOUR)
    on = s.running
    # every run that starts inside the horizon and ends inside it lasts at least the minimum
    for a, b in _run_lengths(on, True):
        if a > 0 and b < on.size:
            assert b - a >= mu
    for a, b in _run_lengths(on, False):
        if b < on.size:  # initially on, so every idle spell starts inside the horizon
            assert b - a >= md


@settings(max_examples=40, deadline=None)
@given(prices=prices_st, limits=limits_st, hp=st.floats(0.02, 0.08), lag=st.integers(0, 1))
def test_perfect_foresight_beats_every_other_policy(prices, limits, hp, lag):
    p = np.array(prices)
    init = InitialState(power_w=CURVE.capacity_w)
    pf = schedule_site(p, hp, CURVE, limits, interval_s=HOUR, initial=init)
    kw = dict(interval_s=HOUR, restart_cost_usd=limits.restart_cost_usd,
              restart_cost_usd_per_mw=limits.restart_cost_usd_per_mw,
              on_threshold_w=limits.on_threshold_w(CURVE.capacity_w), initial_power_w=init.power_w)
    pf_margin = schedule_margin(pf.power_w, p, hp, CURVE, **kw).margin_usd
    assert abs(pf_margin - pf.objective_usd) < 1e-4 + 1e-7 * abs(pf_margin)
    always_on = schedule_margin(np.full(p.size, CURVE.capacity_w), p, hp, CURVE, **kw).margin_usd
    rule = threshold_power_w(p, hp, CURVE, limits, interval_s=HOUR, lag_intervals=lag, initial=init)
    rule_margin = schedule_margin(rule, p, hp, CURVE, **kw).margin_usd
    marginal = threshold_power_w(p, hp, CURVE, limits, interval_s=HOUR, mode="marginal", initial=init)
    marginal_margin = schedule_margin(marginal, p, hp, CURVE, **kw).margin_usd
    tol = 1e-6 * max(1.0, abs(pf_margin)) + 1e-4
    assert pf_margin >= always_on - tol
    assert pf_margin >= rule_margin - tol
    assert pf_margin >= marginal_margin - tol
