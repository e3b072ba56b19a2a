"""The site power curve: the best hash rate (and margin) at every power level from zero to the cap.

The curtailment scheduler asks "if the site may draw P, what does it earn?". The answer is the
allocator's optimum with the site cap set to P, for every P on a grid; the nested caps (containers,
transformers) stay as they are. The problem is prepared once (hulls and slope order), so each level
costs one LP pass and one repair. With the margin objective, levels above the point where every
remaining machine is below breakeven leave power unused (``power_used_w < power_w``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.power.allocation import PowerProblem, daily_margin_usd

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PowerCurve:
    """Best allocation at each power level.

    Attributes
    ----------
    power_w : power levels (site caps), increasing, ``(n_levels,)`` [W]
    power_used_w : power the best allocation draws at each level [W]
    hashrate_ths : its hash rate [TH/s]
    margin_usd_per_day : its daily margin (NaN without prices) [USD/day]
    value_lp_bound : LP upper bound on the objective at each level (TH/s or USD/day)
    objective : ``"hashrate"`` or ``"margin"``
    """

    power_w: FloatArray
    power_used_w: FloatArray
    hashrate_ths: FloatArray
    margin_usd_per_day: FloatArray
    value_lp_bound: FloatArray
    objective: str


def site_power_curve(problem: PowerProblem, power_levels_w: npt.ArrayLike | None = None, *,
                     n_levels: int = 51, hashprice_usd_per_th_day: float | None = None,
                     price_usd_per_mwh: float | None = None, pool_fee_frac: float | None = None) -> PowerCurve:
    """Best hash rate and margin at each site power level.

    Parameters
    ----------
    problem : the prepared allocation problem (its objective decides what "best" means)
    power_levels_w : levels to evaluate [W]; default ``n_levels`` evenly from 0 to the site cap
    n_levels : number of levels when ``power_levels_w`` is not given
    hashprice_usd_per_th_day, price_usd_per_mwh, pool_fee_frac : to report the margin under the
        hash-rate objective [USD/TH/day], [USD/MWh], [-]; default the margin objective's own

    Returns
    -------
    :class:`PowerCurve`.
    """
    obj = problem.objective
    hp = hashprice_usd_per_th_day if hashprice_usd_per_th_day is not None else obj.hashprice_usd_per_th_day
    price = price_usd_per_mwh if price_usd_per_mwh is not None else obj.price_usd_per_mwh
    fee = pool_fee_frac if pool_fee_frac is not None else obj.pool_fee_frac
    if power_levels_w is None:
        cap = float(problem.tree.effective_cap_w[0])
        if not np.isfinite(cap):
            cap = float(np.nansum(np.nanmax(np.where(np.isnan(problem.power_w), 0.0, problem.power_w), axis=1)))
        if n_levels < 2:
            raise InputError("n_levels must be >= 2")
        levels = np.linspace(0.0, cap, n_levels)
    else:
        levels = np.asarray(power_levels_w, dtype=float)
        if levels.ndim != 1 or np.any(np.diff(levels) < 0) or np.any(levels < 0):
            raise InputError("power levels must be a non-negative increasing 1-D array")
    used = np.empty(len(levels))
    hashrate = np.empty(len(levels))
    margin = np.full(len(levels), np.nan)
    bound = np.empty(len(levels))
    for i, level in enumerate(levels):
        a = problem.solve(float(level), exact_max_points=0)
        used[i] = a.total_power_w
        hashrate[i] = a.total_hashrate_ths
        bound[i] = a.lp_bound
        if hp is not None and price is not None:
            margin[i] = float(daily_margin_usd(a.hashrate_ths, a.power_w, hp, price, fee).sum())
    return PowerCurve(levels, used, hashrate, margin, bound, obj.kind)
