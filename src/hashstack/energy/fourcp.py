"""ERCOT 4CP: the probability that a day, and an interval in it, sets the month's coincident peak.

Why it matters
--------------
ERCOT transmission costs are allocated by each load's average demand in the four 15-minute intervals
of ERCOT's coincident system peak in June, July, August and September (PUCT Subst. R. 25.192 [1]_).
A load that is off in all four pays no transmission charge the next year; at the 2024 postage-stamp
rate of 66.756998 USD per kW-year (Docket 56050) one MW kept off one 4CP interval saves
``1000 x 66.757 / 4 = 16,689 USD``.

Model
-----
A decision is made each summer day at ``decision_hour_local`` (14:00 by default: the load of hours
ending up to then is public in real time), before the afternoon window in which 4CP intervals fall.

1. **Day.** A logistic regression [2]_ of "today is this month's 4CP day" on features known at decision
   time: today's load at the decision hour relative to (a) the highest daily peak earlier this month,
   (b) the highest same-hour load earlier this month, (c) the highest daily peak of the previous 365
   days (load growth), (d) yesterday's same-hour load; whether today is a weekday; and the share of the
   month still to come (an early day has more chances to be beaten).
2. **Interval.** The interval's share of the training years' 4CP intervals by time of day (interval
   ending, local), smoothed with a small count; ``P(interval) = P(day) x P(interval | day)``.
3. **Window.** The smallest set of times of day holding ``window_coverage_frac`` of the training
   intervals; on a day whose probability clears the threshold the site curtails in that window.

Scoring is out of sample by year: each year is predicted by a model fitted on the earlier years only.

References
----------
.. [1] Public Utility Commission of Texas, Substantive Rule 25.192, "Transmission Service Rates",
   subsections (b)(1) and (d) (4CP allocation of transmission cost).
.. [2] D. R. Cox, "The regression analysis of binary sequences", J. Royal Statistical Society B 20(2),
   1958, pp. 215-242.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashstack.errors import InputError
from hashstack.units import KW_PER_MW

if TYPE_CHECKING:  # scikit-learn is imported when a model is fitted, not at CLI start-up
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

FloatArray = npt.NDArray[np.float64]
ERCOT_TZ = "America/Chicago"
SUMMER_MONTHS = (6, 7, 8, 9)
TRANSMISSION_RATE_USD_PER_KW_YEAR = 66.756998
"""ERCOT postage-stamp rate for billing year 2024 (PUCT Docket 56050, final matrix 2024-03-13), as in
``electricity/ercot_load/PROVENANCE.md`` section 3."""
POSTAGE_STAMP_RATES_USD_PER_KW_YEAR = {2024: 66.756998, 2025: 68.547301, 2026: 75.527270}
"""Total ERCOT postage-stamp rate by billing year (``electricity/ercot_load/PROVENANCE.md`` section 3:
Dockets 56050, 57491 and 59080; 2026 remanded, not final). Summer ``Y``'s 4CP intervals set billing year
``Y + 1``."""
SLOT_MINUTES = 15
FEATURES = ("vs_month_peak", "vs_month_same_hour", "vs_year_peak", "vs_yesterday", "weekday", "month_left_frac")


def value_per_mw_interval_usd(rate_usd_per_kw_year: float = TRANSMISSION_RATE_USD_PER_KW_YEAR) -> float:
    """Transmission charge avoided by keeping one MW off one 4CP interval [USD per MW]."""
    return rate_usd_per_kw_year * KW_PER_MW / 4.0


def transmission_rate_for_summer(summer_year: int) -> tuple[float, str | None]:
    """Postage-stamp rate charged for the load in summer ``summer_year``'s 4CP intervals [USD/kW-yr].

    The charge falls in billing year ``summer_year + 1``. Only billing years 2024-2026 are in the
    shared data; other years take the nearest known year's rate, and the second element says so.

    Returns
    -------
    (rate [USD/kW-yr], a note when the rate is a substitute, else None)
    """
    billing = summer_year + 1
    if billing in POSTAGE_STAMP_RATES_USD_PER_KW_YEAR:
        return POSTAGE_STAMP_RATES_USD_PER_KW_YEAR[billing], None
    near = min(POSTAGE_STAMP_RATES_USD_PER_KW_YEAR, key=lambda y: (abs(y - billing), y))
    rate = POSTAGE_STAMP_RATES_USD_PER_KW_YEAR[near]
    return rate, (f"summer {summer_year}: no postage-stamp rate for billing year {billing} in the data; "
                  f"the {near} rate ({rate} USD/kW-yr) is used instead")


def daily_features(load: pd.DataFrame, decision_hour_local: int = 14) -> pd.DataFrame:
    """Features of every summer day known at the decision hour.

    Parameters
    ----------
    load : frame from :func:`hashstack.energy.ercot_load.read_ercot_load` (hourly ``ercot_load_mw``)
    decision_hour_local : hour ending (local) of the last load known when deciding, 1-23

    Returns
    -------
    DataFrame indexed by local date (summer days only) with the columns :data:`FEATURES` and ``year``,
    ``month``; rows whose features cannot be computed (missing load) are dropped.
    """
    if not 1 <= decision_hour_local <= 23:
        raise InputError("decision_hour_local must be an hour ending 1-23")
    local = load["interval_start_local"]
    day = pd.DatetimeIndex(local).tz_localize(None).normalize()
    hour_ending = pd.DatetimeIndex(local).hour + 1
    frame = pd.DataFrame({"day": day, "he": hour_ending, "mw": load["ercot_load_mw"].to_numpy()})
    peak = frame.groupby("day")["mw"].max()
    at_hour = frame[frame["he"] == decision_hour_local].groupby("day")["mw"].mean()
    days = pd.DataFrame({"peak": peak, "at_hour": at_hour}).sort_index()
    full = pd.date_range(days.index.min(), days.index.max(), freq="D")
    days = days.reindex(full)
    di = pd.DatetimeIndex(days.index)
    month_key = di.year * 100 + di.month
    prior_peak = days["peak"].groupby(month_key).transform(lambda s: s.shift(1).cummax())
    prior_hour = days["at_hour"].groupby(month_key).transform(lambda s: s.shift(1).cummax())
    week_peak = days["peak"].shift(1).rolling(7, min_periods=1).max()
    year_peak = days["peak"].shift(1).rolling(365, min_periods=200).max()
    # first day of a month: compare with the previous week instead of an empty month-to-date
    prior_peak = prior_peak.fillna(week_peak)
    prior_hour = prior_hour.fillna(days["at_hour"].shift(1).rolling(7, min_periods=1).max())
    dim = di.days_in_month
    out = pd.DataFrame({
        "vs_month_peak": days["at_hour"] / prior_peak,
        "vs_month_same_hour": days["at_hour"] / prior_hour,
        "vs_year_peak": days["at_hour"] / year_peak,
        "vs_yesterday": days["at_hour"] / days["at_hour"].shift(1),
        "weekday": (di.day_of_week < 5).astype(float),
        "month_left_frac": (dim - di.day) / dim,
        "year": di.year,
        "month": di.month,
    }, index=days.index)
    out.index.name = "date_local"
    out = out[out["month"].isin(SUMMER_MONTHS)]
    return out.dropna()


def label_days(features: pd.DataFrame, intervals: pd.DataFrame) -> pd.Series:
    """1 on each month's 4CP day (local date of the interval), else 0; aligned to ``features``."""
    days = pd.DatetimeIndex(intervals["interval_start_utc"]).tz_convert(ERCOT_TZ).tz_localize(None).normalize()
    return pd.Series(features.index.isin(days).astype(int), index=features.index, name="is_4cp_day")


def interval_slots(intervals: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Time of day of each 4CP interval's start, as a 15-minute slot 0-95 (local)."""
    local = pd.DatetimeIndex(intervals["interval_start_utc"]).tz_convert(ERCOT_TZ)
    return np.asarray(local.hour * 4 + local.minute // SLOT_MINUTES, dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class FourCPModel:
    """A fitted 4CP model (see the module docstring); build with :meth:`fit`.

    Attributes
    ----------
    slot_prob_frac : P(interval slot | 4CP day) for the 96 local 15-minute slots [-], shape ``(96,)``
    window_slots : slots the site curtails on a flagged day (sorted)
    train_years : years the model was fitted on
    window_catch_frac : share of the training 4CP intervals (those with a known 15-minute start) that fall
        in ``window_slots`` [-]
    """

    scaler: StandardScaler
    classifier: LogisticRegression
    slot_prob_frac: FloatArray
    window_slots: npt.NDArray[np.int64]
    train_years: tuple[int, ...]
    window_catch_frac: float = float("nan")

    @classmethod
    def fit(cls, features: pd.DataFrame, intervals: pd.DataFrame, *, window_coverage_frac: float = 0.95,
            slot_prior_count: float = 0.5) -> FourCPModel:
        """Fit on the given days and the 4CP intervals of the same years.

        Parameters
        ----------
        features : rows of :func:`daily_features` for the training years
        intervals : 4CP intervals (:func:`hashstack.energy.ercot_load.read_4cp_intervals`)
        window_coverage_frac : share of training intervals the curtailment window must hold [-]
        slot_prior_count : pseudo-count spread over the slots of the window's span [-]
        """
        years = tuple(sorted({int(y) for y in features["year"]}))
        if len(years) < 2:
            raise InputError("a 4CP model needs at least two training years")
        iv = intervals[intervals["year"].isin(years)]
        y = label_days(features, iv).to_numpy()
        if y.sum() < 4:
            raise InputError("too few 4CP days in the training years")
        x = features.loc[:, list(FEATURES)].to_numpy(dtype=float)
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(x)
        clf = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(x), y)
        # only intervals whose 15-minute start the source states (not the hour-only rows before 2001)
        known = iv["interval_start_known"].to_numpy(dtype=bool) if "interval_start_known" in iv else np.ones(
            len(iv), dtype=bool)
        slots = interval_slots(iv[known])
        if slots.size == 0:
            raise InputError("no 4CP interval with a known 15-minute start in the training years")
        counts = np.bincount(slots, minlength=96).astype(float)
        order = np.argsort(-counts, kind="stable")
        cum = np.cumsum(counts[order]) / counts.sum()
        n_keep = int(np.searchsorted(cum, window_coverage_frac - 1e-12) + 1)
        window = np.sort(order[:n_keep])
        window = np.arange(window.min(), window.max() + 1)  # one contiguous window (no gaps to restart in)
        span = np.zeros(96)
        span[window] = slot_prior_count / window.size
        prob = (counts + span) / (counts.sum() + slot_prior_count)
        catch = float(counts[window].sum() / counts.sum())
        return cls(scaler, clf, prob, window.astype(np.int64), years, catch)

    def day_probability(self, features: pd.DataFrame) -> pd.Series:
        """P(the day is its month's 4CP day) for each row of :func:`daily_features` [-]."""
        x = features.loc[:, list(FEATURES)].to_numpy(dtype=float)
        p = self.classifier.predict_proba(self.scaler.transform(x))[:, 1]
        return pd.Series(p, index=features.index, name="p_4cp_day")

    def interval_probability(self, features: pd.DataFrame) -> pd.DataFrame:
        """P(interval is the month's 4CP interval), days x 96 local slots [-]."""
        p = self.day_probability(features).to_numpy()
        return pd.DataFrame(p[:, None] * self.slot_prob_frac[None, :], index=features.index)


def curtail_days(p_day: pd.Series, threshold: float) -> pd.Series:
    """Days flagged for 4CP curtailment: probability at or above the threshold."""
    if not 0.0 <= threshold <= 1.0:
        raise InputError("threshold must be in [0, 1]")
    return p_day >= threshold


def threshold_for_value(value_per_mw_interval_usd: float, cost_per_mw_hour_usd: float, window_hours: float,
                        window_catch_frac: float) -> float:
    """Day probability above which curtailing the window pays off in expectation [-].

    Curtailing one MW through the window costs ``cost_per_mw_hour_usd x window_hours`` of lost margin
    and avoids, with probability ``p x window_catch_frac``, one interval worth ``value_per_mw_interval_usd``.
    """
    if value_per_mw_interval_usd <= 0 or window_catch_frac <= 0:
        raise InputError("value and catch share must be positive")
    return float(min(1.0, cost_per_mw_hour_usd * window_hours / (value_per_mw_interval_usd * window_catch_frac)))


@dataclass(frozen=True, slots=True)
class FourCPYearScore:
    """How a year's 4CP curtailment did.

    Attributes
    ----------
    year : the scored summer
    intervals_avoided : 4CP intervals that fell in a curtailed window (of ``intervals_total``)
    intervals_total : 4CP intervals in the year (4)
    days_curtailed : days flagged
    hours_curtailed : hours the site was curtailed for 4CP [h]
    avoided_value_usd_per_mw : transmission charge avoided per MW of site load [USD/MW]
    value_per_hour_curtailed_usd_per_mw : avoided value per curtailed hour [USD per MW-hour]
    """

    year: int
    intervals_avoided: int
    intervals_total: int
    days_curtailed: int
    hours_curtailed: float
    avoided_value_usd_per_mw: float
    value_per_hour_curtailed_usd_per_mw: float


def score_year(flagged: pd.Series, window_slots: npt.ArrayLike, intervals: pd.DataFrame, year: int,
               rate_usd_per_kw_year: float = TRANSMISSION_RATE_USD_PER_KW_YEAR) -> FourCPYearScore:
    """Score one year's flagged days against its 4CP intervals.

    Parameters
    ----------
    flagged : boolean per local date (index of :func:`daily_features`), True = curtailed
    window_slots : local 15-minute slots curtailed on a flagged day
    intervals : 4CP intervals; the rows of ``year`` are scored
    """
    iv = intervals[intervals["year"] == year]
    if iv.empty:
        raise InputError(f"no 4CP intervals for {year}")
    window = set(np.asarray(window_slots, dtype=int).tolist())
    days = pd.DatetimeIndex(iv["interval_start_utc"]).tz_convert(ERCOT_TZ).tz_localize(None).normalize()
    slots = interval_slots(iv)
    f = flagged[pd.DatetimeIndex(flagged.index).year == year]
    on = set(pd.DatetimeIndex(f.index[f.to_numpy(dtype=bool)]).tolist())
    avoided = sum(1 for d, s in zip(days, slots, strict=True) if d in on and int(s) in window)
    hours = len(on) * len(window) * SLOT_MINUTES / 60.0
    value = avoided * value_per_mw_interval_usd(rate_usd_per_kw_year)
    return FourCPYearScore(year=year, intervals_avoided=avoided, intervals_total=len(iv), days_curtailed=len(on),
                           hours_curtailed=hours, avoided_value_usd_per_mw=value,
                           value_per_hour_curtailed_usd_per_mw=value / hours if hours else 0.0)


def out_of_sample_scores(features: pd.DataFrame, intervals: pd.DataFrame, years: list[int], *,
                         threshold: float, min_train_years: int = 5
                         ) -> tuple[list[FourCPYearScore], dict[int, pd.Series], dict[int, FourCPModel]]:
    """Fit on the years before each test year and score that year.

    Returns
    -------
    (scores, p_day by year, model by year)
    """
    scores, probs, models = [], {}, {}
    for year in years:
        train = features[features["year"] < year]
        if train["year"].nunique() < min_train_years:
            raise InputError(f"{year}: fewer than {min_train_years} earlier years to train on")
        test = features[features["year"] == year]
        if test.empty:
            raise InputError(f"no summer days with load data in {year}")
        model = FourCPModel.fit(train, intervals)
        p = model.day_probability(test)
        scores.append(score_year(curtail_days(p, threshold), model.window_slots, intervals, year))
        probs[year] = p
        models[year] = model
    return scores, probs, models
