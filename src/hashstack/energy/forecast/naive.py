"""Seasonal naive forecasts: the benchmarks every model must beat.

References
----------
Lago, J., Marcjasz, G., De Schutter, B., Weron, R. (2021). Forecasting day-ahead electricity prices:
a review of state-of-the-art algorithms, best practices and an open-access benchmark. *Applied Energy*
293, 116983 (section 4.3: the naive forecasts used by the rMAE).
"""

from __future__ import annotations

import numpy as np

from hashstack.energy.forecast.base import DailyMarketData, DayAheadForecaster, weekday_of
from hashstack.errors import InputError


class SeasonalNaive(DayAheadForecaster):
    """Tomorrow's prices are those of ``period_days`` days before tomorrow.

    Parameters
    ----------
    period_days : 1 (daily naive: yesterday's prices) or 7 (weekly naive: same weekday last week)
    """

    def __init__(self, period_days: int = 7) -> None:
        if period_days not in (1, 7):
            raise InputError(f"period_days must be 1 (daily) or 7 (weekly), not {period_days}")
        self.period_days = period_days
        self.name = "naive-daily" if period_days == 1 else "naive-weekly"
        self.min_history_days = period_days

    def fit(self, history: DailyMarketData) -> SeasonalNaive:
        self._check_history(history)
        return self

    def predict(self, history: DailyMarketData, exog_next: np.ndarray) -> np.ndarray:
        self._check_history(history)
        return np.array(history.price[-self.period_days], dtype=float)


class StandardNaive(DayAheadForecaster):
    """The "standard" naive of the EPF literature: yesterday's prices on Tuesday to Friday, last
    week's on Monday, Saturday and Sunday (epftoolbox's ``m=None`` naive; Lago et al. 2021, eq. 7)."""

    name = "naive-standard"
    min_history_days = 7

    def fit(self, history: DailyMarketData) -> StandardNaive:
        self._check_history(history)
        return self

    def predict(self, history: DailyMarketData, exog_next: np.ndarray) -> np.ndarray:
        self._check_history(history)
        weekday = int(weekday_of(np.array([history.next_date()]))[0])
        lag = 1 if weekday in (1, 2, 3, 4) else 7
        return np.array(history.price[-lag], dtype=float)
