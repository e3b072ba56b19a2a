"""Edge: read the daily Bitcoin history and choose the market calibration for a stress run.

At run time the calibration is computed from ``<data_dir>/bitcoin/btc_daily_merged_*.csv`` (the shared
dataset; part of it is Coin Metrics data under CC BY-NC 4.0, so it is read, never shipped).  When that file
is absent the engine falls back to the derived statistics shipped in
``hashstack/risk/data/market_calibration.json`` (no history, only the numbers, with their source and date
range) and says so: :class:`CalibrationChoice` carries a human-readable ``note`` that the CLI prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from hashstack.config import Settings
from hashstack.errors import DataFileError, MissingDataError
from hashstack.risk.calibration import MarketCalibration, calibrate_market

HISTORY_GLOB = "btc_daily_merged_*.csv"
DEFAULT_START_DATE = "2015-01-01"
"""Calibration window start: skips the 2010-2014 price discovery era (monthly moves of +/-100%)."""

_REQUIRED = ("date", "price_usd", "difficulty_mean", "hashrate_ehs", "fees_btc", "blocks")


@dataclass(frozen=True, slots=True)
class CalibrationChoice:
    """The calibration a run uses and why."""

    calibration: MarketCalibration
    from_history: bool
    note: str


def find_history_file(settings: Settings) -> Path | None:
    """The newest ``btc_daily_merged_*.csv`` under ``<data_dir>/bitcoin``, or ``None``."""
    folder = settings.data_path("bitcoin")
    files = sorted(folder.glob(HISTORY_GLOB)) if folder.is_dir() else []
    return files[-1] if files else None


def read_market_calibration(path: Path, start_date: str = DEFAULT_START_DATE) -> MarketCalibration:
    """Calibrate from the merged daily history file at ``path`` (rows from ``start_date`` on).

    Raises
    ------
    DataFileError
        A required column is missing, or a price/difficulty/hash-rate/blocks cell is empty or not positive
        inside the window (the message names the row, 1-based over data rows, and the field).
    """
    try:
        df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataFileError(path, f"cannot read CSV: {exc}") from exc
    for col in _REQUIRED:
        if col not in df.columns:
            raise DataFileError(path, "required column missing", field=col)
    dates = pd.to_datetime(df["date"], errors="coerce", format="%Y-%m-%d")
    if dates.isna().any():
        raise DataFileError(path, "not a YYYY-MM-DD date", row=int(np.flatnonzero(dates.isna())[0]) + 1,
                            field="date")
    window = (dates >= pd.Timestamp(start_date)).to_numpy()
    for col in ("price_usd", "difficulty_mean", "hashrate_ehs", "blocks"):
        values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = window & ~(values > 0) & ~((col == "blocks") & (values == 0))
        if bad.any():
            raise DataFileError(path, "empty or non-positive value in the calibration window",
                                row=int(np.flatnonzero(bad)[0]) + 1, field=col)
    sub = df.loc[window]
    return calibrate_market(
        dates=dates[window].to_numpy(),
        price_usd=sub["price_usd"].to_numpy(dtype=np.float64),
        difficulty=sub["difficulty_mean"].to_numpy(dtype=np.float64),
        network_hashrate_ths=sub["hashrate_ehs"].to_numpy(dtype=np.float64) * 1e6,
        fees_btc=pd.to_numeric(sub["fees_btc"], errors="coerce").to_numpy(dtype=np.float64),
        blocks=sub["blocks"].to_numpy(dtype=np.float64),
        source=f"{path.name} (from {start_date})",
    )


def shipped_market_calibration() -> MarketCalibration:
    """The derived statistics shipped with the package (no bootstrap pool: jump model only)."""
    ref = resources.files("hashstack.risk").joinpath("data", "market_calibration.json")
    params = json.loads(ref.read_text())
    return MarketCalibration.from_parameters(params)


def choose_market_calibration(settings: Settings, start_date: str = DEFAULT_START_DATE,
                              require_history: bool = False) -> CalibrationChoice:
    """Calibrate from the shared history when present, else fall back to the shipped parameters.

    Parameters
    ----------
    settings : where the shared data lives (``settings.data_dir``)
    start_date : first day of the calibration window (ISO date)
    require_history : raise instead of falling back (for the bootstrap model, which needs the history)
    """
    path = find_history_file(settings)
    if path is not None:
        cal = read_market_calibration(path, start_date)
        return CalibrationChoice(cal, True, f"calibration: daily history {cal.source}, "
                                            f"{cal.start_date} to {cal.end_date}")
    if require_history:
        raise MissingDataError(
            f"no {HISTORY_GLOB} under {settings.data_path('bitcoin')}: the bootstrap model needs the daily "
            "history; use the jump model to run on the shipped parameters")
    cal = shipped_market_calibration()
    return CalibrationChoice(cal, False, f"calibration: SHIPPED parameters ({cal.source}, {cal.start_date} to "
                                         f"{cal.end_date}); daily history not found under "
                                         f"{settings.data_path('bitcoin')}")
