"""Forecast combination: the arithmetic mean of member forecasts.

References
----------
Lago, J., Marcjasz, G., De Schutter, B., Weron, R. (2021). Forecasting day-ahead electricity prices:
a review of state-of-the-art algorithms, best practices and an open-access benchmark. *Applied Energy*
293, 116983 (the LEAR ensemble: the mean of LEAR models with 56, 84, 1092 and 1456-day windows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hashstack.energy.forecast.base import DailyMarketData, DayAheadForecaster
from hashstack.energy.forecast.lear import LEAR, LEAR_WINDOWS_DAYS
from hashstack.errors import InputError


class EnsembleForecaster(DayAheadForecaster):
    """The equally weighted mean of several forecasters.

    Parameters
    ----------
    members : the forecasters to average (each refitted by :meth:`fit`)
    name : label of the ensemble
    """

    def __init__(self, members: Sequence[DayAheadForecaster], name: str = "ensemble") -> None:
        if not members:
            raise InputError("an ensemble needs at least one member")
        self.members = list(members)
        self.name = name
        self.min_history_days = max(m.min_history_days for m in self.members)
        self.last_member_forecasts_: np.ndarray | None = None

    def fit(self, history: DailyMarketData) -> EnsembleForecaster:
        self._check_history(history)
        for member in self.members:
            member.fit(history)
        return self

    def predict(self, history: DailyMarketData, exog_next: np.ndarray) -> np.ndarray:
        forecasts = np.stack([m.predict(history, exog_next) for m in self.members])
        self.last_member_forecasts_ = forecasts
        return np.asarray(forecasts.mean(axis=0))


def lear_ensemble(windows: Sequence[int] = LEAR_WINDOWS_DAYS) -> EnsembleForecaster:
    """The paper's LEAR ensemble: the mean of LEAR models with the given calibration windows [days]."""
    return EnsembleForecaster([LEAR(w) for w in windows], name="lear-ensemble")
