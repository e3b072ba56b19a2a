"""Day-ahead price forecasters behind one fit/predict interface (:class:`DayAheadForecaster`).

Names understood by :func:`make_forecaster`:

* ``naive-daily``, ``naive-weekly``, ``naive-standard``: seasonal naive forecasts;
* ``lear-<W>`` (e.g. ``lear-1456``): LEAR with a ``W``-day calibration window and the default penalty
  rule; ``lear-aic-<W>``, ``lear-un-<W>``, ``lear-ic-<W>`` and ``lear-p20-<W>`` pick the rule (``aic``,
  ``aic-unit-norm``, ``ic-unit-norm``, ``paper-2020``, see :class:`LEAR`);
  ``lear-ensemble``: the mean of LEAR 56, 84, 1092 and 1456 (Lago et al. 2021);
* ``gbm``: LightGBM; ``ensemble``: the mean of the LEAR ensemble and the LightGBM model.
"""

from __future__ import annotations

from hashstack.energy.forecast.base import DailyMarketData, DayAheadForecaster
from hashstack.energy.forecast.ensemble import EnsembleForecaster, lear_ensemble
from hashstack.energy.forecast.gbm import GBMForecaster
from hashstack.energy.forecast.lear import LEAR, LEAR_WINDOWS_DAYS
from hashstack.energy.forecast.naive import SeasonalNaive, StandardNaive
from hashstack.errors import InputError

__all__ = [
    "LEAR",
    "LEAR_WINDOWS_DAYS",
    "DailyMarketData",
    "DayAheadForecaster",
    "EnsembleForecaster",
    "GBMForecaster",
    "SeasonalNaive",
    "StandardNaive",
    "lear_ensemble",
    "make_forecaster",
]


def make_forecaster(name: str, *, gbm_refit_every_days: int = 1) -> DayAheadForecaster:
    """A fresh forecaster from its name (see the module docstring)."""
    key = name.strip().lower()
    if key == "naive-daily":
        return SeasonalNaive(1)
    if key == "naive-weekly":
        return SeasonalNaive(7)
    if key == "naive-standard":
        return StandardNaive()
    if key == "lear-ensemble":
        return lear_ensemble()
    if key.startswith("lear-") and key[5:].isdigit():
        return LEAR(int(key[5:]))
    for prefix, rule in (("lear-aic-", "aic"), ("lear-un-", "aic-unit-norm"), ("lear-ic-", "ic-unit-norm"),
                         ("lear-p20-", "paper-2020")):
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            return LEAR(int(key[len(prefix):]), lambda_rule=rule)
    if key == "gbm":
        return GBMForecaster(refit_every_days=gbm_refit_every_days)
    if key == "ensemble":
        return EnsembleForecaster([lear_ensemble(), GBMForecaster(refit_every_days=gbm_refit_every_days)],
                                  name="ensemble")
    raise InputError(f"unknown forecaster '{name}'; use naive-daily, naive-weekly, naive-standard, "
                     "lear-<days>, lear-ensemble, gbm or ensemble")
