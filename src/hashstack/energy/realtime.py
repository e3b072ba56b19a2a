"""The real-time layer: curtail when the realised price exceeds breakeven (what operators do today).

Breakeven of a watt on piece ``k`` of the site's power curve (marginal hash rate ``g_k`` [TH/s per W]):

    c*_k = hp (1 - f) g_k 1e6 / 24     [USD/MWh]

which for a single efficiency ``e = 1/g`` [J/TH] is the usual breakeven ``hp (1 - f) / (e 24e-6)``
(:func:`hashstack.economics.breakeven_power_price_usd_per_mwh`). Two rules use it:

* the **breakeven-threshold rule** (``mode="site"``): run the whole site when the price is at or below the
  breakeven of the site at full power, otherwise drop to the contracted minimum load;
* the **marginal rule** (``mode="marginal"``): run every piece whose breakeven is at or above the
  price, so a tunable fleet sheds its least efficient watts first.

The prices are 15-minute settlement prices, each the time-weighted average of the interval's three
5-minute SCED prices [1]_, so an interval's price is known only when it ends. Both rules therefore act by
default on the last settled interval's price (``lag_intervals=1``). ``lag_intervals=0`` acts on the
interval's own average price: look-ahead, useful only as an upper bound on a real-time controller (one
that sees each 5-minute SCED price as it clears knows part of it, not all). Minimum run and idle
times and ramp limits are honoured by holding the previous state; restart costs are not considered
(that is the rule's known weakness, which the MILP addresses).

References
----------
.. [1] ERCOT Nodal Protocols, section 6.6.1 (real-time settlement point prices as time-weighted
   averages of SCED locational marginal prices over the 15-minute settlement interval).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from hashstack.economics import breakeven_power_price_usd_per_mwh
from hashstack.energy.arbitration import REALTIME, ProgramRequest
from hashstack.energy.power_curve import ConcaveCurve
from hashstack.energy.schedule import InitialState, OperatingLimits, as_interval_series
from hashstack.errors import InputError
from hashstack.units import HOURS_PER_DAY, W_PER_MW

FloatArray = npt.NDArray[np.float64]


def site_breakeven_usd_per_mwh(
    curve: ConcaveCurve, hashprice_usd_per_th_day: npt.ArrayLike, pool_fee_frac: float = 0.0
) -> FloatArray:
    """Breakeven power price of the whole site at full power [USD/MWh].

    Parameters
    ----------
    curve : the site's power curve (its efficiency at capacity is ``capacity_w / hashrate_max_ths``)
    hashprice_usd_per_th_day : hashprice [USD per TH/s per day]
    pool_fee_frac : pool fee [-]
    """
    eff_j_per_th = curve.capacity_w / curve.hashrate_max_ths
    return np.asarray(breakeven_power_price_usd_per_mwh(eff_j_per_th, np.asarray(hashprice_usd_per_th_day,
                                                                                  dtype=float), pool_fee_frac))


def marginal_power_w(
    price_usd_per_mwh: npt.ArrayLike,
    hashprice_usd_per_th_day: npt.ArrayLike,
    curve: ConcaveCurve,
    pool_fee_frac: float = 0.0,
) -> FloatArray:
    """Instantaneously optimal site power: every piece whose breakeven is at or above the price [W]."""
    price = np.asarray(price_usd_per_mwh, dtype=float)
    hp = np.broadcast_to(np.asarray(hashprice_usd_per_th_day, dtype=float), price.shape)
    revenue_per_mwh_per_slope = hp * (1.0 - pool_fee_frac) * W_PER_MW / HOURS_PER_DAY
    with np.errstate(divide="ignore", invalid="ignore"):
        min_slope = np.where(revenue_per_mwh_per_slope > 0, price / revenue_per_mwh_per_slope, np.inf)
    min_slope = np.where(price <= 0, 0.0, min_slope)  # free or paid energy: run everything
    return curve.power_for_marginal_value(min_slope)


def observed_price(price_usd_per_mwh: npt.ArrayLike, lag_intervals: int) -> FloatArray:
    """The price a controller sees in each interval: the price ``lag_intervals`` earlier.

    The first ``lag_intervals`` intervals see the first price (there is no earlier one in the input).
    """
    p = np.asarray(price_usd_per_mwh, dtype=float)
    if lag_intervals < 0:
        raise InputError("lag_intervals must be >= 0")
    if lag_intervals == 0 or p.size == 0:
        return p
    return np.concatenate([np.full(min(lag_intervals, p.size), p[0]), p[:-lag_intervals]])[: p.size]


def enforce_limits(
    target_w: npt.ArrayLike,
    curve: ConcaveCurve,
    limits: OperatingLimits,
    *,
    interval_s: float = 900.0,
    initial: InitialState | None = None,
) -> FloatArray:
    """Follow a target power trajectory as closely as minimum times and ramps allow, interval by interval.

    A stop the minimum run time forbids keeps the previous power; a start the minimum idle time forbids
    stays off; a change larger than the ramp limit moves by the limit. The contracted minimum load is a
    floor throughout.
    """
    target = np.clip(np.asarray(target_w, dtype=float), limits.contracted_min_load_w, curve.capacity_w)
    init = initial if initial is not None else InitialState(power_w=curve.capacity_w)
    p_on = limits.on_threshold_w(curve.capacity_w) - 1e-6 * curve.capacity_w
    mu = limits.steps(limits.min_run_s, interval_s)
    md = limits.steps(limits.min_idle_s, interval_s)
    ramp = np.inf if limits.ramp_w_per_s is None else limits.ramp_w_per_s * interval_s
    out = np.empty_like(target)
    prev = float(init.power_w)
    on = prev >= p_on
    in_state = int(init.steps_in_state)
    for t, want in enumerate(target.tolist()):
        want_on = want >= p_on
        if on and not want_on and in_state < mu:
            want = prev  # minimum run time: keep running
        elif not on and want_on and in_state < md:
            want = prev  # minimum idle time: stay off
        want = min(max(want, prev - ramp), prev + ramp)
        now_on = want >= p_on
        in_state = in_state + 1 if now_on == on else 1
        on = now_on
        prev = want
        out[t] = want
    return out


def threshold_power_w(
    price_usd_per_mwh: npt.ArrayLike,
    hashprice_usd_per_th_day: npt.ArrayLike,
    curve: ConcaveCurve,
    limits: OperatingLimits,
    *,
    interval_s: float = 900.0,
    pool_fee_frac: float = 0.0,
    lag_intervals: int = 1,
    mode: Literal["site", "marginal"] = "site",
    initial: InitialState | None = None,
) -> FloatArray:
    """Power of the breakeven rule on realised prices (see the module docstring) [W], shape ``(T,)``."""
    price = np.asarray(price_usd_per_mwh, dtype=float)
    n = price.size
    hp = as_interval_series(hashprice_usd_per_th_day, n, "hashprice_usd_per_th_day")
    seen = observed_price(as_interval_series(price, n, "price_usd_per_mwh"), lag_intervals)
    if mode == "site":
        target = np.where(seen <= site_breakeven_usd_per_mwh(curve, hp, pool_fee_frac), curve.capacity_w, 0.0)
    elif mode == "marginal":
        target = marginal_power_w(seen, hp, curve, pool_fee_frac)
    else:
        raise InputError(f"mode must be 'site' or 'marginal', not {mode!r}")
    return enforce_limits(target, curve, limits, interval_s=interval_s, initial=initial)


def realtime_request(
    plan_w: npt.ArrayLike,
    price_usd_per_mwh: npt.ArrayLike,
    hashprice_usd_per_th_day: npt.ArrayLike,
    curve: ConcaveCurve,
    *,
    pool_fee_frac: float = 0.0,
    lag_intervals: int = 1,
    restore: bool = True,
) -> ProgramRequest:
    """The real-time layer's request on top of a plan: cap where the realised price is above breakeven.

    Where the price seen is above the breakeven of the plan's marginal watt, the layer caps the site at
    the marginal rule's power (it curtails); with ``restore`` it also raises a floor to that power where
    the plan curtailed but the realised price says mining pays (the forecast was wrong).

    Parameters
    ----------
    plan_w : the plan [W], shape ``(T,)``
    price_usd_per_mwh : realised prices [USD/MWh]
    hashprice_usd_per_th_day : hashprice [USD per TH/s per day]
    curve : site power curve
    pool_fee_frac : pool fee [-]
    lag_intervals : how stale the price the layer sees is, in intervals (1 = the last settled interval;
        0 = the interval's own average price: look-ahead, an upper bound only)
    restore : also restore power the plan curtailed when the realised price is below breakeven
    """
    plan = np.asarray(plan_w, dtype=float)
    n = plan.size
    seen = observed_price(as_interval_series(price_usd_per_mwh, n, "price_usd_per_mwh"), lag_intervals)
    hp = as_interval_series(hashprice_usd_per_th_day, n, "hashprice_usd_per_th_day")
    best = marginal_power_w(seen, hp, curve, pool_fee_frac)
    cap = np.where(best < plan - 1.0, best, np.nan)
    floor = np.where(restore & (best > plan + 1.0), best, np.nan)
    return ProgramRequest(REALTIME, cap, floor)
