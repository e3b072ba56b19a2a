"""Hand-checkable MILP cases for the curtailment scheduler.

Unless a test says otherwise the site is 1 MW at 20 J/TH (50,000 TH/s), hashprice 0.048 USD per TH/s
per day, no pool fee, 1-hour intervals: revenue is 50,000 x 0.048 / 24 = 100 USD per hour at full
power, so the breakeven is 100 USD/MWh and an hour at price c earns (100 - c) USD.
"""

from __future__ import annotations

import numpy as np
import pytest

from hashstack.energy.power_curve import ConcaveCurve, concave_envelope
from hashstack.energy.schedule import (
    DemandResponseEvent,
    InitialState,
    OperatingLimits,
    schedule_margin,
)
from hashstack.energy.schedule_milp import schedule_site
from hashstack.errors import HashstackError, InputError

MW = 1e6
HP = 0.048
HOUR = 3600.0
CURVE = concave_envelope([MW], [50_000.0])


def block(**kw) -> OperatingLimits:
    """Limits of an all-or-nothing site: it counts as running only at full power, so the fixed restart
    cost and the minimum times cannot be dodged by idling a few machines."""
    return OperatingLimits(min_on_power_w=MW, **kw)


def run(prices, limits=None, **kw):
    return schedule_site(np.asarray(prices, float), HP, CURVE, limits or OperatingLimits(), interval_s=HOUR, **kw)


def test_curtails_the_expensive_hour():
    s = run([50, 150, 50])
    np.testing.assert_allclose(s.power_w, [MW, 0, MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(100.0, abs=1e-6)


def test_restart_cost_trade_off():
    # stopping for the 150 hour saves 50 USD; a 60 USD restart makes it not worth it, 40 USD does
    dear = run([50, 150, 50], block(restart_cost_usd=60))
    np.testing.assert_allclose(dear.power_w, [MW, MW, MW], atol=1e-3)
    assert dear.objective_usd == pytest.approx(50.0, abs=1e-6)
    cheap = run([50, 150, 50], block(restart_cost_usd=40))
    np.testing.assert_allclose(cheap.power_w, [MW, 0, MW], atol=1e-3)
    assert cheap.objective_usd == pytest.approx(60.0, abs=1e-6)
    assert cheap.starts.tolist() == [False, False, True]


def test_restart_cost_per_mw():
    s = run([50, 150, 50], OperatingLimits(restart_cost_usd_per_mw=55))
    np.testing.assert_allclose(s.power_w, [MW, MW, MW], atol=1e-3)
    s = run([50, 150, 50], OperatingLimits(restart_cost_usd_per_mw=45))
    assert s.objective_usd == pytest.approx(55.0, abs=1e-6)


def test_min_idle_time_honoured():
    # off at hour 1 forces off at hour 2: +50 - 30 = +20 at price 70; +50 - 70 = -20 at price 30
    s = run([50, 150, 70, 50], block(min_idle_s=2 * HOUR))
    np.testing.assert_allclose(s.power_w, [MW, 0, 0, MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(100.0, abs=1e-6)
    s = run([50, 150, 30, 50], block(min_idle_s=2 * HOUR))
    np.testing.assert_allclose(s.power_w, [MW, MW, MW, MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(50 - 50 + 70 + 50, abs=1e-6)


def test_min_run_time_honoured():
    off = InitialState(power_w=0.0)
    # starting at hour 1 commits hours 1 and 2: +50 - 20 = +30 -> start
    s = run([150, 50, 120, 150], block(min_run_s=2 * HOUR), initial=off)
    np.testing.assert_allclose(s.power_w, [0, MW, MW, 0], atol=1e-3)
    assert s.objective_usd == pytest.approx(30.0, abs=1e-6)
    # +50 - 80 < 0 -> stay off
    s = run([150, 50, 180, 150], block(min_run_s=2 * HOUR), initial=off)
    np.testing.assert_allclose(s.power_w, [0, 0, 0, 0], atol=1e-3)


def test_initial_state_carries_min_times():
    # stopped one hour ago with a 3 h minimum idle: hours 0 and 1 must stay off
    s = run([10, 10, 10], block(min_idle_s=3 * HOUR), initial=InitialState(power_w=0.0, steps_in_state=1))
    np.testing.assert_allclose(s.power_w, [0, 0, MW], atol=1e-3)


def test_ramp_limits_honoured():
    # 0.5 MW per hour: the site cannot leave 1 MW for 0 in one step, so it pre-curtails
    s = run([50, 1000, 50], OperatingLimits(ramp_w_per_s=0.5 * MW / HOUR))
    np.testing.assert_allclose(s.power_w, [0.5 * MW, 0, 0.5 * MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(50.0, abs=1e-6)
    steps = np.diff(np.concatenate([[MW], s.power_w]))
    assert np.all(np.abs(steps) <= 0.5 * MW + 1e-3)


def test_contracted_minimum_load():
    s = run([50, 150, 50], OperatingLimits(contracted_min_load_w=0.3 * MW))
    np.testing.assert_allclose(s.power_w, [MW, 0.3 * MW, MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(100 - 15.0, abs=1e-6)


def test_4cp_window_forces_curtailment():
    s = run([50, 50, 50], cap_w=[np.nan, 0.0, np.nan])
    np.testing.assert_allclose(s.power_w, [MW, 0, MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(100.0, abs=1e-6)
    assert not s.running[1]


def test_4cp_window_cannot_be_dodged_by_idling_on():
    # with a big restart cost the only legal way through a zero cap is a stop and a paid restart
    s = run([50, 50, 50], block(restart_cost_usd=30), cap_w=[np.nan, 0.0, np.nan])
    assert s.objective_usd == pytest.approx(100.0 - 30.0, abs=1e-6)


def test_demand_response_credit():
    ev = DemandResponseEvent(start=1, stop=2, max_power_w=0.0, credit_usd=60.0)
    s = run([50, 50, 50], dr_events=[ev])
    assert s.dr_taken.tolist() == [True]
    assert s.objective_usd == pytest.approx(50 + 0 + 50 + 60, abs=1e-6)
    low = DemandResponseEvent(start=1, stop=2, max_power_w=0.0, credit_usd=40.0)
    s = run([50, 50, 50], dr_events=[low])
    assert s.dr_taken.tolist() == [False]
    assert s.objective_usd == pytest.approx(150.0, abs=1e-6)
    committed = DemandResponseEvent(start=1, stop=2, max_power_w=0.0, credit_usd=40.0, committed=True)
    s = run([50, 50, 50], dr_events=[committed])
    np.testing.assert_allclose(s.power_w, [MW, 0, MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(140.0, abs=1e-6)


def test_partial_power_on_a_concave_curve():
    # pieces: 0.5 MW at 0.06 TH/s/W (breakeven 120) then 0.5 MW at 0.04 (breakeven 80)
    curve = concave_envelope([0.5 * MW, MW], [30_000.0, 50_000.0])
    s = schedule_site(np.array([100.0]), HP, curve, OperatingLimits(), interval_s=HOUR)
    np.testing.assert_allclose(s.power_w, [0.5 * MW], atol=1e-3)
    assert s.objective_usd == pytest.approx(60 - 50.0, abs=1e-6)


def test_objective_equals_margin_of_the_schedule():
    rng = np.random.default_rng(7)
    prices = rng.normal(80, 60, 48)
    lim = OperatingLimits(min_run_s=2 * HOUR, min_idle_s=HOUR, restart_cost_usd=20, restart_cost_usd_per_mw=5)
    s = run(prices, lim)
    m = schedule_margin(s.power_w, prices, HP, CURVE, interval_s=HOUR, restart_cost_usd=20,
                        restart_cost_usd_per_mw=5)
    assert m.margin_usd == pytest.approx(s.objective_usd, abs=1e-4)


def test_bad_inputs_are_named():
    with pytest.raises(InputError, match="interval 1"):
        run([50, np.nan, 50])
    with pytest.raises(InputError, match="floor"):
        run([50, 50], OperatingLimits(contracted_min_load_w=0.5 * MW), cap_w=[np.nan, 0.1 * MW])
    with pytest.raises(InputError, match="concave"):
        ConcaveCurve(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0]))


def test_caps_and_floors_of_the_wrong_shape_or_sign_are_named():
    with pytest.raises(InputError, match=r"cap_w must be a scalar or have shape \(3,\)"):
        run([50, 50, 50], cap_w=[MW, MW])
    with pytest.raises(InputError, match="floor_w at interval 1"):
        run([50, 50, 50], floor_w=[np.nan, -1.0, np.nan])
    with pytest.raises(InputError, match="cap_w at interval 0"):
        run([50, 50, 50], cap_w=[np.inf, MW, MW])
    with pytest.raises(InputError, match="cap_w must be numbers"):
        run([50, 50, 50], cap_w=["a", "b", "c"])
    # a scalar cap applies to every interval
    assert np.all(run([50, 50, 50], cap_w=0.5 * MW).power_w <= 0.5 * MW + 1e-6)


def test_time_limit_without_a_solution_is_not_called_infeasible(monkeypatch):
    from types import SimpleNamespace

    import hashstack.energy.schedule_milp as sched

    monkeypatch.setattr(sched, "milp", lambda *a, **k: SimpleNamespace(x=None, status=1, message="Time limit reached"))
    idle_offer = DemandResponseEvent(start=0, stop=1, max_power_w=0.0, credit_usd=0.0)  # skip the flat-out shortcut
    with pytest.raises(HashstackError, match="time limit") as err:
        run([50, 50], dr_events=[idle_offer], time_limit_s=1.0)
    assert not isinstance(err.value, InputError)
    monkeypatch.setattr(sched, "milp", lambda *a, **k: SimpleNamespace(x=None, status=2, message="Infeasible"))
    with pytest.raises(InputError, match="infeasible"):
        run([50, 50], dr_events=[idle_offer])


def test_flat_out_shortcut_matches_the_solver():
    prices = np.array([10.0, 20.0, 99.0])
    fast = run(prices, block(min_run_s=2 * HOUR))
    assert "no solver" in fast.status
    idle_offer = DemandResponseEvent(start=0, stop=1, max_power_w=0.0, credit_usd=0.0)  # forces the solver path
    slow = run(prices, block(min_run_s=2 * HOUR), dr_events=[idle_offer])
    assert "no solver" not in slow.status
    assert fast.objective_usd == pytest.approx(slow.objective_usd, abs=1e-6) == pytest.approx(90 + 80 + 1)
