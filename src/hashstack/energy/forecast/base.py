"""The day-ahead forecasting interface shared by every model.

A day-ahead market clears all 24 hours of day ``d`` at once, the day before, so a forecaster sees
prices up to day ``d-1`` and the exogenous day-ahead forecasts (load, wind, ...) up to day ``d``.
:class:`DailyMarketData` holds a market as ``(n_days, 24)`` arrays; every forecaster implements

* ``fit(history)``: calibrate on the days of ``history`` (all of them have known prices);
* ``predict(history, exog_next)``: the 24 prices of the day after ``history``'s last day,
  given that day's exogenous forecasts ``exog_next`` of shape ``(24, n_exog)``.

A forecaster never receives data from the day it forecasts or later (other than ``exog_next``), so
look-ahead is impossible by construction; the contract test checks it anyway.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from hashstack.errors import InputError

HOURS = 24


@dataclass(frozen=True, slots=True)
class DailyMarketData:
    """A day-ahead market as daily arrays.

    Attributes
    ----------
    dates : local delivery dates, ``datetime64[D]``, shape ``(n_days,)``, consecutive
    price : prices [currency/MWh], shape ``(n_days, 24)``, hour 0 = 00:00-01:00 local
    exog : exogenous day-ahead forecasts (e.g. load [MW]), shape ``(n_days, 24, n_exog)``; ``n_exog`` may be 0
    """

    dates: np.ndarray
    price: np.ndarray
    exog: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.dates)
        if self.price.shape != (n, HOURS):
            raise InputError(f"price must have shape ({n}, 24), got {self.price.shape}")
        if self.exog.ndim != 3 or self.exog.shape[:2] != (n, HOURS):
            raise InputError(f"exog must have shape ({n}, 24, n_exog), got {self.exog.shape}")
        if n > 1 and not np.all(np.diff(self.dates.astype("datetime64[D]").astype(np.int64)) == 1):
            raise InputError("dates must be consecutive days")

    @property
    def n_days(self) -> int:
        return len(self.dates)

    @property
    def n_exog(self) -> int:
        return int(self.exog.shape[2])

    def head(self, n_days: int) -> DailyMarketData:
        """The first ``n_days`` days (a view: no copy)."""
        return DailyMarketData(self.dates[:n_days], self.price[:n_days], self.exog[:n_days])

    def tail(self, n_days: int) -> DailyMarketData:
        """The last ``n_days`` days (a view)."""
        start = max(self.n_days - n_days, 0)
        return DailyMarketData(self.dates[start:], self.price[start:], self.exog[start:])

    def next_date(self) -> np.datetime64:
        """The delivery date after the last one."""
        return self.dates[-1].astype("datetime64[D]") + np.timedelta64(1, "D")


def weekday_of(dates: np.ndarray) -> np.ndarray:
    """Day of week, Monday = 0 .. Sunday = 6, of ``datetime64[D]`` dates."""
    return (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday


class DayAheadForecaster(ABC):
    """A model that forecasts the 24 day-ahead prices of the next day.

    Attributes
    ----------
    name : short label used in tables (``"naive-weekly"``, ``"lear-1456"``...)
    min_history_days : the fewest days of history ``fit`` accepts
    """

    name: str = "forecaster"
    min_history_days: int = 1

    @abstractmethod
    def fit(self, history: DailyMarketData) -> DayAheadForecaster:
        """Calibrate on ``history``; returns ``self``."""

    @abstractmethod
    def predict(self, history: DailyMarketData, exog_next: np.ndarray) -> np.ndarray:
        """Forecast the day after ``history``.

        Parameters
        ----------
        history : the days up to the day before the forecast day (prices known)
        exog_next : the forecast day's exogenous inputs, shape ``(24, n_exog)``

        Returns
        -------
        prices [currency/MWh], shape ``(24,)``
        """

    def _check_history(self, history: DailyMarketData) -> None:
        if history.n_days < self.min_history_days:
            raise InputError(f"{self.name} needs at least {self.min_history_days} days of history, "
                             f"got {history.n_days}")
