"""The benchmark runner's model expansion and forecast combination."""

from __future__ import annotations

import numpy as np
import pytest

from hashstack.energy.benchmark import combine, expand_models
from hashstack.errors import InputError


def test_expand_models_cheapest_first_and_members_of_ensembles() -> None:
    assert expand_models(["naive"]) == ["naive-daily", "naive-weekly"]
    assert expand_models(["ensemble"]) == ["lear-56", "lear-84", "lear-1092", "lear-1456", "gbm"]
    with pytest.raises(InputError):
        expand_models(["arima"])
    with pytest.raises(InputError):
        expand_models([])


def test_combine_averages_members_and_hides_unrequested_windows() -> None:
    f = {f"lear-{w}": np.full((2, 24), float(i)) for i, w in enumerate((56, 84, 1092, 1456))}
    f["gbm"] = np.full((2, 24), 10.0)
    out = combine(f, ["ensemble"])
    assert set(out) == {"lear-ensemble", "ensemble"}
    assert out["lear-ensemble"][0, 0] == pytest.approx(1.5)
    assert out["ensemble"][0, 0] == pytest.approx((1.5 + 10.0) / 2)
    out = combine(f, ["lear", "gbm"])
    assert {"lear-56", "lear-ensemble", "gbm"} <= set(out) and "ensemble" not in out
