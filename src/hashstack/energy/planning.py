"""Plan a horizon with every programme: the MILP on a price forecast, then the arbitration that records
which programme drove each interval (see :mod:`hashstack.energy.arbitration` for the priorities).

The MILP already respects the manual caps, the 4CP windows and the demand-response events it chose
to take (so ramps and minimum times are planned around them); the arbitration then names the driver:
``manual``, ``demand_response``, ``4cp``, ``schedule`` (price-driven) or ``limit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashstack.energy.arbitration import DEMAND_RESPONSE, FOURCP, MANUAL, Decision, ProgramRequest, arbitrate
from hashstack.energy.power_curve import ConcaveCurve
from hashstack.energy.schedule import (
    DemandResponseEvent,
    InitialState,
    MarginBreakdown,
    OperatingLimits,
    Schedule,
    schedule_margin,
)
from hashstack.energy.schedule_milp import schedule_site
from hashstack.units import W_PER_MW

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """A planned horizon.

    Attributes
    ----------
    schedule : the MILP's result
    decision : arbitrated power and the driver of each interval
    margin : margin of the plan on the forecast prices (incl. DR credits taken)
    always_on : margin of running flat out on the same prices
    """

    schedule: Schedule
    decision: Decision
    margin: MarginBreakdown
    always_on: MarginBreakdown


def plan_with_programmes(
    price_usd_per_mwh: npt.ArrayLike,
    hashprice_usd_per_th_day: npt.ArrayLike,
    curve: ConcaveCurve,
    limits: OperatingLimits,
    *,
    interval_s: float = 900.0,
    pool_fee_frac: float = 0.0,
    fourcp_cap_w: npt.ArrayLike | None = None,
    manual_cap_w: npt.ArrayLike | None = None,
    dr_events: Sequence[DemandResponseEvent] = (),
    initial: InitialState | None = None,
) -> Plan:
    """Schedule a horizon on a forecast with 4CP windows, manual caps and demand-response offers.

    Parameters
    ----------
    price_usd_per_mwh : price forecast per interval [USD/MWh], shape ``(T,)``
    hashprice_usd_per_th_day : hashprice [USD per TH/s per day]
    curve, limits : site power curve and operating limits
    interval_s : interval length [s]
    pool_fee_frac : pool fee [-]
    fourcp_cap_w : 4CP window caps per interval (NaN = no window) [W]
    manual_cap_w : the operator's caps per interval (NaN = none) [W]
    dr_events : demand-response events (committed or offered)
    initial : state before the first interval
    """
    price = np.asarray(price_usd_per_mwh, dtype=float)
    n = price.size
    cp = np.full(n, np.nan) if fourcp_cap_w is None else np.asarray(fourcp_cap_w, dtype=float)
    man = np.full(n, np.nan) if manual_cap_w is None else np.asarray(manual_cap_w, dtype=float)
    sched = schedule_site(price, hashprice_usd_per_th_day, curve, limits, interval_s=interval_s,
                          pool_fee_frac=pool_fee_frac, cap_w=np.fmin(cp, man), dr_events=dr_events, initial=initial)
    dr_cap = np.full(n, np.nan)
    credit = 0.0
    for ev, taken in zip(dr_events, sched.dr_taken, strict=True):
        if taken:
            dr_cap[ev.start:ev.stop] = np.fmin(dr_cap[ev.start:ev.stop], ev.max_power_w)
            credit += ev.credit_usd
    decision = arbitrate(sched.power_w, [ProgramRequest.caps(MANUAL, man), ProgramRequest.caps(DEMAND_RESPONSE, dr_cap),
                                         ProgramRequest.caps(FOURCP, cp)],
                         capacity_w=curve.capacity_w, min_load_w=limits.contracted_min_load_w)
    p0 = curve.capacity_w if initial is None else initial.power_w

    def score(power_w: FloatArray, credit_usd: float) -> MarginBreakdown:
        return schedule_margin(power_w, price, hashprice_usd_per_th_day, curve, interval_s=interval_s,
                               pool_fee_frac=pool_fee_frac, restart_cost_usd=limits.restart_cost_usd,
                               restart_cost_usd_per_mw=limits.restart_cost_usd_per_mw,
                               on_threshold_w=limits.on_threshold_w(curve.capacity_w), initial_power_w=p0,
                               dr_credit_usd=credit_usd)

    return Plan(sched, decision, score(decision.power_w, credit), score(np.full(n, curve.capacity_w), 0.0))


def decision_runs(power_w: npt.ArrayLike, driver: npt.ArrayLike, price_usd_per_mwh: npt.ArrayLike,
                  labels: Sequence[str]) -> list[dict[str, object]]:
    """Consecutive intervals with the same power (to 0.1 MW) and driver, as rows for display.

    Parameters
    ----------
    power_w, driver, price_usd_per_mwh : per interval, shape ``(T,)``
    labels : a label per interval boundary, length ``T + 1`` (e.g. local clock times)
    """
    p = np.asarray(power_w, dtype=float)
    d = np.asarray(driver)
    c = np.asarray(price_usd_per_mwh, dtype=float)
    rows: list[dict[str, object]] = []
    start = 0
    for t in range(1, p.size + 1):
        if t == p.size or round(float(p[t]) / W_PER_MW, 1) != round(float(p[start]) / W_PER_MW, 1) or d[t] != d[start]:
            rows.append({"from": labels[start], "to": labels[t], "power_mw": round(float(p[start]) / W_PER_MW, 1),
                         "driver": str(d[start]),
                         "price_usd_per_mwh": f"{c[start:t].min():.0f}..{c[start:t].max():.0f}"})
            start = t
    return rows
