"""The curtailment MILP: the site's power in each interval that maximises mining margin.

Model
-----
For intervals ``t = 0..T-1`` of length ``dt`` and a site power curve with pieces ``k`` of width ``L_k`` [W]
and marginal hash rate ``g_k`` [TH/s per W] (decreasing: the curve is concave), the decision variables are

* ``s[t,k]`` in ``[0, L_k]``: power on piece ``k``; site power ``P_t = sum_k s[t,k]``, hash rate
  ``H_t = sum_k g_k s[t,k]`` (concavity makes the pieces fill in order without binaries),
* ``u_t`` in {0, 1}: the site runs; ``v_t, w_t`` in ``[0, 1]``: start-up and shut-down indicators with
  ``u_t - u_{t-1} = v_t - w_t`` (they take integral values at the optimum; ``v_t >= max(0, u_t - u_{t-1})``),
* ``y_t >= max(0, P_t - P_{t-1})`` [W]: power brought back, charged at ``C_MW`` [USD/MW] (machines
  rebooting lose hash for minutes whether or not the whole site had stopped),
* ``z_e`` in {0, 1}: the site takes part in demand-response event ``e`` (fixed to 1 when committed).

It maximises

    sum_t [ hp_t (1 - f) H_t dt_days - c_t P_t dt_h / 1e6 - C_MW y_t / 1e6 ] - C_start sum_t v_t
        + sum_e credit_e z_e

(hashprice ``hp`` [USD per TH/s per day], pool fee ``f``, price ``c`` [USD/MWh], restart cost ``C_start``),
subject to

* ``P_on u_t <= P_t <= min(capacity, cap_t) u_t`` and ``P_t >= floor_t`` (contracted minimum load; caps
  from 4CP windows or a manual schedule),
* minimum run and idle times, the "minimum up/down time" constraints of unit commitment [1]_:
  ``sum_{tau=t-MU+1..t} v_tau <= u_t`` and ``sum_{tau=t-MD+1..t} w_tau <= 1 - u_t``,
* ramp limits ``|P_t - P_{t-1}| <= R dt``,
* demand response: ``P_t <= cap_e + (P_max - cap_e)(1 - z_e)`` in the event's intervals.

Solved with HiGHS [2]_ through :func:`scipy.optimize.milp`.

References
----------
.. [1] M. Carrion, J. M. Arroyo, "A computationally efficient mixed-integer linear formulation for the
   thermal unit commitment problem", IEEE Trans. Power Systems 21(3), 2006, pp. 1371-1378 (start-up,
   shut-down and minimum up/down time constraints).
.. [2] Q. Huangfu, J. A. J. Hall, "Parallelizing the dual revised simplex method", Mathematical
   Programming Computation 10, 2018, pp. 119-142 (HiGHS).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from hashstack.energy.power_curve import ConcaveCurve
from hashstack.energy.schedule import (
    DemandResponseEvent,
    InitialState,
    OperatingLimits,
    Schedule,
    as_interval_series,
)
from hashstack.errors import HashstackError, InputError
from hashstack.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, W_PER_MW

FloatArray = npt.NDArray[np.float64]
MILP_TIME_LIMIT = 1
"""scipy.optimize.milp status: iteration or time limit reached."""
MILP_INFEASIBLE = 2
"""scipy.optimize.milp status: the problem is infeasible."""


def _optional_bound(x: npt.ArrayLike | None, n: int, name: str) -> FloatArray:
    """A per-interval power bound [W]: ``None``, a scalar or shape ``(n,)``; NaN = none; else finite and >= 0."""
    if x is None:
        return np.full(n, np.nan)
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers (NaN for no bound)") from None
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape != (n,):
        raise InputError(f"{name} must be a scalar or have shape ({n},), got {a.shape}")
    bad = np.isinf(a) | (a < 0)
    if np.any(bad):
        t = int(np.flatnonzero(bad)[0])
        raise InputError(f"{name} at interval {t} is {a[t]}: a bound must be >= 0 and finite (NaN for none)")
    return a


def revenue_usd_per_w_interval(
    hashprice_usd_per_th_day: FloatArray, slope_ths_per_w: FloatArray, pool_fee_frac: float, interval_s: float
) -> FloatArray:
    """Mining revenue of one watt on each piece over one interval [USD], shape ``(T, K)``."""
    return (
        hashprice_usd_per_th_day[:, None] * (1.0 - pool_fee_frac) * slope_ths_per_w[None, :]
        * (interval_s / SECONDS_PER_DAY)
    )


def schedule_site(
    price_usd_per_mwh: npt.ArrayLike,
    hashprice_usd_per_th_day: npt.ArrayLike,
    curve: ConcaveCurve,
    limits: OperatingLimits,
    *,
    interval_s: float = 900.0,
    pool_fee_frac: float = 0.0,
    cap_w: npt.ArrayLike | None = None,
    floor_w: npt.ArrayLike | None = None,
    dr_events: Sequence[DemandResponseEvent] = (),
    initial: InitialState | None = None,
    mip_rel_gap: float = 1e-6,
    time_limit_s: float | None = None,
) -> Schedule:
    """Choose the site's power per interval to maximise margin (see the module docstring for the MILP).

    Parameters
    ----------
    price_usd_per_mwh : electricity price forecast per interval [USD/MWh], shape ``(T,)``
    hashprice_usd_per_th_day : hashprice, scalar or per interval [USD per TH/s per day]
    curve : the site's power curve
    limits : operating limits
    interval_s : interval length [s]
    pool_fee_frac : pool fee [-]
    cap_w : upper bound on power per interval (4CP windows, manual schedule) [W]; NaN = none
    floor_w : lower bound on power per interval on top of the contracted minimum load [W]; NaN = none
    dr_events : demand-response events
    initial : state before the first interval (default: running at capacity for a long time)
    mip_rel_gap : relative MIP gap at which HiGHS stops [-]
    time_limit_s : solver time limit [s]

    Returns
    -------
    Schedule
    """
    price = np.asarray(price_usd_per_mwh, dtype=float)
    if price.ndim != 1 or price.size == 0:
        raise InputError("price_usd_per_mwh must be a non-empty 1-D array")
    n = price.size
    price = as_interval_series(price, n, "price_usd_per_mwh")
    hp = as_interval_series(hashprice_usd_per_th_day, n, "hashprice_usd_per_th_day")
    if np.any(hp < 0):
        raise InputError("hashprice must be >= 0")
    if not 0 <= pool_fee_frac < 1:
        raise InputError(f"pool_fee_frac must be in [0, 1), got {pool_fee_frac}")
    if interval_s <= 0:
        raise InputError("interval_s must be > 0")
    cap_req = _optional_bound(cap_w, n, "cap_w")
    floor_req = _optional_bound(floor_w, n, "floor_w")
    capacity = curve.capacity_w
    hi = np.minimum(capacity, np.where(np.isnan(cap_req), capacity, cap_req))
    lo = np.maximum(limits.contracted_min_load_w, np.where(np.isnan(floor_req), 0.0, floor_req))
    if limits.contracted_min_load_w > capacity:
        raise InputError("contracted minimum load exceeds the site's capacity")
    if np.any(hi < 0):
        raise InputError(f"negative power cap at interval {int(np.flatnonzero(hi < 0)[0])}")
    if np.any(lo > hi + 1e-6):
        t = int(np.flatnonzero(lo > hi + 1e-6)[0])
        raise InputError(f"interval {t}: power floor {lo[t]:.0f} W exceeds the cap {hi[t]:.0f} W")
    init = initial if initial is not None else InitialState(power_w=capacity)
    was_on = init.power_w >= limits.on_threshold_w(capacity)
    p_on = limits.on_threshold_w(capacity)

    lengths = curve.segment_length_w
    slopes = curve.segment_slope_ths_per_w
    k = lengths.size
    dt_h = interval_s / SECONDS_PER_HOUR
    rev = revenue_usd_per_w_interval(hp, slopes, pool_fee_frac, interval_s)  # (T, K)
    cost = price * dt_h / W_PER_MW  # (T,)

    # Shortcut: when every watt pays in every interval, the site starts at capacity and nothing caps it,
    # running flat out is each interval's own optimum and breaks no limit, so it is the schedule.
    if (not dr_events and np.all(hi >= capacity) and init.power_w >= capacity
            and np.all(rev[:, -1] - cost >= 0)):
        full = np.full(n, capacity)
        return Schedule(
            power_w=full, hashrate_ths=np.full(n, curve.hashrate_max_ths), running=np.ones(n, dtype=bool),
            starts=np.zeros(n, dtype=bool), dr_taken=np.zeros(0, dtype=bool),
            objective_usd=float(np.sum(rev * lengths[None, :]) - np.sum(cost) * capacity),
            status="flat out is optimal in every interval (no solver call)")

    # variable layout: s (T*K) | u (T) | v (T) | w (T) | y (T, power brought back) | z (E)
    n_e = len(dr_events)
    i_s, i_u, i_v, i_w, i_y = 0, n * k, n * k + n, n * k + 2 * n, n * k + 3 * n
    i_z = i_y + n
    n_var = i_z + n_e
    c = np.zeros(n_var)
    c[i_s:i_u] = -(rev - cost[:, None]).ravel()
    c[i_v:i_w] = limits.restart_cost_usd
    c[i_y:i_z] = limits.restart_cost_usd_per_mw / W_PER_MW
    for e, ev in enumerate(dr_events):
        c[i_z + e] = -ev.credit_usd
    lb = np.zeros(n_var)
    ub = np.ones(n_var)
    ub[i_s:i_u] = np.tile(lengths, n)
    ub[i_y:i_z] = capacity
    integrality = np.zeros(n_var)
    integrality[i_u:i_v] = 1
    integrality[i_z:] = 1

    t_idx = np.arange(n)
    rows: list[sparse.coo_matrix] = []
    r_lo: list[FloatArray] = []
    r_hi: list[FloatArray] = []
    s_cols = (i_s + t_idx[:, None] * k + np.arange(k)[None, :]).ravel()
    s_rows = np.repeat(t_idx, k)

    def block(data: list[npt.NDArray[Any]], ri: list[npt.NDArray[Any]], ci: list[npt.NDArray[Any]],
              n_rows: int) -> None:
        rows.append(sparse.coo_matrix(
            (np.concatenate(data), (np.concatenate(ri), np.concatenate(ci))), shape=(n_rows, n_var)))

    # (1) P_t - hi_t u_t <= 0 ; P_t - p_on u_t >= 0 (or P_t >= 0 when the cap is below p_on)
    block([np.ones(n * k), -hi], [s_rows, t_idx], [s_cols, i_u + t_idx], n)
    r_lo.append(np.full(n, -np.inf))
    r_hi.append(np.zeros(n))
    block([np.ones(n * k), np.full(n, -p_on)], [s_rows, t_idx], [s_cols, i_u + t_idx], n)
    r_lo.append(np.zeros(n))
    r_hi.append(np.full(n, np.inf))
    # (2) floor: P_t >= lo_t
    if np.any(lo > 0):
        block([np.ones(n * k)], [s_rows], [s_cols], n)
        r_lo.append(lo)
        r_hi.append(np.full(n, np.inf))
    # (3) u_t - u_{t-1} - v_t + w_t = u_init (t=0) or 0
    prev = t_idx[1:]
    block(
        [np.ones(n), -np.ones(n - 1), -np.ones(n), np.ones(n)],
        [t_idx, prev, t_idx, t_idx],
        [i_u + t_idx, i_u + prev - 1, i_v + t_idx, i_w + t_idx],
        n,
    )
    rhs = np.zeros(n)
    rhs[0] = 1.0 if was_on else 0.0
    r_lo.append(rhs)
    r_hi.append(rhs)
    # (4) minimum run / idle times
    mu = limits.steps(limits.min_run_s, interval_s)
    md = limits.steps(limits.min_idle_s, interval_s)
    for width, col0, sign in ((mu, i_v, 1.0), (md, i_w, -1.0)):
        if width <= 1:
            continue
        ri, ci = [], []
        for lag in range(width):
            ri.append(t_idx[lag:])
            ci.append(col0 + t_idx[lag:] - lag)
        ri.append(t_idx)
        ci.append(i_u + t_idx)
        data = [np.ones(len(r)) for r in ri[:-1]] + [np.full(n, -sign)]
        block(data, ri, ci, n)
        # run: sum v - u <= 0 ; idle: sum w + u <= 1
        r_lo.append(np.full(n, -np.inf))
        r_hi.append(np.zeros(n) if sign > 0 else np.ones(n))
    # a cap below the running threshold means stopped (not "running at 0 W" to dodge a restart)
    ub[i_u:i_v][hi < p_on] = 0.0
    # carry-over of the initial state's minimum times
    if was_on and mu > 1 and init.steps_in_state < mu:
        lb[i_u:i_u + min(n, mu - init.steps_in_state)] = 1.0
    if not was_on and md > 1 and init.steps_in_state < md:
        ub[i_u:i_u + min(n, md - init.steps_in_state)] = 0.0
    # (5) ramp: |P_t - P_{t-1}| <= R dt
    if limits.ramp_w_per_s is not None:
        ramp = limits.ramp_w_per_s * interval_s
        prev_cols = (i_s + (t_idx[1:, None] - 1) * k + np.arange(k)[None, :]).ravel()
        prev_rows = np.repeat(t_idx[1:], k)
        block([np.ones(n * k), -np.ones((n - 1) * k)], [s_rows, prev_rows], [s_cols, prev_cols], n)
        lo_r = np.full(n, -ramp)
        hi_r = np.full(n, ramp)
        lo_r[0] += init.power_w
        hi_r[0] += init.power_w
        r_lo.append(lo_r)
        r_hi.append(hi_r)
    # (6) power brought back: y_t >= P_t - P_{t-1}
    if limits.restart_cost_usd_per_mw > 0:
        prev_cols = (i_s + (t_idx[1:, None] - 1) * k + np.arange(k)[None, :]).ravel()
        prev_rows = np.repeat(t_idx[1:], k)
        block([np.ones(n), -np.ones(n * k), np.ones((n - 1) * k)],
              [t_idx, s_rows, prev_rows], [i_y + t_idx, s_cols, prev_cols], n)
        lo_y = np.zeros(n)
        lo_y[0] = -init.power_w
        r_lo.append(lo_y)
        r_hi.append(np.full(n, np.inf))
    else:
        ub[i_y:i_z] = 0.0
    # (7) demand response: P_t + (P_max - cap_e) z_e <= P_max
    for e, ev in enumerate(dr_events):
        if not 0 <= ev.start < ev.stop <= n:
            raise InputError(f"demand-response event {ev.name!r}: intervals [{ev.start}, {ev.stop}) outside 0..{n}")
        if ev.max_power_w < 0:
            raise InputError(f"demand-response event {ev.name!r}: max_power_w must be >= 0")
        if ev.committed and np.any(lo[ev.start:ev.stop] > ev.max_power_w + 1e-6):
            raise InputError(f"demand-response event {ev.name!r} is below the contracted minimum load")
        tt = np.arange(ev.start, ev.stop)
        m = tt.size
        cols = (i_s + tt[:, None] * k + np.arange(k)[None, :]).ravel()
        block(
            [np.ones(m * k), np.full(m, capacity - ev.max_power_w)],
            [np.repeat(np.arange(m), k), np.arange(m)],
            [cols, np.full(m, i_z + e)],
            m,
        )
        r_lo.append(np.full(m, -np.inf))
        r_hi.append(np.full(m, capacity))
        if ev.committed:
            lb[i_z + e] = 1.0

    a = sparse.vstack(rows).tocsr()
    options: dict[str, float | bool] = {"mip_rel_gap": mip_rel_gap, "disp": False}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    res = milp(
        c,
        constraints=LinearConstraint(a, np.concatenate(r_lo), np.concatenate(r_hi)),
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options=options,
    )
    if res.x is None:
        if res.status == MILP_TIME_LIMIT:
            raise HashstackError(f"the solver's time limit ({time_limit_s} s) ran out before it found any feasible "
                                 f"schedule; raise time_limit_s or shorten the horizon ({res.message})")
        if res.status == MILP_INFEASIBLE:
            raise InputError(f"the schedule is infeasible under these limits ({res.message})")
        raise HashstackError(f"the solver found no schedule (status {res.status}: {res.message})")
    x = res.x
    s = x[i_s:i_u].reshape(n, k)
    power = s.sum(axis=1)
    running = x[i_u:i_v] > 0.5
    power = np.where(running, power, 0.0)
    hashrate = curve.hashrate_at(np.clip(power, 0.0, capacity))
    prev_on = np.concatenate([[was_on], running[:-1]])
    starts = running & ~prev_on
    return Schedule(
        power_w=power,
        hashrate_ths=hashrate,
        running=running,
        starts=starts,
        dr_taken=x[i_z:] > 0.5 if n_e else np.zeros(0, dtype=bool),
        objective_usd=float(-res.fun),
        status=str(res.message),
        mip_gap_frac=float(getattr(res, "mip_gap", 0.0) or 0.0),
    )
