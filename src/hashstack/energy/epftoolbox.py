"""Loaders for the epftoolbox benchmark (Lago et al. 2021): five day-ahead markets and the
forecasts published with the paper.

Datasets: ``electricity/epftoolbox/datasets/{NP,PJM,BE,FR,DE}.csv.gz``, one row per hour, naive local
time (CET for NP, BE, FR, DE; US Eastern for PJM), exactly 24 hours per day (the spring hour was
interpolated and the autumn hour averaged when the data were built), a price column in the market's
currency and two day-ahead exogenous forecasts [MW].

Published forecasts: ``electricity/epftoolbox/forecasts_<version>/Forecasts_<M>_DNN_LEAR_ensembles.csv.gz``.
Two versions exist (PROVENANCE.md): ``"2020-06"`` is the release that accompanies the paper and
reproduces its tables; ``"2021-07"`` re-ran the DNNs after a fix and moved DE to a new exogenous
dataset (the DE file shipped here is that new one, so only the 2021-07 DE LEAR forecasts were made
from the same inputs as ours).

References
----------
Lago, J., Marcjasz, G., De Schutter, B., Weron, R. (2021). Forecasting day-ahead electricity prices:
a review of state-of-the-art algorithms, best practices and an open-access benchmark. *Applied Energy*
293, 116983. https://doi.org/10.1016/j.apenergy.2021.116983
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hashstack.energy.forecast.base import DailyMarketData
from hashstack.errors import DataFileError, InputError, MissingDataError


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """What the paper says about one benchmark market.

    Attributes
    ----------
    code : ``NP``, ``PJM``, ``BE``, ``FR`` or ``DE``
    name : the market and price
    currency : price currency (prices are in currency/MWh)
    timezone : the local time of the timestamps
    exog_names : the two exogenous day-ahead forecasts [MW]
    """

    code: str
    name: str
    currency: str
    timezone: str
    exog_names: tuple[str, str]


MARKETS: dict[str, MarketInfo] = {
    "NP": MarketInfo("NP", "Nord Pool system price", "EUR", "CET",
                     ("grid load forecast", "wind power forecast")),
    "PJM": MarketInfo("PJM", "PJM day-ahead, COMED zone", "USD", "US/Eastern",
                      ("system load forecast", "COMED zonal load forecast")),
    "BE": MarketInfo("BE", "EPEX Belgium day-ahead", "EUR", "CET",
                     ("France generation forecast", "France system load forecast")),
    "FR": MarketInfo("FR", "EPEX France day-ahead", "EUR", "CET",
                     ("generation forecast", "system load forecast")),
    "DE": MarketInfo("DE", "EPEX Germany day-ahead", "EUR", "CET",
                     ("Amprion zone load forecast", "PV+wind forecast")),
}

TEST_DAYS = 728
"""The protocol's test period: the last 728 days (104 weeks) of each dataset."""

FORECAST_VERSIONS = {"2020-06": "forecasts_2020-06_aa6facd", "2021-07": "forecasts_2021-07_27fabcc"}
PAPER_VERSION = "2020-06"


def market_info(market: str) -> MarketInfo:
    """The :class:`MarketInfo` of ``market`` (case-insensitive)."""
    try:
        return MARKETS[market.upper()]
    except KeyError:
        raise InputError(f"unknown epftoolbox market '{market}'; choose one of {', '.join(MARKETS)}") from None


def dataset_path(data_dir: Path, market: str) -> Path:
    """Path of the market's dataset below the data directory."""
    return Path(data_dir) / "electricity" / "epftoolbox" / "datasets" / f"{market_info(market).code}.csv.gz"


def read_epftoolbox_market(path: str | Path, market: str) -> pd.DataFrame:
    """Read one epftoolbox dataset as an hourly frame.

    Parameters
    ----------
    path : the market's ``.csv`` or ``.csv.gz`` file
    market : market code, used for the currency and column names

    Returns
    -------
    DataFrame indexed by ``interval_start_local`` (naive local time, hour start), columns
    ``price_<cur>_per_mwh`` [currency/MWh], ``exog1_mw`` and ``exog2_mw`` [MW]. ``df.attrs`` holds the
    market code, currency, timezone and the original column names.

    Raises
    ------
    MissingDataError : the file is absent
    DataFileError : wrong number of columns, a non-numeric or empty cell (row and column named), or a
        time index that is not a complete hourly grid of whole days
    """
    info = market_info(market)
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"epftoolbox dataset not found: {path}")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if raw.shape[1] != 4:
        raise DataFileError(path, f"expected 4 columns (time, price, two exogenous), found {raw.shape[1]}")
    original = [str(c) for c in raw.columns]
    index = pd.to_datetime(raw.iloc[:, 0], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    bad = np.flatnonzero(index.isna().to_numpy())
    if bad.size:
        raise DataFileError(path, f"not a timestamp: {raw.iloc[int(bad[0]), 0]!r}", row=int(bad[0]) + 1,
                            field=original[0] or "(index)")
    price_col = f"price_{info.currency.lower()}_per_mwh"
    out = {}
    for j, name in zip(range(1, 4), (price_col, "exog1_mw", "exog2_mw"), strict=True):
        values = pd.to_numeric(raw.iloc[:, j], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if bad.size:
            row = int(bad[0])
            raise DataFileError(path, f"not a number: {raw.iloc[row, j]!r}", row=row + 1, field=original[j])
        out[name] = values.to_numpy(dtype=float)
    frame = pd.DataFrame(out, index=pd.DatetimeIndex(index, name="interval_start_local"))
    expected = pd.date_range(frame.index[0], periods=len(frame), freq="1h")
    if len(frame) % 24 or frame.index[0].hour != 0 or not frame.index.equals(expected):
        where = int(np.flatnonzero(frame.index != expected)[0]) if len(frame) == len(expected) else 0
        raise DataFileError(path, "the time index must be a gap-free hourly grid of whole days "
                            f"(first break near {frame.index[where]})", row=where + 1, field=original[0] or "(index)")
    frame.attrs.update({"market": info.code, "currency": info.currency, "timezone": info.timezone,
                        "source_columns": original, "source_file": str(path)})
    return frame


def daily_market_data(frame: pd.DataFrame) -> DailyMarketData:
    """The hourly frame of :func:`read_epftoolbox_market` as ``(n_days, 24)`` arrays."""
    price_col = next(c for c in frame.columns if c.startswith("price_"))
    n_days = len(frame) // 24
    price = frame[price_col].to_numpy(dtype=float).reshape(n_days, 24)
    exog = np.stack([frame[c].to_numpy(dtype=float).reshape(n_days, 24) for c in ("exog1_mw", "exog2_mw")],
                    axis=-1)
    dates = frame.index[::24].to_numpy().astype("datetime64[D]")
    return DailyMarketData(dates=dates, price=price, exog=exog)


def read_published_forecasts(path: str | Path) -> pd.DataFrame:
    """Read a file of forecasts published with the paper.

    Parameters
    ----------
    path : ``Forecasts_<M>_DNN_LEAR_ensembles.csv(.gz)``

    Returns
    -------
    DataFrame indexed by ``interval_start_local`` with the columns ``Real price``, ``DNN 1``..``DNN 4``,
    ``DNN Ensemble``, ``LEAR 56``, ``LEAR 84``, ``LEAR 1092``, ``LEAR 1456``, ``LEAR Ensemble``
    [market currency/MWh].
    """
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"published forecast file not found: {path}")
    frame = pd.read_csv(path, index_col=0)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, format="%Y-%m-%d %H:%M:%S"),
                                   name="interval_start_local")
    for needed in ("Real price", "LEAR Ensemble", "DNN Ensemble"):
        if needed not in frame.columns:
            raise DataFileError(path, f"missing column '{needed}'", field=needed)
    if len(frame) % 24:
        raise DataFileError(path, f"{len(frame)} rows is not a whole number of days")
    return frame


def published_forecasts_path(data_dir: Path, market: str, version: str = PAPER_VERSION) -> Path:
    """Path of the published forecasts of ``market`` in release ``version`` (``2020-06`` or ``2021-07``)."""
    if version not in FORECAST_VERSIONS:
        raise InputError(f"unknown forecast release '{version}'; choose one of {', '.join(FORECAST_VERSIONS)}")
    code = market_info(market).code
    return (Path(data_dir) / "electricity" / "epftoolbox" / FORECAST_VERSIONS[version]
            / f"Forecasts_{code}_DNN_LEAR_ensembles.csv.gz")
