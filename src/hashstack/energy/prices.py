"""The price vocabulary shared by every loader: gaps, and local-day 24-hour profiles.

Every loader in :mod:`hashstack.energy` returns a DataFrame indexed by ``interval_start_utc``
(tz-aware UTC, the interval *start*) with a ``price_<currency>_per_mwh`` column, and reports the
holes it found as :class:`Gap` records instead of silently skipping them.

Day-ahead forecasting works on local delivery days of exactly 24 hours. Markets that observe
daylight saving have 23-hour spring days and 25-hour autumn days; :func:`daily_profile_24h` maps
them to 24 values the way the epftoolbox datasets were built: the missing spring hour is
interpolated linearly from its neighbours and the two autumn occurrences of the repeated hour are
averaged (Lago et al. 2021, dataset description).

References
----------
Lago, J., Marcjasz, G., De Schutter, B., Weron, R. (2021). Forecasting day-ahead electricity prices:
a review of state-of-the-art algorithms, best practices and an open-access benchmark. *Applied Energy*
293, 116983. https://doi.org/10.1016/j.apenergy.2021.116983
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashstack.errors import InputError


@dataclass(frozen=True, slots=True)
class Gap:
    """A hole in a price series.

    Attributes
    ----------
    start_utc : first missing interval start [UTC]
    end_utc : last missing interval start [UTC]
    n_intervals : number of missing intervals
    kind : ``"missing_timestamps"`` (rows absent from the file) or ``"empty_values"`` (rows present,
        price cell empty)
    """

    start_utc: pd.Timestamp
    end_utc: pd.Timestamp
    n_intervals: int
    kind: str

    def describe(self) -> str:
        """One human line: ``2013-01-01T06:00Z .. 2014-01-01T05:45Z (35040 intervals, empty_values)``."""
        return (f"{self.start_utc:%Y-%m-%dT%H:%MZ} .. {self.end_utc:%Y-%m-%dT%H:%MZ} "
                f"({self.n_intervals} intervals, {self.kind})")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start and end positions (inclusive) of the runs of True in ``mask``."""
    if mask.size == 0 or not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def find_gaps(index_utc: pd.DatetimeIndex, values: np.ndarray, freq: str) -> list[Gap]:
    """The gaps in a regular UTC series: absent timestamps and empty (NaN) values.

    Parameters
    ----------
    index_utc : sorted, unique interval starts [UTC]
    values : prices aligned with ``index_utc`` [currency/MWh]; NaN marks an empty cell
    freq : the series' regular step, e.g. ``"15min"`` or ``"1h"``

    Returns
    -------
    list of Gap, in time order.
    """
    gaps: list[Gap] = []
    if len(index_utc) == 0:
        return gaps
    step = pd.Timedelta(freq)
    deltas = np.diff(index_utc.as_unit("ns").asi8)
    step_ns = step.value
    for pos in np.flatnonzero(deltas != step_ns).tolist():
        n_missing = int(deltas[pos] // step_ns) - 1
        if n_missing <= 0:
            raise InputError(f"series is not on a regular {freq} grid near {index_utc[pos]}")
        gaps.append(Gap(index_utc[pos] + step, index_utc[pos + 1] - step, n_missing, "missing_timestamps"))
    for start, end in _runs(np.isnan(np.asarray(values, dtype=float))):
        gaps.append(Gap(index_utc[start], index_utc[end], end - start + 1, "empty_values"))
    return sorted(gaps, key=lambda g: g.start_utc)


def daily_profile_24h(prices: pd.Series, tz: str) -> pd.DataFrame:
    """Hourly prices as local delivery days of exactly 24 values (epftoolbox convention).

    Parameters
    ----------
    prices : hourly prices indexed by interval start [UTC, tz-aware]; a complete hourly grid
    tz : the market's IANA time zone, e.g. ``"America/Chicago"``

    Returns
    -------
    DataFrame of shape ``(n_days, 24)``: index = local delivery date, columns = local hour 0..23.
    A 23-hour spring day gets its missing hour by linear interpolation of the neighbouring hours;
    a 25-hour autumn day gets the mean of the two occurrences of the repeated hour. Only complete
    local days are returned.
    """
    if not isinstance(prices.index, pd.DatetimeIndex) or prices.index.tz is None:
        raise InputError("prices must be indexed by a tz-aware DatetimeIndex (UTC interval starts)")
    local = prices.index.tz_convert(tz)
    frame = pd.DataFrame({"price": prices.to_numpy(dtype=float),
                          "date": local.date, "hour": local.hour})
    counts = frame.groupby("date").size()
    # A local day is complete when it holds as many hours as the wall clock had that day.
    dates = counts.index
    midnight = pd.DatetimeIndex([pd.Timestamp(d) for d in dates]).tz_localize(tz)
    next_midnight = pd.DatetimeIndex([pd.Timestamp(d) + pd.Timedelta(days=1) for d in dates]).tz_localize(tz)
    day_hours = ((next_midnight - midnight) / pd.Timedelta(hours=1)).to_numpy()
    complete = set(np.asarray(dates)[counts.to_numpy() == day_hours].tolist())
    frame = frame[frame["date"].isin(complete)]
    # Repeated autumn hour: mean of its two occurrences; missing spring hour: NaN for now.
    wide = frame.groupby(["date", "hour"])["price"].mean().unstack("hour").reindex(columns=range(24))
    wide = wide.T.interpolate(method="linear", limit_area="inside").T
    wide.index = pd.Index(wide.index, name="date")
    wide.columns = pd.Index(range(24), name="hour")
    return wide
