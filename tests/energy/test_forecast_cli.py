"""`hashstack energy forecast-benchmark` on a short test period of the real data."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import shared_file
from hashstack.cli import app


@pytest.mark.shared_data
def test_forecast_benchmark_json_prints_the_four_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = shared_file("electricity", "epftoolbox", "datasets", "NP.csv.gz").parents[3]
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(app, ["energy", "forecast-benchmark", "--market", "NP", "--models", "naive",
                                      "--days", "14", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["n_days"] == 14 and payload["test_end"] == "2018-12-24"
    rows = {r["model"]: r for r in payload["models"]}
    assert {"naive-daily", "naive-weekly", "LEAR Ensemble", "DNN Ensemble"} <= set(rows)
    for row in rows.values():
        assert {"mae", "rmae", "smape", "rmse"} <= set(row)
    # the weekly naive's rMAE differs from 1 only because its first week uses data before the test period
    assert rows["naive-weekly"]["rmae"] == pytest.approx(1.0, abs=0.35)
    assert 0 <= rows["naive-daily"]["dm_p_better_than_lear"] <= 1


@pytest.mark.shared_data
def test_forecast_benchmark_table_and_bad_market(monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = shared_file("electricity", "epftoolbox", "datasets", "PJM.csv.gz").parents[3]
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(app, ["energy", "forecast-benchmark", "--market", "pjm", "--models", "naive",
                                      "--days", "8"])
    assert result.exit_code == 0, result.output
    assert "naive-daily" in result.output and "USD/MWh" in result.output
    bad = CliRunner().invoke(app, ["energy", "forecast-benchmark", "--market", "ES", "--days", "8"])
    assert bad.exit_code != 0
    bad = CliRunner().invoke(app, ["energy", "forecast-benchmark", "--market", "NP", "--models", "arima",
                                   "--days", "8"])
    assert bad.exit_code != 0
