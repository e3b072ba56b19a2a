"""Loaders for ERCOT hourly native load and the official 4CP intervals (``electricity/ercot_load/``).

* ``ercot_native_load_hourly_2002-01-01_2023-12-31.csv.gz``: ERCOT's Native Load workbooks, hourly
  average MW by weather zone and ERCOT total; each row covers ``[interval_start_utc, +1 h)``.
  Known gaps (kept as published, see that folder's PROVENANCE.md): operating days 2004-12-31,
  2008-12-31 and 2012-12-31 are missing, and 2016-11-06 HE 24 is empty.
* ``ercot_4cp_intervals_to_2023.csv``: the 15-minute 4CP interval of each June-September, interval
  ending Central Prevailing Time; 2021 rows are ERCOT's D&E 15-minute monthly peaks because no official
  2021 list was found (``interval_basis`` says so).

References
----------
ERCOT, Hourly Load Data Archive, https://www.ercot.com/gridinfo/load/load_hist ; ERCOT report NP9-83-M
"Four Coincident Peak Calculations"; PUCT Substantive Rule 25.192.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hashstack.errors import DataFileError, MissingDataError

ERCOT_TZ = "America/Chicago"
LOAD_FILE = ("electricity", "ercot_load", "ercot_native_load_hourly_2002-01-01_2023-12-31.csv.gz")
FOURCP_FILE = ("electricity", "ercot_load", "ercot_4cp_intervals_to_2023.csv")


def read_ercot_load(path: str | Path) -> pd.DataFrame:
    """Read ERCOT hourly native load (system total).

    Parameters
    ----------
    path : the native-load CSV (gzip or plain)

    Returns
    -------
    DataFrame indexed by ``interval_start_utc`` [UTC, hourly], columns ``interval_start_local``
    [America/Chicago] and ``ercot_load_mw`` [MW]; NaN where the file has an empty cell (reported in
    ``attrs["empty_rows"]``).

    Raises
    ------
    MissingDataError : the file is absent
    DataFileError : a missing column, a bad timestamp or a non-numeric load, naming the row
    """
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"ERCOT load file not found: {path}")
    raw = pd.read_csv(path, usecols=lambda c: c in ("interval_start_utc", "ERCOT"), dtype=str,
                      keep_default_na=False)
    for col in ("interval_start_utc", "ERCOT"):
        if col not in raw.columns:
            raise DataFileError(path, "missing column", field=col)
    utc = pd.to_datetime(raw["interval_start_utc"], format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(utc.isna().to_numpy())
    if bad.size:
        raise DataFileError(path, f"not an ISO 8601 UTC time: {raw['interval_start_utc'].iloc[bad[0]]!r}",
                            row=int(bad[0]) + 1, field="interval_start_utc")
    text = raw["ERCOT"].str.strip()
    load = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = np.flatnonzero((load.isna() & (text != "")).to_numpy())
    if bad.size:
        raise DataFileError(path, f"not a number: {raw['ERCOT'].iloc[bad[0]]!r}", row=int(bad[0]) + 1, field="ERCOT")
    index = pd.DatetimeIndex(utc, name="interval_start_utc")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise DataFileError(path, "timestamps must be unique and increasing", field="interval_start_utc")
    out = pd.DataFrame({"interval_start_local": index.tz_convert(ERCOT_TZ),
                        "ercot_load_mw": load.to_numpy(dtype=float)}, index=index)
    out.attrs["empty_rows"] = (np.flatnonzero(load.isna().to_numpy()) + 1).tolist()
    out.attrs["path"] = str(path)
    return out


def read_4cp_intervals(path: str | Path) -> pd.DataFrame:
    """Read the ERCOT 4CP intervals.

    Returns
    -------
    DataFrame with one row per (year, month): ``year``, ``month``, ``interval_end_utc`` [UTC],
    ``interval_start_utc`` [UTC] (15 minutes earlier), ``interval_basis`` (official or, for 2021, D&E),
    ``interval_start_known`` (False where the file leaves ``interval_start_local`` empty: rows whose
    interval length the source does not state, 1996-2000, which keep their hour-end times).
    """
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"ERCOT 4CP interval file not found: {path}")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("year", "month", "interval_end_utc", "interval_basis", "interval_start_local"):
        if col not in raw.columns:
            raise DataFileError(path, "missing column", field=col)
    end = pd.to_datetime(raw["interval_end_utc"], format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(end.isna().to_numpy())
    if bad.size:
        raise DataFileError(path, f"not an ISO 8601 UTC time: {raw['interval_end_utc'].iloc[bad[0]]!r}",
                            row=int(bad[0]) + 1, field="interval_end_utc")
    out = pd.DataFrame({
        "year": pd.to_numeric(raw["year"], errors="coerce"),
        "month": pd.to_numeric(raw["month"], errors="coerce"),
    })
    for col in ("year", "month"):
        bad = np.flatnonzero(out[col].isna().to_numpy())
        if bad.size:
            raise DataFileError(path, f"not an integer: {raw[col].iloc[bad[0]]!r}", row=int(bad[0]) + 1, field=col)
    out = out.astype(int)
    if not out["month"].between(6, 9).all():
        row = int(np.flatnonzero(~out["month"].between(6, 9).to_numpy())[0])
        raise DataFileError(path, "4CP months are June to September", row=row + 1, field="month")
    out["interval_end_utc"] = pd.DatetimeIndex(end)
    out["interval_start_utc"] = out["interval_end_utc"] - pd.Timedelta(minutes=15)
    out["interval_basis"] = raw["interval_basis"].to_numpy()
    out["interval_start_known"] = (raw["interval_start_local"].str.strip() != "").to_numpy(dtype=bool)
    return out
