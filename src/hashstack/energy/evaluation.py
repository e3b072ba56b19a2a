"""The epftoolbox evaluation protocol: rolling day-ahead forecasts, error metrics, Diebold-Mariano.

Protocol (Lago et al. 2021, section 4): the test period is the last 728 days of a dataset; each test
day ``d`` is forecast by a model recalibrated on data up to day ``d-1`` only (daily recalibration);
accuracy is measured by MAE, RMSE, sMAPE and rMAE, and models are compared with the
Diebold-Mariano (DM) test.

rMAE: the MAE of the model divided by the MAE of the **weekly** naive forecast ``y[t-168 h]`` computed
on the test period itself, so the first week of the test period has no naive forecast and is left out
of the denominator only (epftoolbox ``rMAE(..., m="W")``; the paper's tables use this one). The
"standard" naive (daily on Tuesday-Friday, weekly on Monday, Saturday, Sunday) is available as
``naive="standard"`` and gives other numbers, as in the NBEATSx paper.

References
----------
Lago, J., Marcjasz, G., De Schutter, B., Weron, R. (2021). Forecasting day-ahead electricity prices:
a review of state-of-the-art algorithms, best practices and an open-access benchmark. *Applied Energy*
293, 116983.
Diebold, F. X., Mariano, R. S. (1995). Comparing predictive accuracy. *Journal of Business & Economic
Statistics* 13(3), 253-263.
Ziel, F., Weron, R. (2018). Day-ahead electricity price forecasting with high-dimensional structures:
univariate vs. multivariate modeling frameworks. *Energy Economics* 70, 396-420 (the multivariate DM
test on daily loss differentials).
Nowotarski, J., Weron, R. (2018). Recent advances in electricity price forecasting: a review of
probabilistic forecasting. *Renewable and Sustainable Energy Reviews* 81, 1548-1568 (historical
simulation of quantiles from past errors; pinball loss).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from hashstack.energy.forecast.base import HOURS, DailyMarketData, DayAheadForecaster, weekday_of
from hashstack.errors import InputError


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, f = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if y.shape != f.shape:
        raise InputError(f"actual and forecast shapes differ: {y.shape} vs {f.shape}")
    if y.size == 0:
        raise InputError("no values to score")
    return y, f


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error [currency/MWh]."""
    y, f = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y - f)))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error [currency/MWh]."""
    y, f = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y - f) ** 2)))


def smape_pct(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Symmetric MAPE [%]: ``100 mean(|y - f| / ((|y| + |f|) / 2))``; a term with ``y = f = 0`` counts 0."""
    y, f = _pair(y_true, y_pred)
    denom = (np.abs(y) + np.abs(f)) / 2.0
    terms = np.divide(np.abs(y - f), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100.0 * np.mean(terms))


def naive_mae(y_true_hourly: np.ndarray, naive: str = "weekly", dates: np.ndarray | None = None) -> float:
    """MAE of the in-sample naive forecast over a test period (the rMAE denominator).

    Parameters
    ----------
    y_true_hourly : the test period's prices [currency/MWh], shape ``(n_days, 24)`` or flat hourly
    naive : ``"weekly"`` (``y[t - 168 h]``, the paper's) or ``"standard"`` (``y[t - 24 h]`` on
        Tuesday-Friday, ``y[t - 168 h]`` on Monday, Saturday and Sunday)
    dates : the delivery dates, ``datetime64[D]`` of shape ``(n_days,)``; needed for ``"standard"``

    Returns
    -------
    MAE over the test period less its first week (which has no naive forecast) [currency/MWh]
    """
    daily = np.asarray(y_true_hourly, dtype=float).reshape(-1, HOURS)
    if daily.shape[0] <= 7:
        raise InputError("the rMAE needs a test period longer than one week")
    if naive == "weekly":
        return mae(daily[7:], daily[:-7])
    if naive == "standard":
        if dates is None or len(dates) != daily.shape[0]:
            raise InputError("naive='standard' needs the delivery dates of every test day")
        wd = weekday_of(np.asarray(dates)[7:])
        lag1 = daily[6:-1]
        lag7 = daily[:-7]
        pred = np.where(np.isin(wd, [1, 2, 3, 4])[:, None], lag1, lag7)
        return mae(daily[7:], pred)
    raise InputError(f"naive must be 'weekly' or 'standard', not '{naive}'")


def rmae(y_true: np.ndarray, y_pred: np.ndarray, naive: str = "weekly", dates: np.ndarray | None = None) -> float:
    """Relative MAE: MAE of the forecast over the whole test period / :func:`naive_mae` (dimensionless)."""
    return mae(y_true, y_pred) / naive_mae(y_true, naive, dates)


@dataclass(frozen=True, slots=True)
class ForecastScores:
    """The protocol's accuracy figures of one forecast over one test period.

    Attributes
    ----------
    mae : mean absolute error [currency/MWh]
    rmae : MAE relative to the weekly naive (dimensionless)
    smape_pct : symmetric MAPE [%]
    rmse : root mean squared error [currency/MWh]
    n_days : test days scored
    """

    mae: float
    rmae: float
    smape_pct: float
    rmse: float
    n_days: int

    def as_dict(self) -> dict[str, float | int]:
        return {"mae": self.mae, "rmae": self.rmae, "smape": self.smape_pct, "rmse": self.rmse,
                "n_days": self.n_days}


def score_forecast(y_true: np.ndarray, y_pred: np.ndarray) -> ForecastScores:
    """MAE, rMAE (weekly naive), sMAPE and RMSE of a ``(n_days, 24)`` forecast."""
    y, f = _pair(y_true, y_pred)
    y, f = y.reshape(-1, HOURS), f.reshape(-1, HOURS)
    return ForecastScores(mae(y, f), rmae(y, f), smape_pct(y, f), rmse(y, f), y.shape[0])


@dataclass(frozen=True, slots=True)
class DMResult:
    """Outcome of a one-sided Diebold-Mariano test.

    Attributes
    ----------
    statistic : DM statistic, ``mean(d) / sqrt(var(d) / N)``, ``d = loss(forecast 1) - loss(forecast 2)``
    p_value : ``1 - Phi(statistic)``; small means forecast 2 is significantly more accurate than forecast 1
    n : number of loss differentials
    """

    statistic: float
    p_value: float
    n: int


def diebold_mariano(y_true: np.ndarray, pred_1: np.ndarray, pred_2: np.ndarray, norm: int = 1) -> DMResult:
    """Multivariate one-sided DM test of ``H0``: forecast 2 is not more accurate than forecast 1.

    The loss differential of day ``d`` is ``d_d = ||e1_d||_norm^norm / 24 - ||e2_d||_norm^norm / 24``
    (the mean over the 24 hours of ``|error|^norm``), which removes the within-day correlation of
    hourly errors (Ziel and Weron 2018). Under ``H0`` and a stationary ``d`` the statistic
    ``mean(d) / sqrt(var(d) / N)`` (population variance) is asymptotically standard normal.

    Parameters
    ----------
    y_true, pred_1, pred_2 : shape ``(n_days, 24)`` [currency/MWh]
    norm : 1 (absolute errors, the paper's choice) or 2 (squared errors)

    Returns
    -------
    DMResult; ``p_value < 0.05`` means forecast 2 beats forecast 1 at the 5 % level.
    """
    y, f1 = _pair(y_true, pred_1)
    _, f2 = _pair(y_true, pred_2)
    if norm not in (1, 2):
        raise InputError(f"norm must be 1 or 2, not {norm}")
    y, f1, f2 = y.reshape(-1, HOURS), f1.reshape(-1, HOURS), f2.reshape(-1, HOURS)
    d = np.mean(np.abs(y - f1) ** norm, axis=1) - np.mean(np.abs(y - f2) ** norm, axis=1)
    n = d.shape[0]
    var = float(np.var(d))
    if n < 2 or var == 0.0:
        raise InputError("the DM test needs at least two days with non-constant loss differentials")
    statistic = float(np.mean(d) / np.sqrt(var / n))
    return DMResult(statistic, float(1.0 - stats.norm.cdf(statistic)), n)


ProgressFn = Callable[[int, int], None]


def rolling_forecast(data: DailyMarketData, forecaster: DayAheadForecaster, first_day: int, n_days: int,
                     progress: ProgressFn | None = None) -> np.ndarray:
    """Forecast days ``first_day .. first_day + n_days - 1``, recalibrating before each one.

    For test day ``d`` the forecaster is fitted on ``data.head(d)`` (prices up to ``d-1``) and given the
    exogenous inputs of day ``d`` only: the epftoolbox protocol's daily recalibration.

    Parameters
    ----------
    data : the whole market
    forecaster : any :class:`DayAheadForecaster` (refitted in place every day)
    first_day : index of the first test day in ``data``
    n_days : number of test days
    progress : called as ``progress(done, total)`` after each day

    Returns
    -------
    forecasts [currency/MWh], shape ``(n_days, 24)``
    """
    if first_day < forecaster.min_history_days or first_day + n_days > data.n_days or n_days < 1:
        raise InputError(f"test days {first_day}..{first_day + n_days - 1} do not fit in {data.n_days} days "
                         f"with {forecaster.min_history_days} days of history for {forecaster.name}")
    out = np.empty((n_days, HOURS))
    for i in range(n_days):
        d = first_day + i
        history = data.head(d)
        forecaster.fit(history)
        out[i] = forecaster.predict(history, data.exog[d])
        if progress is not None:
            progress(i + 1, n_days)
    return out


def historical_quantiles(forecast: np.ndarray, actual: np.ndarray, quantiles: tuple[float, ...],
                         window_days: int = 182) -> np.ndarray:
    """Probabilistic forecasts by historical simulation of past out-of-sample errors.

    The quantile ``q`` for day ``i`` and hour ``h`` is ``forecast[i, h] + Q_q(actual - forecast)`` over
    the same hour of the ``window_days`` days before ``i`` (days ``i - window_days .. i - 1``), so
    only errors already observed on day ``i - 1`` are used (Nowotarski and Weron 2018).

    Parameters
    ----------
    forecast : point forecasts [currency/MWh], shape ``(n_days, 24)``
    actual : realised prices, shape ``(n_days, 24)``; rows may be NaN where not yet known
    quantiles : levels in (0, 1), increasing
    window_days : how many past days of errors to use

    Returns
    -------
    array of shape ``(n_days, n_quantiles, 24)``; NaN for days with fewer than 7 past errors. Quantiles
    are non-decreasing in ``q``.
    """
    f, y = _pair(forecast, actual)
    qs = np.asarray(quantiles, dtype=float)
    if qs.ndim != 1 or np.any((qs <= 0) | (qs >= 1)) or np.any(np.diff(qs) <= 0):
        raise InputError("quantiles must be increasing levels strictly between 0 and 1")
    err = (y - f).reshape(-1, HOURS)
    f = f.reshape(-1, HOURS)
    out = np.full((f.shape[0], qs.size, HOURS), np.nan)
    for i in range(f.shape[0]):
        past = err[max(0, i - window_days): i]
        past = past[~np.isnan(past).any(axis=1)]
        if past.shape[0] >= 7:
            out[i] = f[i][None, :] + np.quantile(past, qs, axis=0)
    return out


def pinball_loss(actual: np.ndarray, quantile_forecast: np.ndarray, quantiles: tuple[float, ...]) -> float:
    """Mean pinball (quantile) loss [currency/MWh] over days, quantiles and hours (NaN days skipped).

    Parameters
    ----------
    actual : shape ``(n_days, 24)``
    quantile_forecast : shape ``(n_days, n_quantiles, 24)``
    quantiles : the levels of ``quantile_forecast``
    """
    y = np.asarray(actual, dtype=float)[:, None, :]
    q = np.asarray(quantiles, dtype=float)[None, :, None]
    diff = y - np.asarray(quantile_forecast, dtype=float)
    loss = np.maximum(q * diff, (q - 1.0) * diff)
    return float(np.nanmean(loss))
