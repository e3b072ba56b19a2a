"""The forecast demo section runs on embedded data only and shows LEAR beating the naive forecasts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hashstack.config import Settings
from hashstack.energy.forecast.synthetic import synthetic_market
from hashstack.energy.forecast_demo import demo_section


def test_demo_section_scores_lear_below_the_naive(tmp_path: Path) -> None:
    out = demo_section(Settings(data_dir=tmp_path / "no-shared-data"), tmp_path, quiet=True)
    maes = {row["model"]: row["mae"] for row in out["models"]}
    assert maes["lear-ensemble (56, 84)"] < 0.6 * min(maes["naive-daily"], maes["naive-weekly"])
    assert out["test_days"] == 14


def test_synthetic_market_is_seeded() -> None:
    a = synthetic_market(np.random.default_rng(5), 30)
    b = synthetic_market(np.random.default_rng(5), 30)
    np.testing.assert_array_equal(a.price, b.price)
    assert a.price.shape == (30, 24) and a.exog.shape == (30, 24, 2)
