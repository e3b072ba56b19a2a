"""The epftoolbox benchmark run end to end: load a market, forecast its test period, score, compare.

This module is an edge (it reads the datasets); the science is in :mod:`hashstack.energy.forecast` and
:mod:`hashstack.energy.evaluation`. ``hashstack energy forecast-benchmark`` and
``bench/energy_forecast.py`` both use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hashstack.energy.epftoolbox import (
    PAPER_VERSION,
    TEST_DAYS,
    daily_market_data,
    dataset_path,
    market_info,
    published_forecasts_path,
    read_epftoolbox_market,
    read_published_forecasts,
)
from hashstack.energy.evaluation import diebold_mariano, rolling_forecast, score_forecast
from hashstack.energy.forecast import LEAR_WINDOWS_DAYS, DailyMarketData, make_forecaster
from hashstack.errors import InputError

MODEL_CHOICES = ("naive", "lear", "gbm", "ensemble")
"""What ``--models`` accepts: ``naive`` = daily and weekly naive; ``lear`` = the four LEAR windows and
their ensemble; ``gbm`` = LightGBM; ``ensemble`` = mean of the LEAR ensemble and LightGBM."""

PUBLISHED_MODELS = ("LEAR Ensemble", "DNN Ensemble")


@dataclass(frozen=True, slots=True)
class MarketRun:
    """Forecasts of one market's test period.

    Attributes
    ----------
    market : market code
    currency : price currency
    dates : test delivery dates, shape ``(n_days,)``
    actual : realised prices [currency/MWh], shape ``(n_days, 24)``
    forecasts : model name -> forecasts, shape ``(n_days, 24)``
    published : published model name -> forecasts over the same days
    published_version : release of the published forecasts (``2020-06`` = the paper's)
    """

    market: str
    currency: str
    dates: np.ndarray
    actual: np.ndarray
    forecasts: dict[str, np.ndarray] = field(default_factory=dict)
    published: dict[str, np.ndarray] = field(default_factory=dict)
    published_version: str = PAPER_VERSION


def expand_models(models: Sequence[str]) -> list[str]:
    """The forecaster names that ``--models`` choices need, in run order (cheapest first)."""
    wanted = [m.strip().lower() for m in models if m.strip()]
    bad = [m for m in wanted if m not in MODEL_CHOICES]
    if bad or not wanted:
        raise InputError(f"unknown model(s) {', '.join(bad) or '(none)'}; choose from {', '.join(MODEL_CHOICES)}")
    names: list[str] = []
    if "naive" in wanted:
        names += ["naive-daily", "naive-weekly"]
    if "lear" in wanted or "ensemble" in wanted:
        names += [f"lear-{w}" for w in LEAR_WINDOWS_DAYS]
    if "gbm" in wanted or "ensemble" in wanted:
        names.append("gbm")
    return names


def combine(forecasts: dict[str, np.ndarray], models: Sequence[str]) -> dict[str, np.ndarray]:
    """Add the ensembles that ``models`` asks for, built from member forecasts already computed.

    Averaging the daily-recalibrated members' forecasts is exactly what the ensemble forecaster does.
    """
    out = dict(forecasts)
    wanted = {m.strip().lower() for m in models}
    lear = [f"lear-{w}" for w in LEAR_WINDOWS_DAYS]
    if all(k in out for k in lear):
        out["lear-ensemble"] = np.mean([out[k] for k in lear], axis=0)
    if "ensemble" in wanted and "lear-ensemble" in out and "gbm" in out:
        out["ensemble"] = (out["lear-ensemble"] + out["gbm"]) / 2.0
    if "lear" not in wanted:  # the windows were only needed as ensemble members
        for k in lear:
            out.pop(k, None)
    if "gbm" not in wanted:
        out.pop("gbm", None)
    return out


def load_market(data_dir: Path, market: str) -> DailyMarketData:
    """One benchmark market as daily arrays."""
    return daily_market_data(read_epftoolbox_market(dataset_path(data_dir, market), market))


def run_market(data_dir: Path, market: str, models: Sequence[str], n_days: int = TEST_DAYS,
               gbm_refit_every_days: int = 1, published_version: str = PAPER_VERSION,
               progress: Callable[[str, int, int], None] | None = None) -> MarketRun:
    """Forecast the last ``n_days`` days of ``market`` with daily recalibration.

    Parameters
    ----------
    data_dir : the data directory (holds ``electricity/epftoolbox``)
    market : NP, PJM, BE, FR or DE
    models : choices from :data:`MODEL_CHOICES`
    n_days : test days, at most 728 (the protocol's); the last ``n_days`` of the dataset
    gbm_refit_every_days : LightGBM retraining interval (1 = the protocol's daily recalibration)
    published_version : release of the paper's forecasts to compare with
    progress : ``progress(model, done, total)`` after each forecast day

    Returns
    -------
    MarketRun with our forecasts and the published LEAR and DNN ensembles over the same days.
    """
    if not 8 <= n_days <= TEST_DAYS:
        raise InputError(f"--days must be between 8 and {TEST_DAYS}, not {n_days}")
    info = market_info(market)
    data = load_market(data_dir, info.code)
    first = data.n_days - n_days
    run = MarketRun(info.code, info.currency, data.dates[first:], data.price[first:],
                    published_version=published_version)
    pub = read_published_forecasts(published_forecasts_path(data_dir, info.code, published_version))
    pub_days = len(pub) // 24
    for name in PUBLISHED_MODELS:
        run.published[name] = pub[name].to_numpy(dtype=float).reshape(pub_days, 24)[pub_days - n_days:]
    for name in expand_models(models):
        forecaster = make_forecaster(name, gbm_refit_every_days=gbm_refit_every_days)

        def tick(done: int, total: int, _name: str = name) -> None:
            if progress is not None:
                progress(_name, done, total)

        run.forecasts[name] = rolling_forecast(data, forecaster, first, n_days, tick)
    combined = combine(run.forecasts, models)
    run.forecasts.clear()
    run.forecasts.update(combined)
    return run


def score_run(run: MarketRun) -> list[dict[str, Any]]:
    """One row per model (ours, then the published): mae, rmae, smape, rmse and DM p-values.

    ``dm_p_better_than_<published>`` is the one-sided DM p-value of "this model is more accurate than
    the published model" (small = significantly better); ``dm_p_worse_than_<published>`` the reverse.
    """
    rows: list[dict[str, Any]] = []
    for source, group in (("hashstack", run.forecasts), (f"published {run.published_version}", run.published)):
        for name, forecast in group.items():
            row: dict[str, Any] = {"model": name, "source": source}
            row.update(score_forecast(run.actual, forecast).as_dict())
            if source == "hashstack":
                for pub_name, pub in run.published.items():
                    key = pub_name.split()[0].lower()
                    row[f"dm_p_better_than_{key}"] = diebold_mariano(run.actual, pub, forecast).p_value
                    row[f"dm_p_worse_than_{key}"] = diebold_mariano(run.actual, forecast, pub).p_value
            rows.append(row)
    return rows
