"""LEAR internals: the LARS-LASSO AIC selection equals scikit-learn's LassoLarsIC; the design matrix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LassoLarsIC

from hashstack.energy.forecast import DailyMarketData
from hashstack.energy.forecast.lear import LEAR, lasso_aic_path, lear_design, sklearn_023_unit_norm_penalty
from hashstack.errors import InputError


@pytest.mark.parametrize("seed", range(12))
def test_lasso_aic_path_equals_sklearn_lassolarsic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(25, 160)), int(rng.integers(5, 60))
    x = rng.standard_normal((n, p))
    x[:, 1] = 0.9 * x[:, 0] + 0.1 * x[:, 1]  # correlated inputs make the path drop variables
    beta = np.zeros(p)
    beta[:5] = 2.0 * rng.standard_normal(5)
    y = x @ beta + rng.normal(0.0, rng.uniform(0.5, 3.0), n)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    sigma2 = float(np.var(yc))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LassoLarsIC(criterion="aic", noise_variance=sigma2).fit(x, y)
    ours = lasso_aic_path(xc.T @ xc, xc.T @ yc, float(yc @ yc), n, sigma2)
    np.testing.assert_allclose(ours, ref.coef_, atol=1e-8)


def test_more_inputs_than_days_and_collinear_columns_are_handled() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 80))
    x[:, 5] = x[:, 4]  # an exact duplicate is skipped, not a crash
    y = 3.0 * x[:, 4] + rng.normal(0.0, 0.1, 30)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    coef = lasso_aic_path(xc.T @ xc, xc.T @ yc, float(yc @ yc), 30, float(np.var(yc)))
    assert np.isfinite(coef).all()
    assert coef[4] + coef[5] == pytest.approx(3.0, abs=0.3)


def test_design_has_the_papers_247_inputs_in_order() -> None:
    n = 10
    price = np.arange(n * 24, dtype=float).reshape(n, 24)
    exog = np.stack([price + 1000.0, price + 2000.0], axis=-1)
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + n)  # Monday
    x = lear_design(price, exog, dates, 7, 9)
    assert x.shape == (3, 247)
    row = x[0]  # target day 7 (a Monday)
    np.testing.assert_array_equal(row[0:24], price[6])  # d-1
    np.testing.assert_array_equal(row[24:48], price[5])  # d-2
    np.testing.assert_array_equal(row[48:72], price[4])  # d-3
    np.testing.assert_array_equal(row[72:96], price[0])  # d-7
    np.testing.assert_array_equal(row[96:120], exog[7, :, 0])  # exog 1 on d
    np.testing.assert_array_equal(row[120:144], exog[6, :, 0])  # d-1
    np.testing.assert_array_equal(row[144:168], exog[0, :, 0])  # d-7
    np.testing.assert_array_equal(row[168:192], exog[7, :, 1])
    np.testing.assert_array_equal(row[240:], [1, 0, 0, 0, 0, 0, 0])
    with pytest.raises(InputError):
        lear_design(price, exog, dates, 6, 9)


def test_window_is_respected() -> None:
    rng = np.random.default_rng(2)
    from hashstack.energy.forecast.base import DailyMarketData

    n = 120
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + n)
    data = DailyMarketData(dates, rng.normal(40, 5, (n, 24)), rng.normal(0, 1, (n, 24, 2)))
    changed = DailyMarketData(dates, data.price.copy(), data.exog.copy())
    changed.price[:60] += 100.0  # outside a 56-day window ending at day 119
    a = LEAR(56).fit(data).predict(data, data.exog[-1])
    b = LEAR(56).fit(changed).predict(changed, changed.exog[-1])
    np.testing.assert_allclose(a, b)
    with pytest.raises(InputError):
        LEAR(7)


@pytest.mark.parametrize("seed", range(4))
def test_lasso_at_penalty_equals_coordinate_descent(seed: int) -> None:
    from sklearn.linear_model import Lasso

    from hashstack.energy.forecast.lear import lasso_at_penalty

    rng = np.random.default_rng(100 + seed)
    n, p = 120, 30
    x = rng.standard_normal((n, p))
    y = x[:, :4] @ np.array([2.0, -1.0, 0.5, 1.5]) + rng.normal(0.0, 1.0, n)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    alpha = 0.05
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(xc, yc)
    ours = lasso_at_penalty(xc.T @ xc, xc.T @ yc, alpha * n)
    np.testing.assert_allclose(ours, ref.coef_, atol=1e-7)


def test_unit_norm_rule_picks_the_aic_lambda_of_the_normalised_inputs() -> None:
    rng = np.random.default_rng(9)
    n, p = 150, 25
    x = rng.standard_normal((n, p)) * rng.uniform(0.2, 3.0, p)  # columns of very different norms
    y = x[:, :3] @ np.array([1.0, -2.0, 0.5]) + rng.normal(0.0, 1.0, n)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    norms = np.linalg.norm(xc, axis=0)
    sigma2 = float(np.var(yc))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LassoLarsIC(criterion="aic", noise_variance=sigma2, fit_intercept=False).fit(xc / norms, yc)
    penalty = LEAR._unit_norm_penalty(xc.T @ xc, xc.T @ yc, float(yc @ yc), sigma2)
    assert penalty / n == pytest.approx(ref.alpha_, rel=1e-9)
    with pytest.raises(InputError):
        LEAR(56, lambda_rule="bic")


def test_paper_2020_rule_reproduces_scikit_learn_023_on_short_windows() -> None:
    """The penalties scikit-learn 0.23.1's ``LassoLarsIC(criterion="aic", max_iter=2500)`` chose (recorded
    from that version, Python 3.8) on a problem with fewer rows than columns; the first two differ from
    the correct AIC choice, which is the defect the rule reproduces."""
    n, p = 30, 50
    i, j = np.arange(n)[:, None], np.arange(p)[None, :]
    x = np.sin(1.3 * i + 0.7 * j + (i * j % 7)) + 0.3 * np.cos(0.11 * i * j)
    xc = x - x.mean(axis=0)
    recorded = [0.04236894974612165, 0.035772809687577574, 0.08576581034716367, 0.05064179061571727]
    for k, alpha_023 in enumerate(recorded):
        y = 3 * x[:, 0] + 2 * x[:, 1] + (1 + k) * x[:, 2] + 0.5 * x[:, 20 + k] + 0.3 * np.sin(2.1 * np.arange(n) + k)
        yc = y - y.mean()
        assert sklearn_023_unit_norm_penalty(xc, yc) / n == pytest.approx(alpha_023, rel=1e-9)
        correct = LEAR._unit_norm_penalty(xc.T @ xc, xc.T @ yc, float(yc @ yc), float(yc @ yc) / n) / n
        if k < 2:
            assert correct < 0.8 * alpha_023  # the defect inflates the AIC and picks a sparser model


def test_paper_2020_rule_equals_unit_norm_when_days_outnumber_inputs() -> None:
    rng = np.random.default_rng(4)
    n_days = 320  # 313 training days > 247 inputs: scikit-learn used a Gram matrix, no defect
    dates = np.datetime64("2020-01-01") + np.arange(n_days)
    exog = rng.normal(100.0, 10.0, (n_days, 24, 2))
    price = 0.3 * exog[..., 0] + rng.normal(0.0, 2.0, (n_days, 24))
    data = DailyMarketData(dates=dates, price=price, exog=exog)
    a = LEAR(n_days, lambda_rule="paper-2020").fit(data)
    b = LEAR(n_days, lambda_rule="aic-unit-norm").fit(data)
    np.testing.assert_allclose(a.coef_, b.coef_)


def test_ic_rule_uses_bic_on_short_windows_and_aic_on_long_ones() -> None:
    rng = np.random.default_rng(11)
    p = 40
    for n, criterion in ((30, "bic"), (120, "aic")):
        x = rng.standard_normal((n, p)) * rng.uniform(0.2, 3.0, p)
        y = x[:, :4] @ np.array([1.0, -2.0, 0.5, 0.3]) + rng.normal(0.0, 1.0, n)
        xc, yc = x - x.mean(axis=0), y - y.mean()
        norms = np.linalg.norm(xc, axis=0)
        sigma2 = float(np.var(yc))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = LassoLarsIC(criterion=criterion, noise_variance=sigma2, fit_intercept=False).fit(xc / norms, yc)
        scale = np.log(n) / 2.0 if n <= p else 1.0  # what LEAR.fit does for the "ic-unit-norm" rule
        penalty = LEAR._unit_norm_penalty(xc.T @ xc, xc.T @ yc, float(yc @ yc), sigma2 * scale)
        assert penalty / n == pytest.approx(ref.alpha_, rel=1e-9), (n, criterion)


def test_ic_rule_is_sparser_than_aic_on_a_56_day_window_and_equal_on_a_long_one() -> None:
    rng = np.random.default_rng(5)
    n_days = 400
    dates = np.datetime64("2020-01-01") + np.arange(n_days)
    exog = rng.normal(100.0, 10.0, (n_days, 24, 2))
    price = 0.3 * exog[..., 0] + rng.normal(0.0, 3.0, (n_days, 24))
    data = DailyMarketData(dates=dates, price=price, exog=exog)
    short_ic = LEAR(56, lambda_rule="ic-unit-norm").fit(data).n_nonzero()
    short_aic = LEAR(56, lambda_rule="aic-unit-norm").fit(data).n_nonzero()
    assert short_ic.sum() < short_aic.sum()
    np.testing.assert_allclose(LEAR(n_days, lambda_rule="ic-unit-norm").fit(data).coef_,
                               LEAR(n_days, lambda_rule="aic-unit-norm").fit(data).coef_)
