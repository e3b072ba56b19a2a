"""Fleet power allocation (optimal operating points under nested caps), the site power curve, and
staged actuation of an allocation."""

from hashstack.power.allocation import (
    Allocation,
    CapTree,
    Objective,
    PowerProblem,
    allocate,
    concave_hulls,
    daily_margin_usd,
    solve_lp,
)
from hashstack.power.curve import PowerCurve, site_power_curve
from hashstack.power.operating_points import derated_points, thermal_ceiling_frac
from hashstack.power.practices import PracticeResult, least_efficient_off, uniform_underclock

__all__ = [
    "Allocation",
    "CapTree",
    "Objective",
    "PowerCurve",
    "PowerProblem",
    "PracticeResult",
    "allocate",
    "concave_hulls",
    "daily_margin_usd",
    "derated_points",
    "least_efficient_off",
    "site_power_curve",
    "solve_lp",
    "thermal_ceiling_frac",
    "uniform_underclock",
]
