"""Demo section: day-ahead forecasts on a small seeded synthetic market (no shared data).

Two weeks are forecast with daily recalibration by the daily and weekly naive forecasts and by LEAR
(56- and 84-day windows, the short half of the paper's ensemble), then scored with the epftoolbox
metrics and a Diebold-Mariano test. The market is synthetic (see
:mod:`hashstack.energy.forecast.synthetic`): the real benchmark needs the shared datasets and is run by
``hashstack energy forecast-benchmark``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hashstack.config import Settings

DEMO_SEED = 2021
DEMO_TEST_DAYS = 14


def demo_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """Forecast and score two synthetic weeks; returns the scores per model."""
    from hashstack.console import print_table
    from hashstack.energy.evaluation import diebold_mariano, rolling_forecast, score_forecast
    from hashstack.energy.forecast import LEAR, EnsembleForecaster, SeasonalNaive
    from hashstack.energy.forecast.synthetic import synthetic_market

    market = synthetic_market(np.random.default_rng(DEMO_SEED), n_days=150)
    first = market.n_days - DEMO_TEST_DAYS
    actual = market.price[first:]
    models = {"naive-daily": SeasonalNaive(1), "naive-weekly": SeasonalNaive(7),
              "lear-ensemble (56, 84)": EnsembleForecaster([LEAR(56), LEAR(84)], name="lear-ensemble")}
    forecasts = {name: rolling_forecast(market, model, first, DEMO_TEST_DAYS) for name, model in models.items()}
    rows = []
    for name, f in forecasts.items():
        row: dict[str, Any] = {"model": name, **score_forecast(actual, f).as_dict()}
        row["dm_p_better_than_naive_daily"] = (None if name == "naive-daily" else
                                               diebold_mariano(actual, forecasts["naive-daily"], f).p_value)
        rows.append(row)
    if not quiet:
        print_table(rows, title=f"Day-ahead forecasts, synthetic market, last {DEMO_TEST_DAYS} days (EUR/MWh)",
                    columns=["model", "mae", "rmae", "smape", "rmse", "dm_p_better_than_naive_daily"])
    return {"test_days": DEMO_TEST_DAYS, "market": "synthetic (seeded)", "models": rows}
