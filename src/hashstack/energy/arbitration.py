"""One arbitration decides the site's power when curtailment programs overlap.

Programs and their priorities (highest first):

1. ``manual``: an operator's schedule (set points or caps); the operator has the last word.
2. ``demand_response``: a committed demand-response event; breaking it costs penalties and
   eligibility, so it outranks any economic programme.
3. ``4cp``: a 4CP avoidance window; one missed coincident peak sets a year of transmission charges.
4. ``realtime``: the real-time breakeven layer (curtail when the realised price exceeds breakeven,
   restore when it falls back).
5. ``schedule``: the price-driven plan from the MILP (:mod:`hashstack.energy.schedule`).

The hard limits (``limit``: site capacity and the contracted minimum load) bound every programme.

Rule: walk the programmes from the highest priority down, keeping an allowed interval ``[lo, hi]``
that starts at the hard limits. An active cap lowers ``hi`` and an active floor raises ``lo``, but only
inside the interval the higher programmes left: a lower programme can never undo a higher one, so
programmes never fight. The plan is then clipped into ``[lo, hi]``; the decision records the programme
whose bound was binding (ties go to the bound; a request clipped by a higher programme's bound records
that higher programme), or ``schedule`` when the plan was inside the interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError

FloatArray = npt.NDArray[np.float64]

MANUAL = "manual"
DEMAND_RESPONSE = "demand_response"
FOURCP = "4cp"
REALTIME = "realtime"
SCHEDULE = "schedule"
LIMIT = "limit"
PRIORITY: tuple[str, ...] = (MANUAL, DEMAND_RESPONSE, FOURCP, REALTIME, SCHEDULE)


@dataclass(frozen=True, slots=True, eq=False)
class ProgramRequest:
    """What one programme asks for in each interval.

    Attributes
    ----------
    program : one of :data:`PRIORITY` (except ``schedule``, which is the plan itself)
    cap_w : highest power the programme allows per interval [W]; NaN where it is inactive
    floor_w : lowest power it requires per interval [W]; NaN where inactive. A set point is
        ``cap_w == floor_w``.
    """

    program: str
    cap_w: FloatArray
    floor_w: FloatArray

    @classmethod
    def caps(cls, program: str, cap_w: npt.ArrayLike) -> ProgramRequest:
        """A request made only of caps."""
        cap = np.asarray(cap_w, dtype=float)
        return cls(program, cap, np.full(cap.shape, np.nan))

    @classmethod
    def set_points(cls, program: str, power_w: npt.ArrayLike) -> ProgramRequest:
        """A request that fixes the power where it is not NaN."""
        p = np.asarray(power_w, dtype=float)
        return cls(program, p, p.copy())


@dataclass(frozen=True, slots=True, eq=False)
class Decision:
    """The arbitrated power and, per interval, the programme that drove it.

    Attributes
    ----------
    power_w : site power [W], shape ``(T,)``
    driver : programme name per interval, shape ``(T,)``
    """

    power_w: FloatArray
    driver: npt.NDArray[np.str_]

    def share_by_driver(self) -> dict[str, float]:
        """Fraction of intervals each programme drove [-]."""
        names, counts = np.unique(self.driver, return_counts=True)
        return {str(k): float(v) / self.driver.size for k, v in zip(names, counts, strict=True)}


def arbitrate(
    plan_w: npt.ArrayLike,
    requests: Sequence[ProgramRequest],
    *,
    capacity_w: float,
    min_load_w: float = 0.0,
    plan_driver: npt.ArrayLike | None = None,
    tol_w: float = 1.0,
) -> Decision:
    """Combine the plan with every programme's request by priority (see the module docstring).

    Parameters
    ----------
    plan_w : the price-driven plan [W], shape ``(T,)``
    requests : programme requests, in any order; each programme at most once
    capacity_w : site capacity [W]
    min_load_w : contracted minimum load [W]
    plan_driver : label of the plan per interval (default ``schedule``)
    tol_w : a plan within this of a bound counts as bound by it [W]

    Returns
    -------
    Decision
    """
    plan = np.asarray(plan_w, dtype=float)
    n = plan.size
    if min_load_w > capacity_w:
        raise InputError("contracted minimum load exceeds capacity")
    seen = [r.program for r in requests]
    for r in requests:
        if r.program not in PRIORITY or r.program == SCHEDULE:
            raise InputError(f"unknown programme {r.program!r}; expected one of {PRIORITY[:-1]}")
        if r.cap_w.shape != (n,) or r.floor_w.shape != (n,):
            raise InputError(f"programme {r.program!r}: requests must have shape ({n},)")
    if len(set(seen)) != len(seen):
        raise InputError("each programme may make only one request")
    lo = np.full(n, float(min_load_w))
    hi = np.full(n, float(capacity_w))
    lo_src = np.full(n, LIMIT, dtype=object)
    hi_src = np.full(n, LIMIT, dtype=object)
    by_name = {r.program: r for r in requests}
    for name in PRIORITY:
        if name not in by_name:
            continue
        r = by_name[name]
        cap = np.clip(r.cap_w, lo, hi)
        lower = ~np.isnan(r.cap_w) & (cap < hi)
        hi = np.where(lower, cap, hi)
        # a request clipped by a higher programme's bound is that programme's doing
        hi_src = np.where(lower, np.where((r.cap_w < lo - tol_w) & (lo_src != LIMIT), lo_src, name), hi_src)
        floor = np.clip(r.floor_w, lo, hi)
        raise_ = ~np.isnan(r.floor_w) & (floor > lo)
        lo = np.where(raise_, floor, lo)
        lo_src = np.where(raise_, np.where((r.floor_w > hi + tol_w) & (hi_src != LIMIT), hi_src, name), lo_src)
    power = np.clip(plan, lo, hi)
    base = np.full(n, SCHEDULE, dtype=object) if plan_driver is None else np.asarray(plan_driver, dtype=object)
    driver = base.copy()
    at_lo = (np.abs(plan - lo) <= tol_w) & (lo_src != LIMIT)
    at_hi = (np.abs(plan - hi) <= tol_w) & (hi_src != LIMIT)
    driver = np.where(at_lo, lo_src, driver)
    driver = np.where(at_hi, hi_src, driver)
    driver = np.where(plan < lo - tol_w, lo_src, driver)
    driver = np.where(plan > hi + tol_w, hi_src, driver)
    return Decision(power_w=power, driver=driver.astype(str))
