"""The LightGBM forecaster's design: what each row may see, and when the model is retrained."""

from __future__ import annotations

import numpy as np
import pytest

from hashstack.energy.forecast.base import HOURS, DailyMarketData
from hashstack.energy.forecast.gbm import GBMForecaster, gbm_design
from hashstack.errors import InputError


def _market(n_days: int = 60, n_exog: int = 2, seed: int = 3) -> DailyMarketData:
    rng = np.random.default_rng(seed)
    dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + n_days, dtype="datetime64[D]")
    exog = rng.normal(100.0, 10.0, (n_days, HOURS, n_exog))
    price = 0.3 * exog[:, :, 0] + rng.normal(0.0, 2.0, (n_days, HOURS))
    return DailyMarketData(dates, price, exog)


def test_design_has_the_documented_columns() -> None:
    m = _market(n_exog=2)
    x = gbm_design(m.price, m.exog, m.dates, 7, 9)
    assert x.shape == (3 * HOURS, 33 + 8 * 2)
    # columns 9..32 are the whole profile of the previous day, the same on all 24 rows of a day
    for row in range(3 * HOURS):
        day = 7 + row // HOURS
        np.testing.assert_array_equal(x[row, 9:33], m.price[day - 1])


def test_a_row_never_sees_its_own_day_or_later_prices() -> None:
    m = _market()
    x = gbm_design(m.price, m.exog, m.dates, 7, 40)
    later = m.price.copy()
    later[40:] += 1000.0  # the target day and after
    exog = m.exog.copy()
    exog[41:] -= 500.0  # exogenous inputs after the target day
    np.testing.assert_array_equal(gbm_design(later, exog, m.dates, 7, 40), x)
    # ...while the target day's exogenous inputs (day-ahead forecasts) are used
    exog[40] += 1.0
    assert not np.array_equal(gbm_design(m.price, exog, m.dates, 7, 40), x)


def test_refit_every_days_reuses_the_model_in_between() -> None:
    m = _market(n_days=50)
    f = GBMForecaster(window_days=28, refit_every_days=3, n_estimators=20)
    f.fit(m.head(40))
    first = f.model_
    f.fit(m.head(42))  # two days later: same model, fresh inputs
    assert f.model_ is first
    f.fit(m.head(43))  # three days later: retrained
    assert f.model_ is not first
    assert f.predict(m.head(43), m.exog[43]).shape == (HOURS,)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InputError, match="window_days"):
        GBMForecaster(window_days=10)
    with pytest.raises(InputError, match="refit_every_days"):
        GBMForecaster(refit_every_days=0)
    with pytest.raises(InputError, match="fit before predict"):
        GBMForecaster().predict(_market().head(30), _market().exog[30])
