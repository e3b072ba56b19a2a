"""The site power curve: envelope by hand, and agreement with the power-allocation optimiser."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT
from hashstack.energy.power_curve import concave_power_curve, site_power_curve
from hashstack.fleet import read_site

MW = 1e6


def test_envelope_by_hand():
    # tuned points of 10 machines: (3 kW, 100 TH/s), (4 kW, 120), (5 kW, 130); best TH/W is the first
    c = concave_power_curve([3e4, 4e4, 5e4], [1000.0, 1200.0, 1300.0])
    np.testing.assert_allclose(c.power_w, [0, 3e4, 4e4, 5e4])
    np.testing.assert_allclose(c.hashrate_at([1.5e4, 3.5e4]), [500.0, 1100.0])
    # a point under the chord is dropped; a falling tail is cut
    c = concave_power_curve([1.0, 2.0, 3.0, 4.0], [10.0, 12.0, 15.0, 14.0])
    np.testing.assert_allclose(c.power_w, [0, 1, 3])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(0, 1e5)), min_size=1, max_size=12))
def test_envelope_dominates_every_point_and_is_concave(points):
    p = np.array([q[0] for q in points])
    h = np.array([q[1] for q in points])
    if h.max() <= 0:
        return
    c = concave_power_curve(p, h)
    assert np.all(np.diff(c.segment_slope_ths_per_w) <= 1e-12)
    reach = np.minimum(p, c.capacity_w)
    # every operating point is on or under the envelope (points beyond capacity only fall)
    assert np.all(c.hashrate_at(reach) >= np.where(p <= c.capacity_w, h, 0) - 1e-6 * max(1.0, h.max()))


def test_site_curve_matches_the_power_allocation_optimiser():
    from hashstack.power import PowerProblem
    from hashstack.power import site_power_curve as allocation_curve
    from hashstack.power.site import site_fleet

    site = read_site(REPO_ROOT / "examples" / "site.toml")
    mine = site_power_curve(site, 4)
    fleet = site_fleet(site, n_points=4)
    theirs = allocation_curve(PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree),
                              [5 * MW, 20 * MW, 40 * MW, 50 * MW])
    # the allocator picks whole machines; the envelope may split one, so agreement is to ~1 machine
    np.testing.assert_allclose(mine.hashrate_at(theirs.power_w), theirs.hashrate_ths, rtol=1e-4)
    assert mine.capacity_w == pytest.approx(50 * MW)
