"""Arbitration priority cases and the real-time layer."""

from __future__ import annotations

import numpy as np
import pytest

from hashstack.energy.arbitration import (
    DEMAND_RESPONSE,
    FOURCP,
    MANUAL,
    REALTIME,
    ProgramRequest,
    arbitrate,
)
from hashstack.energy.power_curve import concave_envelope
from hashstack.energy.realtime import (
    enforce_limits,
    marginal_power_w,
    observed_price,
    realtime_request,
    site_breakeven_usd_per_mwh,
    threshold_power_w,
)
from hashstack.energy.schedule import InitialState, OperatingLimits
from hashstack.errors import InputError

MW = 1e6
NAN = np.nan
CURVE = concave_envelope([MW], [50_000.0])  # 20 J/TH; breakeven 100 USD/MWh at hashprice 0.048


def test_plan_passes_when_no_programme_binds():
    d = arbitrate([MW, 0.5 * MW], [], capacity_w=MW)
    np.testing.assert_allclose(d.power_w, [MW, 0.5 * MW])
    assert d.driver.tolist() == ["schedule", "schedule"]


def test_4cp_outranks_realtime_restore():
    # realtime wants to restore full power, the 4CP window caps at 0: 4CP wins
    rt = ProgramRequest(REALTIME, np.array([NAN]), np.array([MW]))
    cp = ProgramRequest.caps(FOURCP, [0.0])
    d = arbitrate([0.0], [rt, cp], capacity_w=MW)
    assert d.power_w.tolist() == [0.0]
    assert d.driver.tolist() == ["4cp"]


def test_manual_outranks_everything():
    manual = ProgramRequest.set_points(MANUAL, [0.8 * MW, NAN])
    dr = ProgramRequest.caps(DEMAND_RESPONSE, [0.2 * MW, 0.2 * MW])
    cp = ProgramRequest.caps(FOURCP, [0.0, 0.0])
    d = arbitrate([MW, MW], [cp, dr, manual], capacity_w=MW)
    np.testing.assert_allclose(d.power_w, [0.8 * MW, 0.0])
    # interval 0: manual set point; interval 1: DR caps at 0.2 MW, then 4CP lowers to 0 (inside DR's cap)
    assert d.driver.tolist() == ["manual", "4cp"]


def test_dr_outranks_4cp_floor_of_contract():
    # contracted minimum load 0.3 MW: a 4CP cap at 0 is clipped to it, the limit drives
    cp = ProgramRequest.caps(FOURCP, [0.0])
    d = arbitrate([MW], [cp], capacity_w=MW, min_load_w=0.3 * MW)
    np.testing.assert_allclose(d.power_w, [0.3 * MW])
    assert d.driver.tolist() == ["4cp"]


def test_lower_programme_cannot_undo_higher():
    dr = ProgramRequest.caps(DEMAND_RESPONSE, [0.4 * MW])
    rt = ProgramRequest(REALTIME, np.array([NAN]), np.array([MW]))  # restore to full: not allowed over DR
    d = arbitrate([0.0], [rt, dr], capacity_w=MW)
    np.testing.assert_allclose(d.power_w, [0.4 * MW])
    assert d.driver.tolist() == ["demand_response"]
    assert d.share_by_driver() == {"demand_response": 1.0}


def test_realtime_curtails_above_breakeven():
    plan = np.array([MW, MW, 0.0])
    # lag 0 (the upper bound: acts on the interval's own price)
    req = realtime_request(plan, [50.0, 150.0, 50.0], 0.048, CURVE, lag_intervals=0)
    d = arbitrate(plan, [req], capacity_w=MW)
    np.testing.assert_allclose(d.power_w, [MW, 0.0, MW])
    assert d.driver.tolist() == ["schedule", "realtime", "realtime"]
    no_restore = realtime_request(plan, [50.0, 150.0, 50.0], 0.048, CURVE, restore=False, lag_intervals=0)
    assert arbitrate(plan, [no_restore], capacity_w=MW).power_w[2] == 0.0
    # the default acts on the last settled interval: it curtails one interval late
    late = arbitrate(plan, [realtime_request(plan, [50.0, 150.0, 50.0], 0.048, CURVE)], capacity_w=MW)
    np.testing.assert_allclose(late.power_w, [MW, MW, 0.0])


def test_arbitration_rejects_bad_requests():
    with pytest.raises(InputError, match="programme"):
        arbitrate([1.0], [ProgramRequest.caps("schedule", [0.0])], capacity_w=MW)
    with pytest.raises(InputError, match="only one"):
        arbitrate([1.0], [ProgramRequest.caps(FOURCP, [0.0]), ProgramRequest.caps(FOURCP, [0.0])], capacity_w=MW)


def test_breakeven_matches_hand_value():
    assert float(site_breakeven_usd_per_mwh(CURVE, 0.048)) == pytest.approx(100.0)
    assert float(site_breakeven_usd_per_mwh(CURVE, 0.048, 0.02)) == pytest.approx(98.0)
    two = concave_envelope([0.5 * MW, MW], [30_000.0, 50_000.0])  # breakevens 120 and 80
    np.testing.assert_allclose(marginal_power_w([70.0, 100.0, 130.0, -5.0], 0.048, two), [MW, 0.5 * MW, 0, MW])


def test_threshold_rule_and_lag():
    prices = [50.0, 150.0, 150.0, 50.0]
    np.testing.assert_allclose(
        threshold_power_w(prices, 0.048, CURVE, OperatingLimits(), interval_s=3600, lag_intervals=0),
        [MW, 0, 0, MW])
    # default: the last settled interval's price
    np.testing.assert_allclose(threshold_power_w(prices, 0.048, CURVE, OperatingLimits(), interval_s=3600),
                               [MW, MW, 0, 0])
    np.testing.assert_allclose(observed_price([1.0, 2.0, 3.0], 2), [1.0, 1.0, 1.0])


def test_enforce_limits_holds_min_times_and_ramps():
    lim = OperatingLimits(min_run_s=7200, min_idle_s=7200, ramp_w_per_s=0.5 * MW / 3600)
    out = enforce_limits([0, 0, 0, MW, 0, MW], CURVE, lim, interval_s=3600,
                         initial=InitialState(power_w=MW, steps_in_state=1))
    # run 1 h so far: the first stop must wait one interval; the ramp halves every move
    np.testing.assert_allclose(out, [MW, 0.5 * MW, 0.0, 0.0, 0.0, 0.5 * MW])
