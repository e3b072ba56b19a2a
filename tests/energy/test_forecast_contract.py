"""One contract every day-ahead forecaster must meet, on a small synthetic market.

The synthetic market (:mod:`hashstack.energy.forecast.synthetic`) has a daily shape, a weekend dip and
a day-level shift driven by an exogenous "load" series known a day ahead, plus noise; so a model that
uses its inputs well beats both the climatological mean and the weekly naive, and the naive forecasts
still beat the climatology.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from hashstack.energy.evaluation import mae, rolling_forecast
from hashstack.energy.forecast import (
    LEAR,
    DailyMarketData,
    DayAheadForecaster,
    EnsembleForecaster,
    GBMForecaster,
    SeasonalNaive,
    StandardNaive,
)
from hashstack.energy.forecast.synthetic import synthetic_market as make_synthetic_market

N_DAYS = 160
TEST_DAYS = 12


def synthetic_market(seed: int = 7, n_days: int = N_DAYS) -> DailyMarketData:
    return make_synthetic_market(np.random.default_rng(seed), n_days)


def small_gbm() -> DayAheadForecaster:
    return GBMForecaster(window_days=365, n_estimators=80, learning_rate=0.15, num_leaves=15)


# (factory, must beat the weekly naive by this factor)
FORECASTERS: dict[str, tuple[Callable[[], DayAheadForecaster], float | None]] = {
    "naive-daily": (lambda: SeasonalNaive(1), None),
    "naive-weekly": (lambda: SeasonalNaive(7), None),
    "naive-standard": (StandardNaive, None),
    "lear-56": (lambda: LEAR(56), 0.8),  # 49 training days for 247 inputs: a weak but skilled model
    "lear-1456": (lambda: LEAR(1456), 0.5),  # a window longer than the data uses all of it
    "gbm": (small_gbm, 0.6),
    "ensemble": (lambda: EnsembleForecaster([LEAR(56), LEAR(84), small_gbm()]), 0.7),
}


@pytest.fixture(scope="module")
def market() -> DailyMarketData:
    return synthetic_market()


@pytest.fixture(scope="module")
def weekly_naive_mae(market: DailyMarketData) -> float:
    first = market.n_days - TEST_DAYS
    return mae(market.price[first:], rolling_forecast(market, SeasonalNaive(7), first, TEST_DAYS))


@pytest.mark.parametrize("name", list(FORECASTERS))
def test_shape_and_finite(name: str, market: DailyMarketData) -> None:
    model = FORECASTERS[name][0]()
    history = market.head(100)
    out = model.fit(history).predict(history, market.exog[100])
    assert out.shape == (24,) and np.isfinite(out).all()


@pytest.mark.parametrize("name", list(FORECASTERS))
def test_beats_climatology_and_skilled_models_beat_weekly_naive(name: str, market: DailyMarketData,
                                                                  weekly_naive_mae: float) -> None:
    factory, factor = FORECASTERS[name]
    first = market.n_days - TEST_DAYS
    forecasts = rolling_forecast(market, factory(), first, TEST_DAYS)
    actual = market.price[first:]
    climatology = np.broadcast_to(market.price[:first].mean(), actual.shape)
    assert mae(actual, forecasts) < mae(actual, climatology)
    if factor is not None:
        assert mae(actual, forecasts) < factor * weekly_naive_mae


@pytest.mark.parametrize("name", list(FORECASTERS))
def test_no_look_ahead(name: str, market: DailyMarketData) -> None:
    """The forecast of day d does not change when prices from d on and inputs after d are altered."""
    d = market.n_days - 5
    rng = np.random.default_rng(1)
    price = market.price.copy()
    exog = market.exog.copy()
    price[d:] = rng.normal(500.0, 100.0, size=price[d:].shape)
    exog[d + 1:] = rng.normal(0.0, 1e4, size=exog[d + 1:].shape)
    altered = DailyMarketData(market.dates, price, exog)
    factory = FORECASTERS[name][0]
    original = rolling_forecast(market, factory(), d, 1)
    changed = rolling_forecast(altered, factory(), d, 1)
    np.testing.assert_allclose(changed, original, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", list(FORECASTERS))
def test_same_inputs_same_forecast(name: str, market: DailyMarketData) -> None:
    factory = FORECASTERS[name][0]
    history = market.head(120)
    a = factory().fit(history).predict(history, market.exog[120])
    b = factory().fit(history).predict(history, market.exog[120])
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(FORECASTERS))
def test_too_little_history_is_refused(name: str, market: DailyMarketData) -> None:
    from hashstack.errors import InputError

    model = FORECASTERS[name][0]()
    with pytest.raises(InputError):
        model.fit(market.head(model.min_history_days - 1)) if model.min_history_days > 1 else model.fit(
            market.head(0))
