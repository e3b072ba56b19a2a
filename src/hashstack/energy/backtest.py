"""Backtest curtailment strategies on realised prices: always-on, breakeven threshold, forecast + MILP
with the real-time layer, and perfect foresight (the upper bound).

Every strategy is scored by the same function (:func:`hashstack.energy.schedule.schedule_margin`) on the
realised prices and the realised daily hashprice. Decisions use only what was known then:

* ``always-on``: capacity in every interval.
* ``threshold``: the breakeven-threshold rule (:func:`hashstack.energy.realtime.threshold_power_w`) on
  the last settled interval's price (``lag_intervals=1``, the default) with the previous day's hashprice.
  ``lag_intervals=0`` acts on the interval's own settlement price, the average of its three 5-minute SCED
  prices, known only when the interval ends: that is look-ahead, an upper bound on what a real-time
  controller can do, not a result.
* ``forecast``: one MILP per local operating day (:func:`hashstack.energy.schedule_milp.schedule_site`) on
  the day's *forecast* prices, with a lookahead (default 12 h) that repeats the start of the day's
  forecast (the next day's forecast is not known yet), the previous day's hashprice and the realised
  state at midnight; then the real-time layer curtails (and restores) against realised prices, within
  minimum times and ramps.
* ``perfect``: the same rolling MILP on the realised prices (the day and the lookahead) and the realised
  hashprice of every interval (the same per-interval series the scoring uses): perfect foresight. Rolling
  with a finite lookahead and a MIP gap makes it an upper bound only up to horizon effects and the gap, so
  :func:`run_backtest` checks it: any strategy scoring above perfect foresight by more than
  ``UPPER_BOUND_TOL_FRAC`` of the always-on margin's magnitude (at least 1 USD) is reported in
  :attr:`BacktestResult.notes`.

4CP windows, when given, are a higher-priority cap (:mod:`hashstack.energy.arbitration`) for every
strategy but always-on, and a known cap for perfect foresight.

Captured share of perfect foresight: ``(margin - margin_always_on) / (margin_perfect - margin_always_on)``,
with each margin net of the transmission charge its 4CP-interval load sets when 4CP intervals are given
(average kW over each summer's four intervals x the postage-stamp rate of the billing year that summer
sets [USD/kW-yr], :func:`hashstack.energy.fourcp.transmission_rate_for_summer`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashstack.energy.arbitration import FOURCP, REALTIME, SCHEDULE, ProgramRequest, arbitrate
from hashstack.energy.fourcp import transmission_rate_for_summer
from hashstack.energy.power_curve import ConcaveCurve
from hashstack.energy.realtime import enforce_limits, observed_price, realtime_request, threshold_power_w
from hashstack.energy.schedule import InitialState, MarginBreakdown, OperatingLimits, schedule_margin
from hashstack.energy.schedule_milp import schedule_site
from hashstack.errors import InputError
from hashstack.units import kw_from_w, mw_from_w

FloatArray = npt.NDArray[np.float64]
ERCOT_TZ = "America/Chicago"
STRATEGIES = ("always-on", "threshold", "forecast", "perfect")
DEFAULT_LAG_INTERVALS = 1
"""Act on the last settled interval's price: what a real-time controller knows."""
UPPER_BOUND_TOL_FRAC = 1e-4
"""Tolerance of the "nothing beats perfect foresight" check, as a share of the always-on margin [-]."""


@dataclass(frozen=True, slots=True)
class StrategyResult:
    """One strategy's backtest.

    Attributes
    ----------
    strategy : name
    margin : margin breakdown on realised prices
    avg_price_paid_usd_per_mwh : energy cost per MWh drawn [USD/MWh]
    captured_frac_of_perfect : share of perfect foresight's gain over always-on [-] (NaN if no gain)
    share_by_driver : fraction of intervals each programme drove [-]
    fourcp_mw_avg : mean site power over the period's 4CP intervals [MW] (NaN without 4CP data)
    transmission_usd : next year's transmission charge set by those intervals,
        the sum over summers of the mean kW in that summer's intervals x its rate [USD] (0 without 4CP data)
    net_margin_usd : margin minus that transmission charge [USD]
    """

    strategy: str
    margin: MarginBreakdown
    avg_price_paid_usd_per_mwh: float
    captured_frac_of_perfect: float
    share_by_driver: dict[str, float] = field(default_factory=dict)
    fourcp_mw_avg: float = float("nan")
    transmission_usd: float = 0.0
    net_margin_usd: float = float("nan")


@dataclass(frozen=True, slots=True, eq=False)
class BacktestResult:
    """All strategies over one period, and the power each chose (columns, W) indexed by interval.

    ``lag_intervals`` is the price age the real-time layer acted on (0 = upper bound, see the module
    docstring); ``notes`` says when lag 0 was used, which transmission rates were substituted and whether
    any strategy scored above perfect foresight.
    """

    results: dict[str, StrategyResult]
    power_w: pd.DataFrame
    driver: pd.DataFrame
    n_intervals: int
    n_days: int
    lag_intervals: int = DEFAULT_LAG_INTERVALS
    notes: tuple[str, ...] = ()


def _day_slices(index_utc: pd.DatetimeIndex) -> list[slice]:
    local_day = index_utc.tz_convert(ERCOT_TZ).tz_localize(None).normalize()
    codes, _ = pd.factorize(local_day)
    starts = np.flatnonzero(np.diff(np.concatenate([[-1], codes])) != 0)
    ends = np.concatenate([starts[1:], [codes.size]])
    return [slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _state_after(power_w: FloatArray, prev: InitialState, on_threshold_w: float) -> InitialState:
    """State after ``power_w``, given the state ``prev`` just before its first interval.

    ``power_w`` must be only what ran since ``prev``: the run length counts back to the last change of
    on/off state inside it, and adds ``prev.steps_in_state`` only when there is none and ``prev`` was in
    the same state.
    """
    if power_w.size == 0:
        return prev
    on = power_w >= on_threshold_w
    last = bool(on[-1])
    changes = np.flatnonzero(on != last)
    if changes.size:
        run = power_w.size - (int(changes[-1]) + 1)
    else:
        run = power_w.size + (prev.steps_in_state if (prev.power_w >= on_threshold_w) == last else 0)
    return InitialState(power_w=float(power_w[-1]), steps_in_state=int(min(run, 10**6)))


def rolling_schedule(
    plan_prices: FloatArray,
    index_utc: pd.DatetimeIndex,
    hashprice: FloatArray,
    curve: ConcaveCurve,
    limits: OperatingLimits,
    *,
    interval_s: float,
    pool_fee_frac: float,
    lookahead: Callable[[slice], FloatArray],
    cap_w: FloatArray | None = None,
    realise: Callable[[slice, FloatArray, InitialState], tuple[FloatArray, npt.NDArray[np.str_]]] | None = None,
    progress: Callable[[int], None] | None = None,
    hashprice_per_interval: bool = False,
    initial: InitialState | None = None,
) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    """One MILP per local day on ``plan_prices`` plus a lookahead; the day's part is kept.

    ``realise(day, plan, state)`` turns the day's plan into what actually ran (the real-time layer);
    the next day starts from the realised state. With ``hashprice_per_interval`` each MILP sees
    ``hashprice`` interval by interval over the day and the lookahead (perfect foresight); otherwise the
    value at the day's first interval for the whole horizon (what is known when the day is planned).
    ``initial`` is the state before the first interval (default: running at capacity for long).
    """
    n = plan_prices.size
    out = np.zeros(n)
    drivers = np.full(n, SCHEDULE, dtype=object)
    state = initial if initial is not None else InitialState(power_w=curve.capacity_w)
    p_on = limits.on_threshold_w(curve.capacity_w) - 1e-6 * curve.capacity_w
    for i, day in enumerate(_day_slices(index_utc)):
        ahead = lookahead(day)
        prices = np.concatenate([plan_prices[day], ahead])
        if hashprice_per_interval:
            known = hashprice[day.start: day.start + prices.size]
            hp = np.concatenate([known, np.full(prices.size - known.size, known[-1])])
        else:
            hp = np.full(prices.size, hashprice[day.start])
        caps = None
        if cap_w is not None:
            nxt = slice(day.stop, min(n, day.stop + ahead.size))
            tail = np.full(ahead.size, np.nan)
            tail[: nxt.stop - nxt.start] = cap_w[nxt]
            caps = np.concatenate([cap_w[day], tail])
        sched = schedule_site(prices, hp, curve, limits, interval_s=interval_s, pool_fee_frac=pool_fee_frac,
                              cap_w=caps, initial=state, mip_rel_gap=1e-4, time_limit_s=20.0)
        plan = sched.power_w[: day.stop - day.start]
        if realise is not None:
            done, drv = realise(day, plan, state)
        else:
            done, drv = plan, np.full(plan.size, SCHEDULE)
        out[day] = done
        drivers[day] = drv
        state = _state_after(out[day], state, p_on)
        if progress is not None:
            progress(i + 1)
    return out, drivers.astype(str)


def run_backtest(
    price_usd_per_mwh: pd.Series,
    forecast_usd_per_mwh: pd.Series | None,
    hashprice_usd_per_th_day: pd.Series,
    curve: ConcaveCurve,
    limits: OperatingLimits,
    *,
    pool_fee_frac: float = 0.0,
    lag_intervals: int = DEFAULT_LAG_INTERVALS,
    fourcp_cap_w: pd.Series | None = None,
    fourcp_intervals_utc: Sequence[pd.Timestamp] = (),
    strategies: Sequence[str] = STRATEGIES,
    lookahead_intervals: int = 48,
    transmission_rate_usd_per_kw_year: float | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BacktestResult:
    """Backtest strategies on realised prices (see the module docstring).

    Parameters
    ----------
    price_usd_per_mwh : realised prices indexed by ``interval_start_utc`` (regular, e.g. 15 min) [USD/MWh]
    forecast_usd_per_mwh : the day-ahead price forecast for the same intervals, issued before each day
        [USD/MWh] (needed for ``forecast``)
    hashprice_usd_per_th_day : realised hashprice per UTC date (index: dates) [USD per TH/s per day]
    curve : the site's power curve
    limits : operating limits
    pool_fee_frac : pool fee [-]
    lag_intervals : staleness of the price the real-time layer and the threshold rule see, in intervals;
        1 (default) = the last settled interval; 0 = the interval's own settlement price, known only when
        the interval ends (look-ahead: an upper bound on a real-time controller, not a result)
    fourcp_cap_w : 4CP curtailment caps per interval (NaN = no window) [W]
    fourcp_intervals_utc : the period's actual 4CP interval starts (for perfect foresight and scoring)
    strategies : which strategies to run; ``perfect`` is always run for the captured share
    lookahead_intervals : intervals beyond the day each daily MILP sees (the kept plan is the day's)
    transmission_rate_usd_per_kw_year : rate that prices the site's load in the 4CP intervals [USD/kW-yr];
        ``None`` takes each summer's own billing-year rate
        (:func:`hashstack.energy.fourcp.transmission_rate_for_summer`; substitutes are noted)
    progress : ``progress(strategy, done_days, total_days)``

    Returns
    -------
    BacktestResult
        With ``notes`` saying when lag 0 was used and when a strategy scored above perfect foresight.
    """
    idx = pd.DatetimeIndex(price_usd_per_mwh.index)
    if idx.tz is None:
        raise InputError("prices must be indexed by tz-aware UTC interval starts")
    if idx.size < 2:
        raise InputError("need at least two intervals")
    step = (idx[1:] - idx[:-1]).unique()
    if step.size != 1:
        raise InputError("prices must be on a regular grid without gaps (fill or report gaps first)")
    interval_s = float(step[0].total_seconds())
    price = price_usd_per_mwh.to_numpy(dtype=float)
    if not np.all(np.isfinite(price)):
        raise InputError(f"price is missing at {idx[int(np.flatnonzero(~np.isfinite(price))[0])]}")
    if lookahead_intervals < 0:
        raise InputError("lookahead_intervals must be >= 0")
    if lag_intervals < 0:
        raise InputError("lag_intervals must be >= 0")
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise InputError(f"unknown strategies {unknown}; expected {STRATEGIES}")
    run = list(dict.fromkeys([*strategies, "always-on", "perfect"]))
    # hashprice: realised for scoring and perfect foresight; the previous day's for decisions
    days_utc = idx.normalize()
    hp_daily = hashprice_usd_per_th_day.copy()
    hp_daily.index = pd.DatetimeIndex(hp_daily.index).tz_localize(None) if pd.DatetimeIndex(
        hp_daily.index).tz is None else pd.DatetimeIndex(hp_daily.index).tz_convert("UTC").tz_localize(None)
    hp_daily = hp_daily.sort_index()
    need = days_utc.tz_localize(None)
    hp_now = hp_daily.reindex(need).to_numpy(dtype=float)
    hp_prev = hp_daily.shift(1).reindex(need).to_numpy(dtype=float)
    if np.any(~np.isfinite(hp_now)):
        raise InputError(f"no hashprice for {need[int(np.flatnonzero(~np.isfinite(hp_now))[0])].date()}")
    hp_prev = np.where(np.isfinite(hp_prev), hp_prev, hp_now)
    caps = None if fourcp_cap_w is None else fourcp_cap_w.reindex(idx).to_numpy(dtype=float)
    n_days = len(_day_slices(idx))
    powers: dict[str, FloatArray] = {}
    drivers: dict[str, npt.NDArray[np.str_]] = {}
    cap_req = [] if caps is None else [ProgramRequest.caps(FOURCP, caps)]
    # the price the real-time layer acts on, lagged over the whole series: the first interval of a day sees
    # the previous day's last settled price, not its own
    seen = observed_price(price, lag_intervals)

    def tick(name: str) -> Callable[[int], None] | None:
        if progress is None:
            return None
        return lambda d: progress(name, d, n_days)

    for name in run:
        if name == "always-on":
            powers[name] = np.full(price.size, curve.capacity_w)
            drivers[name] = np.full(price.size, SCHEDULE).astype(str)
        elif name == "threshold":
            p = threshold_power_w(price, hp_prev, curve, limits, interval_s=interval_s, pool_fee_frac=pool_fee_frac,
                                  lag_intervals=lag_intervals)
            d = arbitrate(p, cap_req, capacity_w=curve.capacity_w, min_load_w=limits.contracted_min_load_w,
                          plan_driver=np.where(p < curve.capacity_w - 1.0, REALTIME, SCHEDULE))
            powers[name], drivers[name] = d.power_w, d.driver
        elif name == "perfect":
            pf_caps = None
            if len(fourcp_intervals_utc):
                pf_caps = np.full(price.size, np.nan)
                pf_caps[idx.isin(pd.DatetimeIndex(list(fourcp_intervals_utc)))] = limits.contracted_min_load_w

            def ahead_real(day: slice) -> FloatArray:
                return price[day.stop: day.stop + lookahead_intervals]

            p, drv = rolling_schedule(price, idx, hp_now, curve, limits, interval_s=interval_s,
                                      pool_fee_frac=pool_fee_frac, lookahead=ahead_real, cap_w=pf_caps,
                                      progress=tick(name), hashprice_per_interval=True)
            powers[name], drivers[name] = p, np.where(np.isfinite(pf_caps) & (p <= limits.contracted_min_load_w + 1),
                                                      FOURCP, drv) if pf_caps is not None else drv
        elif name == "forecast":
            if forecast_usd_per_mwh is None:
                raise InputError("the forecast strategy needs a price forecast")
            fc = forecast_usd_per_mwh.reindex(idx).to_numpy(dtype=float)
            if not np.all(np.isfinite(fc)):
                raise InputError(f"forecast is missing at {idx[int(np.flatnonzero(~np.isfinite(fc))[0])]}")

            def ahead_fc(day: slice, fc: FloatArray = fc) -> FloatArray:
                return fc[day][:lookahead_intervals]  # tomorrow's forecast is not known yet: repeat today's

            def realise(day: slice, plan: FloatArray, state: InitialState) -> tuple[FloatArray, npt.NDArray[np.str_]]:
                rt = realtime_request(plan, seen[day], hp_prev[day], curve, pool_fee_frac=pool_fee_frac,
                                      lag_intervals=0)
                first = arbitrate(plan, [rt], capacity_w=curve.capacity_w, min_load_w=limits.contracted_min_load_w)
                held = enforce_limits(first.power_w, curve, limits, interval_s=interval_s, initial=state)
                reqs = [] if caps is None else [ProgramRequest.caps(FOURCP, caps[day])]
                final = arbitrate(held, reqs, capacity_w=curve.capacity_w, min_load_w=limits.contracted_min_load_w,
                                  plan_driver=first.driver)
                return final.power_w, final.driver

            p, drv = rolling_schedule(fc, idx, hp_prev, curve, limits, interval_s=interval_s,
                                      pool_fee_frac=pool_fee_frac, lookahead=ahead_fc, cap_w=caps,
                                      realise=realise, progress=tick(name))
            powers[name], drivers[name] = p, drv

    margins = {
        name: schedule_margin(p, price, hp_now, curve, interval_s=interval_s, pool_fee_frac=pool_fee_frac,
                              restart_cost_usd=limits.restart_cost_usd,
                              restart_cost_usd_per_mw=limits.restart_cost_usd_per_mw,
                              on_threshold_w=limits.on_threshold_w(curve.capacity_w))
        for name, p in powers.items()
    }
    notes: list[str] = []
    # the transmission charge each summer's 4CP intervals set (one year of it per summer)
    fourcp_idx = pd.DatetimeIndex(list(fourcp_intervals_utc))
    summers = sorted({int(t.year) for t in fourcp_idx})
    fourcp_mw = {name: float("nan") for name in powers}
    transmission = {name: 0.0 for name in powers}
    if summers:
        fourcp_mw = {name: float(np.mean(mw_from_w(p[idx.isin(fourcp_idx)]))) if idx.isin(fourcp_idx).any()
                     else float("nan") for name, p in powers.items()}
        for year in summers:
            mask = idx.isin(fourcp_idx[fourcp_idx.year == year])
            if not mask.any():
                continue
            if transmission_rate_usd_per_kw_year is None:
                rate, note = transmission_rate_for_summer(year)
                if note is not None:
                    notes.append(note)
            else:
                rate = transmission_rate_usd_per_kw_year
            for name, p in powers.items():
                transmission[name] += float(np.mean(kw_from_w(p[mask]))) * rate
    net = {name: margins[name].margin_usd - transmission[name] for name in powers}
    base = net["always-on"]
    gain_pf = net["perfect"] - base
    if lag_intervals == 0:
        notes.append("lag 0: the real-time layer and the threshold rule know each interval's average price "
                     "before it ends (look-ahead); their figures are an upper bound, not achievable")
    tol = max(1.0, UPPER_BOUND_TOL_FRAC * abs(base))
    for name in run:
        if name != "perfect" and net[name] > net["perfect"] + tol:
            notes.append(f"{name} scored {net[name] - net['perfect']:,.2f} USD above perfect foresight (rolling "
                         f"horizon or MIP gap): perfect foresight is not an upper bound on this period")
    results = {}
    for name in run:
        m = margins[name]
        share = (net[name] - base) / gain_pf if gain_pf > 1e-9 else float("nan")
        names, counts = np.unique(drivers[name], return_counts=True)
        results[name] = StrategyResult(
            strategy=name,
            margin=m,
            avg_price_paid_usd_per_mwh=m.energy_cost_usd / m.energy_mwh if m.energy_mwh > 0 else float("nan"),
            captured_frac_of_perfect=share,
            share_by_driver={str(k): float(v) / price.size for k, v in zip(names, counts, strict=True)},
            fourcp_mw_avg=fourcp_mw[name],
            transmission_usd=transmission[name],
            net_margin_usd=net[name],
        )
    return BacktestResult(
        results=results,
        power_w=pd.DataFrame(powers, index=idx),
        driver=pd.DataFrame(drivers, index=idx),
        n_intervals=price.size,
        n_days=n_days,
        lag_intervals=lag_intervals,
        notes=tuple(notes),
    )


def persistence_forecast(price_usd_per_mwh: pd.Series, days: int = 1) -> pd.Series:
    """Seasonal-naive forecast on the interval grid: the price at the same local clock time ``days`` earlier.

    On daylight-saving days a clock time that did not exist (or existed twice) takes the nearest
    earlier interval. The first ``days`` days have no forecast (NaN).
    """
    idx = pd.DatetimeIndex(price_usd_per_mwh.index)
    local = idx.tz_convert(ERCOT_TZ).tz_localize(None)
    past = pd.Series(price_usd_per_mwh.to_numpy(dtype=float), index=local)
    past = past[~past.index.duplicated(keep="first")]
    want = local - pd.Timedelta(days=days)
    values = past.reindex(want, method="ffill").to_numpy(dtype=float, copy=True)
    values[want < local[0]] = np.nan
    return pd.Series(values, index=idx, name="forecast_usd_per_mwh")


def hourly_to_intervals(hourly_usd_per_mwh: pd.Series, index_utc: pd.DatetimeIndex) -> pd.Series:
    """Spread hourly prices (indexed by hour start, UTC) onto a finer interval grid (each interval takes its
    hour's price); intervals without an hour are NaN."""
    hours = pd.DatetimeIndex(index_utc).floor("h")
    values = hourly_usd_per_mwh.reindex(hours).to_numpy(dtype=float)
    return pd.Series(values, index=index_utc, name="forecast_usd_per_mwh")


def fill_hashprice_gaps(hashprice_usd_per_th_day: pd.Series) -> tuple[pd.Series, list[pd.Timestamp]]:
    """Carry the last known daily hashprice over missing days (e.g. days without fee data) and say which.

    Returns
    -------
    (filled series, dates that were filled)
    """
    missing = hashprice_usd_per_th_day.isna()
    first = hashprice_usd_per_th_day.first_valid_index()
    if first is None:
        raise InputError("the hashprice series has no values")
    missing &= hashprice_usd_per_th_day.index >= first
    return hashprice_usd_per_th_day.ffill(), list(hashprice_usd_per_th_day.index[missing])
