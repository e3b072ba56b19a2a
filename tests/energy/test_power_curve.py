"""The scheduler's power curve: the envelope by hand, and the scheduler consuming the allocator's site curve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT
from hashstack.energy.power_curve import concave_envelope, envelope_of, scheduling_curve
from hashstack.fleet import read_site

MW = 1e6


def test_envelope_by_hand():
    # tuned points of 10 machines: (3 kW, 100 TH/s), (4 kW, 120), (5 kW, 130); best TH/W is the first
    c = concave_envelope([3e4, 4e4, 5e4], [1000.0, 1200.0, 1300.0])
    np.testing.assert_allclose(c.power_w, [0, 3e4, 4e4, 5e4])
    np.testing.assert_allclose(c.hashrate_at([1.5e4, 3.5e4]), [500.0, 1100.0])
    # a point under the chord is dropped; a falling tail is cut
    c = concave_envelope([1.0, 2.0, 3.0, 4.0], [10.0, 12.0, 15.0, 14.0])
    np.testing.assert_allclose(c.power_w, [0, 1, 3])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(0, 1e5)), min_size=1, max_size=12))
def test_envelope_dominates_every_point_and_is_concave(points):
    p = np.array([q[0] for q in points])
    h = np.array([q[1] for q in points])
    if h.max() <= 0:
        return
    c = concave_envelope(p, h)
    assert np.all(np.diff(c.segment_slope_ths_per_w) <= 1e-12)
    reach = np.minimum(p, c.capacity_w)
    # every operating point is on or under the envelope (points beyond capacity only fall)
    assert np.all(c.hashrate_at(reach) >= np.where(p <= c.capacity_w, h, 0) - 1e-6 * max(1.0, h.max()))


def test_envelope_of_an_allocator_curve_by_hand():
    from hashstack.power import PowerCurve

    # levels 0, 1, 2, 3 MW; the allocator used 2.9 MW at the top level (margin objective leaving power
    # unused) and the 1 MW level is under the chord 0 -> 2 MW, so the envelope bridges it
    c = PowerCurve(np.array([0, 1, 2, 3]) * MW, np.array([0, 1, 2, 2.9]) * MW, np.array([0.0, 30e3, 70e3, 80e3]),
                   np.full(4, np.nan), np.zeros(4), "hashrate")
    env = envelope_of(c)
    np.testing.assert_allclose(env.power_w, [0, 2 * MW, 2.9 * MW])
    np.testing.assert_allclose(env.hashrate_ths, [0, 70e3, 80e3])


@pytest.mark.slow
def test_scheduler_runs_on_the_allocator_site_curve():
    """The curve from hashstack.power passes through the allocator's levels and drives the MILP: the
    breakeven of each piece decides how much of the site runs."""
    from hashstack.energy.schedule import OperatingLimits
    from hashstack.energy.schedule_milp import schedule_site
    from hashstack.power import PowerProblem, site_power_curve
    from hashstack.power.site import site_fleet

    site = read_site(REPO_ROOT / "examples" / "site.toml")
    curve = scheduling_curve(site, n_levels=6, n_points=4)
    fleet = site_fleet(site, n_points=4)
    theirs = site_power_curve(PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree), [10 * MW, 30 * MW])
    # the allocator's levels lie on the envelope (to its LP-repair tolerance)
    np.testing.assert_allclose(curve.hashrate_at(theirs.power_used_w), theirs.hashrate_ths, rtol=2e-3)
    assert curve.capacity_w == pytest.approx(50 * MW, rel=1e-3)
    # a price between the breakevens of the first and the last piece: the site runs part-loaded,
    # exactly the pieces whose breakeven is at or above the price
    hp = 0.05
    slopes = curve.segment_slope_ths_per_w
    breakeven = hp * (1 - site.pool_fee_frac) * slopes * MW / 24.0  # USD/MWh per piece
    price = 0.5 * (breakeven[0] + breakeven[-1])
    s = schedule_site(np.full(4, price), hp, curve, OperatingLimits(), pool_fee_frac=site.pool_fee_frac)
    expected = curve.segment_length_w[breakeven >= price].sum()
    assert 0 < expected < curve.capacity_w
    np.testing.assert_allclose(s.power_w, expected, rtol=1e-6)
