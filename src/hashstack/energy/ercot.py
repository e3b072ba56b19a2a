"""Loaders for ERCOT settlement point prices (real-time 15-min and day-ahead hourly).

Files (see ``electricity/PROVENANCE.md`` under the data directory):

* ``ercot/ercot_rtm_hub_spp_15min_2010-12-01_2023-12-31.csv.gz``: real-time hub SPP, 15-min.
* ``ercot/ercot_rtm_lz_spp_15min_2023-01-01_2023-12-31.csv.gz``: real-time load-zone SPP, 15-min
  (each LZ value is the mean of ERCOT's LZ and energy-weighted LZEW rows; see PROVENANCE).
* ``ercot/ercot_dam_spp_hourly_2021-01-01_2023-12-31.csv.gz``: day-ahead hub and load-zone SPP, hourly.

Both loaders return a DataFrame indexed by ``interval_start_utc`` (tz-aware UTC) with the columns
``interval_start_local`` (America/Chicago, tz-aware) and ``price_usd_per_mwh``; ``df.attrs`` carries the
node, market, interval length and the gaps found (:class:`hashstack.energy.prices.Gap`). Time zones
and daylight saving: the files' UTC stamps are the reference; the local column is checked against
them (real time) or rebuilt from ERCOT's delivery date, hour ending and repeated-hour flag (day
ahead), so a spring day has 23 hours (92 intervals) and an autumn day 25 hours (100 intervals).

References
----------
ERCOT, *Historical RTM Load Zone and Hub Prices* (report NP6-785-ER) and *Historical DAM Load Zone
and Hub Prices* (report NP4-180-ER), https://www.ercot.com/mp/data-products
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hashstack.energy.prices import Gap, find_gaps
from hashstack.errors import DataFileError, InputError, MissingDataError

ERCOT_TZ = "America/Chicago"
RTM_HUB_FILE = ("electricity", "ercot", "ercot_rtm_hub_spp_15min_2010-12-01_2023-12-31.csv.gz")
RTM_LZ_FILE = ("electricity", "ercot", "ercot_rtm_lz_spp_15min_2023-01-01_2023-12-31.csv.gz")
DAM_FILE = ("electricity", "ercot", "ercot_dam_spp_hourly_2021-01-01_2023-12-31.csv.gz")


def _as_utc(value: str | pd.Timestamp | None, what: str) -> pd.Timestamp | None:
    """A bound given as a date, a naive time (read as America/Chicago) or an aware time, in UTC."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{what}: cannot read '{value}' as a date or time") from exc
    if ts.tzinfo is None:
        ts = ts.tz_localize(ERCOT_TZ, ambiguous=True, nonexistent="shift_forward")
    return ts.tz_convert("UTC")


def _check_node(path: Path, header: list[str], node: str) -> None:
    if node not in header:
        nodes = [c for c in header if c.startswith(("HB_", "LZ_"))]
        raise InputError(f"node '{node}' is not in {path.name}; available: {', '.join(nodes)}")


def _parse_prices(path: Path, raw: pd.Series, node: str, first_row: int) -> np.ndarray:
    """Prices as floats; a non-numeric cell is a DataFileError naming its row (1-based data row)."""
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataFileError(path, f"not a number: {raw.iloc[row]!r}", row=first_row + row, field=node)
    return values


def _parse_utc(path: Path, raw: pd.Series, field: str, first_row: int) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(raw, format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataFileError(path, f"not a timestamp: {raw.iloc[row]!r}", row=first_row + row, field=field)
    return pd.DatetimeIndex(parsed, name="interval_start_utc")


def _finish(frame: pd.DataFrame, path: Path, node: str, market: str, freq: str,
            on_gap: str) -> pd.DataFrame:
    index = frame.index
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise DataFileError(path, "interval_start_utc is not strictly increasing", field="interval_start_utc")
    gaps: list[Gap] = find_gaps(pd.DatetimeIndex(index), frame["price_usd_per_mwh"].to_numpy(), freq)
    if gaps and on_gap == "raise":
        listed = "; ".join(g.describe() for g in gaps[:5])
        more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
        raise MissingDataError(
            f"{path}: {node} has {len(gaps)} gap(s) in the requested range: {listed}{more} "
            "(pass on_gap='report' to load with the gaps listed in df.attrs['gaps'])")
    frame.attrs.update({"node": node, "market": market, "interval": freq, "currency": "USD",
                        "source_file": str(path), "gaps": gaps})
    return frame


def _validate_on_gap(on_gap: str) -> None:
    if on_gap not in ("raise", "report"):
        raise InputError(f"on_gap must be 'raise' or 'report', not '{on_gap}'")


def _rows_in_window(path: Path, utc: pd.DatetimeIndex, start: str | pd.Timestamp | None, end: str | pd.Timestamp | None,
                    what: str) -> tuple[np.ndarray, int]:
    """Positions of the rows with ``start <= utc < end`` and the 1-based data row of the first one.

    Raises :class:`MissingDataError` naming the file when the window holds no rows.
    """
    start_utc, end_utc = _as_utc(start, "start"), _as_utc(end, "end")
    keep = np.ones(len(utc), dtype=bool)
    if start_utc is not None:
        keep &= utc >= start_utc
    if end_utc is not None:
        keep &= utc < end_utc
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        raise MissingDataError(f"{path}: no {what} between {start} and {end}")
    return rows, int(rows[0]) + 1


def read_ercot_rtm(path: str | Path, node: str = "HB_WEST", start: str | pd.Timestamp | None = None,
                   end: str | pd.Timestamp | None = None, *, on_gap: str = "raise") -> pd.DataFrame:
    """Read ERCOT real-time 15-minute settlement point prices for one hub or load zone.

    Parameters
    ----------
    path : one of the ERCOT real-time files (hub or load-zone file)
    node : settlement point column, e.g. ``"HB_WEST"``, ``"LZ_WEST"``
    start, end : optional bounds on the interval start, inclusive start and exclusive end; a naive
        date or time is read in America/Chicago (so ``start="2023-01-01"`` is local midnight)
    on_gap : ``"raise"`` (default) raises :class:`MissingDataError` listing the gaps in the range;
        ``"report"`` returns them in ``df.attrs["gaps"]`` with NaN prices in empty cells

    Returns
    -------
    DataFrame indexed by ``interval_start_utc`` [UTC], columns ``interval_start_local``
    [America/Chicago] and ``price_usd_per_mwh`` [USD/MWh]; 15-minute intervals.

    Raises
    ------
    MissingDataError : the file is absent, or it has gaps in the range and ``on_gap="raise"``
    DataFileError : a malformed timestamp or price, naming the row and column
    InputError : unknown node or bad bound
    """
    _validate_on_gap(on_gap)
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"ERCOT real-time price file not found: {path}")
    header = pd.read_csv(path, nrows=0).columns.tolist()
    for col in ("interval_start_utc", "interval_start_local"):
        if col not in header:
            raise DataFileError(path, f"missing column '{col}'", field=col)
    _check_node(path, header, node)
    raw = pd.read_csv(path, usecols=["interval_start_utc", "interval_start_local", node], dtype=str,
                      keep_default_na=False, na_values=[""])
    utc = _parse_utc(path, raw["interval_start_utc"], "interval_start_utc", first_row=1)
    rows, first_row = _rows_in_window(path, utc, start, end, f"{node} intervals")
    raw = raw.iloc[rows]
    utc = utc[rows]
    local_given = pd.to_datetime(raw["interval_start_local"], format="ISO8601", utc=True, errors="coerce")
    mismatch = np.flatnonzero(pd.DatetimeIndex(local_given) != utc)
    if mismatch.size:
        row = int(mismatch[0])
        raise DataFileError(path, f"local time {raw['interval_start_local'].iloc[row]!r} is not the same "
                            f"instant as {utc[row]}", row=first_row + row, field="interval_start_local")
    prices = _parse_prices(path, raw[node], node, first_row)
    frame = pd.DataFrame({"interval_start_local": utc.tz_convert(ERCOT_TZ), "price_usd_per_mwh": prices},
                         index=utc)
    return _finish(frame, path, node, "ERCOT real-time (SPP, 15 min)", "15min", on_gap)


def read_ercot_dam(path: str | Path, node: str = "HB_WEST", start: str | pd.Timestamp | None = None,
                   end: str | pd.Timestamp | None = None, *, on_gap: str = "raise") -> pd.DataFrame:
    """Read ERCOT day-ahead hourly settlement point prices for one hub or load zone.

    The interval start is rebuilt from ERCOT's own fields (delivery date, hour ending in Central
    Prevailing Time, repeated-hour flag: ``N`` = first (CDT) occurrence, ``Y`` = second (CST)) and must
    equal the file's ``interval_start_utc``; a disagreement is a :class:`DataFileError` naming the row.

    Parameters
    ----------
    path : the ERCOT day-ahead file
    node : settlement point column, e.g. ``"HB_WEST"``, ``"LZ_WEST"``
    start, end : optional bounds as in :func:`read_ercot_rtm`
    on_gap : as in :func:`read_ercot_rtm`

    Returns
    -------
    DataFrame indexed by ``interval_start_utc`` [UTC], columns ``interval_start_local``
    [America/Chicago], ``delivery_date`` (local date) and ``price_usd_per_mwh`` [USD/MWh]; hourly.
    """
    _validate_on_gap(on_gap)
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"ERCOT day-ahead price file not found: {path}")
    header = pd.read_csv(path, nrows=0).columns.tolist()
    needed = ["interval_start_utc", "delivery_date", "hour_ending", "repeated_hour_flag"]
    for col in needed:
        if col not in header:
            raise DataFileError(path, f"missing column '{col}'", field=col)
    _check_node(path, header, node)
    raw = pd.read_csv(path, usecols=[*needed, node], dtype=str, keep_default_na=False, na_values=[""])
    utc = _parse_utc(path, raw["interval_start_utc"], "interval_start_utc", first_row=1)
    rows, first_row = _rows_in_window(path, utc, start, end, f"{node} hours")
    raw = raw.iloc[rows]
    utc = utc[rows]
    date = pd.to_datetime(raw["delivery_date"], format="%m/%d/%Y", errors="coerce")
    bad = np.flatnonzero(date.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataFileError(path, f"not a MM/DD/YYYY date: {raw['delivery_date'].iloc[row]!r}",
                            row=first_row + row, field="delivery_date")
    hour_ending = pd.to_numeric(raw["hour_ending"].str.slice(0, 2), errors="coerce")
    bad = np.flatnonzero((hour_ending.isna() | (hour_ending < 1) | (hour_ending > 24)).to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataFileError(path, f"not an hour ending HH:00 in 01..24: {raw['hour_ending'].iloc[row]!r}",
                            row=first_row + row, field="hour_ending")
    flag = raw["repeated_hour_flag"].to_numpy()
    bad = np.flatnonzero(~np.isin(flag, ["N", "Y"]))
    if bad.size:
        row = int(bad[0])
        raise DataFileError(path, f"repeated_hour_flag must be N or Y, not {flag[row]!r}",
                            row=first_row + row, field="repeated_hour_flag")
    wall = pd.DatetimeIndex(date) + pd.to_timedelta(hour_ending.to_numpy() - 1, unit="h")
    # ambiguous=True marks the DST (first, CDT) occurrence: ERCOT's flag N.
    rebuilt = wall.tz_localize(ERCOT_TZ, ambiguous=(flag == "N"), nonexistent="NaT").tz_convert("UTC")
    mismatch = np.flatnonzero(np.asarray(rebuilt != utc))
    if mismatch.size:
        row = int(mismatch[0])
        raise DataFileError(path, f"delivery date {raw['delivery_date'].iloc[row]} hour ending "
                            f"{raw['hour_ending'].iloc[row]} flag {flag[row]} is {rebuilt[row]}, but "
                            f"interval_start_utc says {utc[row]}", row=first_row + row, field="interval_start_utc")
    prices = _parse_prices(path, raw[node], node, first_row)
    frame = pd.DataFrame({"interval_start_local": utc.tz_convert(ERCOT_TZ),
                          "delivery_date": pd.DatetimeIndex(date).date,
                          "price_usd_per_mwh": prices}, index=utc)
    return _finish(frame, path, node, "ERCOT day-ahead (SPP, hourly)", "1h", on_gap)


def hourly_mean_price(frame: pd.DataFrame) -> pd.DataFrame:
    """Hourly mean of a 15-minute price frame (hours in UTC; a partial hour keeps its mean).

    Parameters
    ----------
    frame : output of :func:`read_ercot_rtm`

    Returns
    -------
    DataFrame indexed by hourly ``interval_start_utc`` with ``price_usd_per_mwh`` [USD/MWh] and
    ``n_intervals`` (how many 15-min prices each hour averaged).
    """
    grouped = frame["price_usd_per_mwh"].resample("1h")
    out = pd.DataFrame({"price_usd_per_mwh": grouped.mean(), "n_intervals": grouped.count()})
    out.index.name = "interval_start_utc"
    return out
