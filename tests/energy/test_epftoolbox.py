"""epftoolbox loaders, and our metrics against the values recomputed from the paper's forecasts."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from conftest import shared_file
from hashstack.energy.epftoolbox import (
    TEST_DAYS,
    daily_market_data,
    market_info,
    read_epftoolbox_market,
    read_published_forecasts,
)
from hashstack.energy.evaluation import naive_mae, rmae, score_forecast
from hashstack.errors import DataFileError, InputError, MissingDataError


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "X.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(body)
    return path


def _rows(n_hours: int) -> list[str]:
    import pandas as pd

    idx = pd.date_range("2015-01-01", periods=n_hours, freq="1h")
    return [f"{t:%Y-%m-%d %H:%M:%S},{30 + i % 24},{1000 + i},{50.5}" for i, t in enumerate(idx)]


def test_small_file_reads_as_days(tmp_path: Path) -> None:
    path = _write(tmp_path, ",Price,Load,Wind\n" + "\n".join(_rows(48)) + "\n")
    frame = read_epftoolbox_market(path, "DE")
    assert list(frame.columns) == ["price_eur_per_mwh", "exog1_mw", "exog2_mw"]
    data = daily_market_data(frame)
    assert data.price.shape == (2, 24) and data.exog.shape == (2, 24, 2)
    assert data.price[1, 5] == 35.0 and data.exog[1, 0, 0] == 1024.0
    assert str(data.dates[1]) == "2015-01-02"
    assert read_epftoolbox_market(path, "PJM").columns[0] == "price_usd_per_mwh"


def test_bad_cell_and_broken_grid_are_named(tmp_path: Path) -> None:
    rows = _rows(48)
    rows[30] = rows[30].replace(",50.5", ",oops")
    with pytest.raises(DataFileError) as err:
        read_epftoolbox_market(_write(tmp_path, ",Price,Load,Wind\n" + "\n".join(rows) + "\n"), "NP")
    assert err.value.row == 31 and err.value.field == "Wind"
    rows = _rows(48)
    del rows[10]
    with pytest.raises(DataFileError, match="hourly grid"):
        read_epftoolbox_market(_write(tmp_path, ",Price,Load,Wind\n" + "\n".join(rows) + "\n"), "NP")
    with pytest.raises(MissingDataError):
        read_epftoolbox_market(tmp_path / "absent.csv", "NP")
    with pytest.raises(InputError):
        market_info("ES")


PAPER = ("electricity", "epftoolbox", "forecasts_2020-06_aa6facd")
RERUN = ("electricity", "epftoolbox", "forecasts_2021-07_27fabcc")


@pytest.mark.shared_data
@pytest.mark.parametrize("market,first,last", [("NP", "2016-12-27", "2018-12-24"), ("BE", "2015-01-04", "2016-12-31"),
                                               ("DE", "2016-01-04", "2017-12-31")])
def test_real_datasets_and_test_periods(market: str, first: str, last: str) -> None:
    frame = read_epftoolbox_market(shared_file("electricity", "epftoolbox", "datasets", f"{market}.csv.gz"), market)
    data = daily_market_data(frame)
    assert data.n_days == 2184
    assert str(data.dates[-TEST_DAYS]) == first and str(data.dates[-1]) == last
    pub = read_published_forecasts(shared_file(*PAPER, f"Forecasts_{market}_DNN_LEAR_ensembles.csv.gz"))
    np.testing.assert_allclose(pub["Real price"].to_numpy().reshape(-1, 24), data.price[-TEST_DAYS:])


@pytest.mark.shared_data
@pytest.mark.parametrize("folder,market,model,expected", [
    # benchmark_metrics_recomputed.csv (MAE, rMAE weekly, sMAPE %, RMSE); matches the epftoolbox docstring
    (PAPER, "NP", "DNN Ensemble", (1.6670, 0.4032, 4.8463, 3.3332)),
    (PAPER, "PJM", "LEAR Ensemble", (3.0130, 0.4763, 11.9798, 5.1275)),
    (RERUN, "DE", "LEAR Ensemble", (3.6091, 0.3954, 14.7444, 6.5083)),
])
def test_our_metrics_reproduce_the_recomputed_table(folder: tuple[str, ...], market: str, model: str,
                                                    expected: tuple[float, ...]) -> None:
    pub = read_published_forecasts(shared_file(*folder, f"Forecasts_{market}_DNN_LEAR_ensembles.csv.gz"))
    y = pub["Real price"].to_numpy().reshape(-1, 24)
    f = pub[model].to_numpy().reshape(-1, 24)
    s = score_forecast(y, f)
    assert (s.mae, s.rmae, s.smape_pct, s.rmse) == pytest.approx(expected, abs=1e-4)


@pytest.mark.shared_data
def test_rmae_denominators_weekly_and_standard_naive() -> None:
    pub = read_published_forecasts(shared_file(*PAPER, "Forecasts_NP_DNN_LEAR_ensembles.csv.gz"))
    y = pub["Real price"].to_numpy().reshape(-1, 24)
    dates = pub.index[::24].to_numpy().astype("datetime64[D]")
    assert naive_mae(y) == pytest.approx(4.1347, abs=1e-4)  # the paper's rMAE denominator
    assert naive_mae(y, "standard", dates) == pytest.approx(3.1659, abs=1e-4)  # NBEATSx-style
    f = pub["DNN Ensemble"].to_numpy().reshape(-1, 24)
    assert rmae(y, f, "standard", dates) == pytest.approx(0.5266, abs=1e-4)
