"""Inputs of a curtailment backtest read from the data directory (an I/O edge).

Gathers, for one settlement point and period: realised real-time prices, a day-ahead forecast (ERCOT's
day-ahead market price where the day-ahead file covers the period, else the seasonal-naive persistence
of real-time prices), the daily hashprice from the network history, and 4CP curtailment windows from a
model fitted only on earlier years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hashstack.config import Settings
from hashstack.energy.backtest import fill_hashprice_gaps, hourly_to_intervals, persistence_forecast
from hashstack.energy.ercot import DAM_FILE, ERCOT_TZ, read_ercot_dam, read_ercot_rtm
from hashstack.energy.ercot_load import FOURCP_FILE, LOAD_FILE, read_4cp_intervals, read_ercot_load
from hashstack.energy.fourcp import (
    FourCPModel,
    daily_features,
    threshold_for_value,
    value_per_mw_interval_usd,
)
from hashstack.energy.power_curve import ConcaveCurve
from hashstack.energy.realtime import site_breakeven_usd_per_mwh
from hashstack.errors import InputError, MissingDataError
from hashstack.network import hashprice_history, read_network_history
from hashstack.units import TH_PER_PH

HISTORY_GLOB = "btc_daily_merged_*.csv"
FORECASTS = ("auto", "dam", "persistence")


@dataclass(frozen=True, slots=True, eq=False)
class BacktestInputs:
    """Everything a backtest needs, with notes on what was substituted or filled."""

    price_usd_per_mwh: pd.Series
    forecast_usd_per_mwh: pd.Series
    forecast_name: str
    hashprice_usd_per_th_day: pd.Series
    notes: list[str] = field(default_factory=list)


def read_hashprice_usd_per_th_day(settings: Settings) -> tuple[pd.Series, list[pd.Timestamp]]:
    """Daily hashprice [USD per TH/s per day] from the shared network history, gaps carried forward."""
    folder = settings.data_path("bitcoin")
    files = sorted(folder.glob(HISTORY_GLOB))
    if not files:
        raise MissingDataError(f"no {HISTORY_GLOB} under {folder}")
    hp = hashprice_history(read_network_history(files[-1]))["hashprice_usd_per_ph_day"] / TH_PER_PH
    return fill_hashprice_gaps(hp)


def read_backtest_inputs(settings: Settings, prices_path: str | Path, node: str, start: str, end: str,
                         forecast: str = "auto") -> BacktestInputs:
    """Realised prices, a forecast and the hashprice for ``[start, end)`` (local dates).

    Parameters
    ----------
    settings : where the shared data lives
    prices_path : ERCOT real-time price file
    node : settlement point, e.g. ``HB_WEST``
    start, end : local dates, end exclusive
    forecast : ``dam`` (ERCOT day-ahead price), ``persistence`` (same interval the day before) or ``auto``
        (day-ahead where the day-ahead file covers the whole period, else persistence)
    """
    if forecast not in FORECASTS:
        raise InputError(f"forecast must be one of {FORECASTS}, not {forecast!r}")
    notes: list[str] = []
    # one extra day before the start feeds the persistence forecast
    before = (pd.Timestamp(start) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    rt = read_ercot_rtm(prices_path, node, before, end)
    price_all = rt["price_usd_per_mwh"]
    start_utc = pd.Timestamp(start).tz_localize(ERCOT_TZ).tz_convert("UTC")
    price = price_all[price_all.index >= start_utc]
    if price.empty:
        raise MissingDataError(f"{prices_path}: no {node} prices from {start} to {end}")
    dam_path = settings.data_path(*DAM_FILE)
    use_dam = forecast == "dam"
    if forecast == "auto":
        use_dam = False
        if dam_path.exists():
            try:
                dam = read_ercot_dam(dam_path, node, start, end)
                on_grid = hourly_to_intervals(dam["price_usd_per_mwh"], pd.DatetimeIndex(price.index))
                use_dam = bool(np.all(np.isfinite(on_grid.to_numpy(dtype=float))))
            except (MissingDataError, InputError):
                use_dam = False
        if not use_dam:
            notes.append(f"no day-ahead {node} prices for the whole period: forecast = persistence")
    if use_dam:
        dam = read_ercot_dam(dam_path, node, start, end)
        fc = hourly_to_intervals(dam["price_usd_per_mwh"], pd.DatetimeIndex(price.index))
        name = f"ERCOT day-ahead {node} price"
    else:
        fc = persistence_forecast(price_all, 1).reindex(price.index)
        name = "persistence (same local time, previous day)"
    missing = ~np.isfinite(fc.to_numpy(dtype=float))
    if missing.any():
        raise MissingDataError(f"forecast '{name}' has no value at {price.index[int(np.flatnonzero(missing)[0])]}")
    hp, filled = read_hashprice_usd_per_th_day(settings)
    first_day = pd.DatetimeIndex(price.index).normalize()[0] - pd.Timedelta(days=1)
    last_day = pd.DatetimeIndex(price.index).normalize()[-1]
    in_period = [d for d in filled if first_day <= d <= last_day]
    if in_period:
        notes.append(f"hashprice carried forward over {len(in_period)} day(s) without fee data: "
                     + ", ".join(str(d.date()) for d in in_period))
    return BacktestInputs(price, fc, name, hp, notes)


def fourcp_caps(settings: Settings, index_utc: pd.DatetimeIndex, *, floor_w: float = 0.0,
                lost_margin_usd_per_mwh: float = 50.0, forecast_usd_per_mwh: pd.Series | None = None,
                hashprice_usd_per_th_day: pd.Series | None = None, curve: ConcaveCurve | None = None,
                pool_fee_frac: float = 0.0) -> tuple[pd.Series, list[pd.Timestamp], list[str]]:
    """4CP curtailment caps for the intervals of ``index_utc`` and the actual 4CP interval starts.

    Each summer is predicted by a model fitted on the earlier summers only. A day is flagged when its
    probability clears the break-even threshold of :func:`hashstack.energy.fourcp.threshold_for_value`:
    the margin curtailing the window would lose against 16,689 USD per MW-interval avoided. The margin
    lost per MWh is, when ``forecast_usd_per_mwh``, ``hashprice_usd_per_th_day`` and ``curve`` are given,
    each day's ``max(0, site breakeven at the previous day's hashprice - mean forecast price in the
    window)``; otherwise the fixed ``lost_margin_usd_per_mwh``.

    Returns
    -------
    (caps [W] per interval, NaN outside windows; actual 4CP interval starts in the period; notes)
    """
    load = read_ercot_load(settings.data_path(*LOAD_FILE))
    intervals = read_4cp_intervals(settings.data_path(*FOURCP_FILE))
    feats = daily_features(load)
    idx = pd.DatetimeIndex(index_utc)
    local = idx.tz_convert(ERCOT_TZ)
    local_day = local.tz_localize(None).normalize()
    slot = local.hour * 4 + local.minute // 15
    caps = np.full(idx.size, np.nan)
    notes: list[str] = []
    years = sorted({int(y) for y in local.year})
    for year in years:
        in_year = local.year == year
        if not np.any(in_year & np.isin(local.month, (6, 7, 8, 9))):
            continue
        train = feats[feats["year"] < year]
        test = feats[feats["year"] == year]
        if train["year"].nunique() < 5 or test.empty:
            notes.append(f"{year}: not enough earlier load history for a 4CP model; no 4CP windows")
            continue
        model = FourCPModel.fit(train, intervals)
        window_h = model.window_slots.size / 4.0
        p = model.day_probability(test)
        lost = pd.Series(lost_margin_usd_per_mwh, index=p.index)
        if forecast_usd_per_mwh is not None and hashprice_usd_per_th_day is not None and curve is not None:
            in_window = np.isin(slot, model.window_slots) & in_year
            fc_window = pd.Series(forecast_usd_per_mwh.reindex(idx).to_numpy(dtype=float)[in_window],
                                  index=local_day[in_window]).groupby(level=0).mean()
            hp_prev = hashprice_usd_per_th_day.copy()
            hp_prev.index = pd.DatetimeIndex(hp_prev.index).tz_localize(None) + pd.Timedelta(days=1)
            hp_day = hp_prev.reindex(p.index).ffill()
            breakeven = pd.Series(site_breakeven_usd_per_mwh(curve, hp_day.to_numpy(dtype=float), pool_fee_frac),
                                  index=p.index)
            lost = (breakeven - fc_window.reindex(p.index)).clip(lower=0.0).fillna(lost)
        thr = pd.Series([threshold_for_value(value_per_mw_interval_usd(), float(x), window_h,
                                                model.window_catch_frac) for x in lost],
                        index=p.index)
        flagged = pd.DatetimeIndex(p.index[p.to_numpy() >= thr.to_numpy()])
        hit = in_year & local_day.isin(flagged) & np.isin(slot, model.window_slots)
        caps[hit] = floor_w
        notes.append(f"{year}: 4CP model fitted on {min(model.train_years)}-{max(model.train_years)}, window "
                     f"{_slot_label(model.window_slots)} local (held {model.window_catch_frac:.0%} of the training "
                     f"intervals), {flagged.size} days flagged "
                     f"(thresholds {thr.min():.4f}..{thr.max():.4f})")
        if year == 2021:
            notes.append("2021 4CP intervals are ERCOT's D&E monthly peaks (no official 2021 list was found)")
    starts = intervals["interval_start_utc"]
    actual = [pd.Timestamp(t) for t in starts[(starts >= idx[0]) & (starts <= idx[-1])]]
    return pd.Series(caps, index=idx, name="fourcp_cap_w"), actual, notes


def _slot_label(slots: np.ndarray) -> str:
    a, b = int(slots.min()), int(slots.max()) + 1
    return f"{a // 4:02d}:{a % 4 * 15:02d}-{b // 4:02d}:{b % 4 * 15:02d}"
