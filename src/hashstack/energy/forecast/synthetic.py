"""A seeded synthetic day-ahead market for tests and the demo (not market data).

Prices have a daily shape, a weekend dip and a day-level shift driven by a "load forecast" known a day
ahead, plus Gaussian noise; a second exogenous series ("wind") is pure noise. A forecaster that uses
its inputs beats the naive forecasts on it, which the naive forecasts cannot.
"""

from __future__ import annotations

import numpy as np

from hashstack.energy.forecast.base import DailyMarketData, weekday_of


def synthetic_market(rng: np.random.Generator, n_days: int = 160,
                     first_date: str = "2021-01-04") -> DailyMarketData:
    """A synthetic market of ``n_days`` days.

    Parameters
    ----------
    rng : the random generator (same seed, same market)
    n_days : number of days
    first_date : first delivery date (ISO)

    Returns
    -------
    DailyMarketData with price [EUR/MWh] of shape ``(n_days, 24)`` and exog of shape
    ``(n_days, 24, 2)``: load forecast [MW] and an uninformative wind series [MW].
    """
    start = np.datetime64(first_date, "D")
    dates = np.arange(start, start + n_days)
    hours = np.arange(24)
    shape = np.sin(2 * np.pi * (hours - 6) / 24)
    weekend = weekday_of(dates) >= 5
    level = rng.standard_normal(n_days)
    load = 1000.0 + 150.0 * shape[None, :] + 300.0 * level[:, None] + rng.normal(0.0, 10.0, (n_days, 24))
    wind = rng.uniform(0.0, 500.0, (n_days, 24))
    price = (40.0 + 10.0 * shape[None, :] - 8.0 * weekend[:, None] + 0.02 * (load - 1000.0)
             + rng.normal(0.0, 1.0, (n_days, 24)))
    return DailyMarketData(dates, price, np.stack([load, wind], axis=-1))
