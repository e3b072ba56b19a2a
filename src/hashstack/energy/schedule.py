"""Curtailment scheduling records and the common scoring: operating limits, initial state, demand-response
events, a schedule, and :func:`schedule_margin`, which scores any power schedule on given prices.

The optimiser that chooses the schedule (a MILP) is :func:`hashstack.energy.schedule_milp.schedule_site`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hashstack.energy.power_curve import ConcaveCurve
from hashstack.errors import InputError
from hashstack.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, W_PER_MW

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class OperatingLimits:
    """Operating limits of a site.

    Attributes
    ----------
    min_run_s : once started, the site runs at least this long [s]
    min_idle_s : once stopped, the site stays off at least this long [s]
    ramp_w_per_s : largest change of site power per second [W/s]; ``None`` means no limit
    restart_cost_usd : cost of one start-up of the site from stopped [USD]
    restart_cost_usd_per_mw : cost of bringing one MW of machines back (hash lost while they boot,
        wear), charged on every increase of site power [USD/MW]
    contracted_min_load_w : power the supply contract obliges the site to draw in every interval [W]
    min_on_power_w : below this the site counts as stopped [W]; 0 uses 0.1% of capacity
    """

    min_run_s: float = 0.0
    min_idle_s: float = 0.0
    ramp_w_per_s: float | None = None
    restart_cost_usd: float = 0.0
    restart_cost_usd_per_mw: float = 0.0
    contracted_min_load_w: float = 0.0
    min_on_power_w: float = 0.0

    def __post_init__(self) -> None:
        for name in ("min_run_s", "min_idle_s", "restart_cost_usd", "restart_cost_usd_per_mw",
                     "contracted_min_load_w", "min_on_power_w"):
            if getattr(self, name) < 0 or not math.isfinite(getattr(self, name)):
                raise InputError(f"operating limit {name} must be finite and >= 0")
        if self.ramp_w_per_s is not None and not self.ramp_w_per_s > 0:
            raise InputError("operating limit ramp_w_per_s must be > 0 (or None for no limit)")

    def steps(self, duration_s: float, interval_s: float) -> int:
        """A duration as a whole number of intervals, rounded up."""
        return math.ceil(duration_s / interval_s - 1e-9)

    def on_threshold_w(self, capacity_w: float) -> float:
        """Power at and above which the site counts as running [W]."""
        return self.min_on_power_w if self.min_on_power_w > 0 else 1e-3 * capacity_w


@dataclass(frozen=True, slots=True)
class InitialState:
    """The site's state just before the first interval.

    Attributes
    ----------
    power_w : power in the previous interval [W]
    steps_in_state : intervals the site has been running (or stopped) so far; large means "long enough"
    """

    power_w: float
    steps_in_state: int = 10**6


@dataclass(frozen=True, slots=True)
class DemandResponseEvent:
    """A demand-response event: hold the site at or below ``max_power_w`` over intervals ``[start, stop)``.

    Attributes
    ----------
    start, stop : interval indices, half-open
    max_power_w : site power allowed during the event [W]
    credit_usd : what the programme pays for taking part [USD]
    committed : ``True`` when the site is already committed (it must comply); ``False`` lets the
        scheduler decide whether the credit is worth the lost margin
    name : label recorded with the decision
    """

    start: int
    stop: int
    max_power_w: float
    credit_usd: float
    committed: bool = False
    name: str = "demand_response"


@dataclass(frozen=True, slots=True, eq=False)
class Schedule:
    """An optimised schedule.

    Attributes
    ----------
    power_w : site power per interval [W], shape ``(T,)``
    hashrate_ths : site hash rate per interval [TH/s], shape ``(T,)``
    running : the site runs, shape ``(T,)``
    starts : a start-up happens in the interval, shape ``(T,)``
    dr_taken : one flag per demand-response event
    objective_usd : margin the solver maximised (incl. restart costs and DR credits) [USD]
    status : HiGHS status message
    mip_gap_frac : relative MIP gap of the returned solution [-] (0 when proven optimal; larger when the
        time limit stopped the solver with a feasible solution)
    """

    power_w: FloatArray
    hashrate_ths: FloatArray
    running: npt.NDArray[np.bool_]
    starts: npt.NDArray[np.bool_]
    dr_taken: npt.NDArray[np.bool_]
    objective_usd: float
    status: str = ""
    mip_gap_frac: float = field(default=0.0)


@dataclass(frozen=True, slots=True)
class MarginBreakdown:
    """Mining margin of a power schedule on given prices.

    Attributes
    ----------
    revenue_usd : mining revenue after pool fee [USD]
    energy_cost_usd : energy bought [USD]
    restart_cost_usd : restart costs [USD]
    dr_credit_usd : demand-response credits earned [USD]
    energy_mwh : energy drawn [MWh]
    starts : number of start-ups
    margin_usd : revenue - energy cost - restart cost + credits [USD]
    """

    revenue_usd: float
    energy_cost_usd: float
    restart_cost_usd: float
    dr_credit_usd: float
    energy_mwh: float
    starts: int
    margin_usd: float


def as_interval_series(x: npt.ArrayLike, n: int, name: str) -> FloatArray:
    """A scalar or a length-``n`` array as a finite float array of shape ``(n,)``; names the bad interval."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape != (n,):
        raise InputError(f"{name} must be a scalar or have shape ({n},), got {a.shape}")
    if not np.all(np.isfinite(a)):
        bad = int(np.flatnonzero(~np.isfinite(a))[0])
        raise InputError(f"{name} is not finite at interval {bad}")
    return a


def schedule_margin(
    power_w: npt.ArrayLike,
    price_usd_per_mwh: npt.ArrayLike,
    hashprice_usd_per_th_day: npt.ArrayLike,
    curve: ConcaveCurve,
    *,
    interval_s: float = 900.0,
    pool_fee_frac: float = 0.0,
    restart_cost_usd: float = 0.0,
    restart_cost_usd_per_mw: float = 0.0,
    on_threshold_w: float | None = None,
    initial_power_w: float | None = None,
    dr_credit_usd: float = 0.0,
) -> MarginBreakdown:
    """Margin of any power schedule on given (realised) prices; every policy is scored by this.

    Parameters
    ----------
    power_w : site power per interval [W], shape ``(T,)``
    price_usd_per_mwh : price per interval [USD/MWh]
    hashprice_usd_per_th_day : hashprice, scalar or per interval [USD per TH/s per day]
    curve : the site's power curve (hash rate from power)
    interval_s : interval length [s]
    pool_fee_frac : pool fee [-]
    restart_cost_usd : cost per start-up [USD]
    restart_cost_usd_per_mw : cost per MW of power brought back [USD/MW]
    on_threshold_w : power at which the site counts as running [W] (default 0.1% of capacity)
    initial_power_w : power in the interval before the first [W] (default: capacity)
    dr_credit_usd : demand-response credits earned over the period [USD]
    """
    p = np.asarray(power_w, dtype=float)
    n = p.size
    price = as_interval_series(price_usd_per_mwh, n, "price_usd_per_mwh")
    hp = as_interval_series(hashprice_usd_per_th_day, n, "hashprice_usd_per_th_day")
    h = curve.hashrate_at(p)
    dt_h = interval_s / SECONDS_PER_HOUR
    revenue = float(np.sum(hp * (1 - pool_fee_frac) * h) * interval_s / SECONDS_PER_DAY)
    energy_mwh_t = p * dt_h / W_PER_MW
    cost = float(np.sum(price * energy_mwh_t))
    thr = on_threshold_w if on_threshold_w is not None else 1e-3 * curve.capacity_w
    p0 = curve.capacity_w if initial_power_w is None else initial_power_w
    tol = 1e-6 * curve.capacity_w  # solver tolerance on a power at the threshold
    on = p >= thr - tol
    prev = np.concatenate([[p0 >= thr - tol], on[:-1]])
    starts = int(np.sum(on & ~prev))
    prev_p = np.concatenate([[p0], p[:-1]])
    restart = starts * restart_cost_usd + float(np.clip(p - prev_p, 0, None).sum()) / W_PER_MW * restart_cost_usd_per_mw
    return MarginBreakdown(
        revenue_usd=revenue,
        energy_cost_usd=cost,
        restart_cost_usd=restart,
        dr_credit_usd=dr_credit_usd,
        energy_mwh=float(energy_mwh_t.sum()),
        starts=starts,
        margin_usd=revenue - cost - restart + dr_credit_usd,
    )
