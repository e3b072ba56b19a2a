"""`hashstack risk stress`: the JSON contract, the announced calibration, the demo section, Dask."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.risk.test_waterfall import stressed_company
from typer.testing import CliRunner

from hashstack.config import Settings
from hashstack.risk.cli import app, dask_executor
from hashstack.risk.demo import demo_section
from hashstack.risk.engine import StressConfig, run_stress
from hashstack.risk.history import shipped_market_calibration
from hashstack.risk.scenarios import market_params_from_calibration


def test_stress_json_contract_on_shipped_calibration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(tmp_path))  # no history: the shipped fallback, announced
    res = CliRunner().invoke(app, ["stress", "--tickers", "MARA,RIOT", "--paths", "500", "--months", "24",
                                   "--seed", "3", "--structure", "asic-lien", "--json"])
    assert res.exit_code == 0, res.output
    assert "SHIPPED parameters" in res.stderr
    payload = json.loads(res.stdout)
    assert payload["from_history"] is False and "SHIPPED" in payload["calibration"]
    assert set(payload["tickers"]) == {"MARA", "RIOT"}
    for t in ("MARA", "RIOT"):
        row = payload["tickers"][t]
        for key in ("p_default", "p_repossession", "dilution_mean_frac", "hashrate_debt_ratio_p50"):
            assert key in row
        assert 0.0 <= row["p_default"] <= 1.0
    assert payload["assumptions"]["MARA"]


def test_stress_both_structures_side_by_side(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(tmp_path))
    res = CliRunner().invoke(app, ["stress", "--tickers", "RIOT", "--paths", "300", "--months", "12",
                                   "--structure", "both", "--json"])
    assert res.exit_code == 0, res.output
    comp = json.loads(res.stdout)["comparison"]["RIOT"]
    assert set(comp) == {"as-is", "asic-lien"}
    assert comp["as-is"]["p_repossession"] == 0.0  # RIOT has no ASIC loans as financed


def test_bootstrap_without_history_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(tmp_path))
    res = CliRunner().invoke(app, ["stress", "--model", "bootstrap", "--paths", "10"])
    assert res.exit_code != 0
    assert "bootstrap" in str(res.exception)


def test_demo_section_runs_on_package_data(tmp_path: Path) -> None:
    out = demo_section(Settings(data_dir=tmp_path / "absent"), tmp_path, quiet=True)
    assert out["calibration"].startswith("shipped parameters")
    assert set(out["structures"]) == {"as-is", "asic-lien"}
    assert set(out["structures"]["as-is"]) == {"MARA", "RIOT"}


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results() -> None:
    market = market_params_from_calibration(shipped_market_calibration())
    cfg = StressConfig(n_paths=600, n_months=12, seed=4, block_paths=150, chunk_blocks=1)
    local = run_stress([stressed_company()], market, cfg)
    with dask_executor(None, local_workers=1) as client:
        remote = run_stress([stressed_company()], market, cfg, executor=client)
    np.testing.assert_array_equal(local.paths[0].default_month, remote.paths[0].default_month)
    np.testing.assert_array_equal(local.paths[0].dilution_frac, remote.paths[0].dilution_frac)


@pytest.mark.slow
def test_dask_address_of_a_running_scheduler() -> None:
    """--dask-address: a scheduler started here on loopback (threads), reached by its address."""
    from distributed import LocalCluster

    market = market_params_from_calibration(shipped_market_calibration())
    cfg = StressConfig(n_paths=300, n_months=12, seed=9, block_paths=100, chunk_blocks=1)
    local = run_stress([stressed_company()], market, cfg)
    with LocalCluster(n_workers=1, processes=False, host="127.0.0.1", protocol="tcp://",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        with dask_executor(cluster.scheduler_address) as client:
            remote = run_stress([stressed_company()], market, cfg, executor=client)
    np.testing.assert_array_equal(local.paths[0].repossession_month, remote.paths[0].repossession_month)


def test_default_run_names_the_companies_it_leaves_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(tmp_path))
    res = CliRunner().invoke(app, ["stress", "--paths", "100", "--months", "12", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert {"MARA", "RIOT", "CLSK", "BTDR"} <= set(payload["tickers"])
    assert "shares_outstanding" in payload["skipped"]["WULF"]
    assert "left out for lack of data" in res.stderr


@pytest.mark.shared_data
def test_bootstrap_runs_on_the_history(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import shared_file

    history = shared_file("bitcoin", "btc_daily_merged_2009-01-03_2025-12-29.csv")
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(history.parents[1]))
    res = CliRunner().invoke(app, ["stress", "--tickers", "CLSK", "--paths", "300", "--months", "24",
                                   "--model", "bootstrap", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["from_history"] is True and "daily history" in payload["calibration"]
    assert "daily history btc_daily_merged" in res.stderr


COMPANY_TOML = """
[company]
ticker = "ACME"
name = "Acme Mining"

[[metric]]
metric = "hashrate_ths"
value = 5.0e6
as_of = 2025-06-30

[[metric]]
metric = "shares_outstanding"
value = 1.0e8
as_of = 2025-06-30

[[instrument]]
id = "ACME-2025-ASIC"
instrument_type = "asic_loan"
principal_usd = 2.0e7
coupon_frac = 0.12
issue_date = 2025-03-01
maturity_date = 2027-03-01
collateral = "asics"
secured = true
"""


def test_company_file_with_set_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(tmp_path))
    path = tmp_path / "acme.toml"
    path.write_text(COMPANY_TOML)
    args = ["stress", "--company-file", str(path), "--paths", "200", "--months", "24", "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code != 0 and "share price" in str(res.exception)  # no convertible to infer it from
    res = CliRunner().invoke(app, [*args, "--set", "ACME.share_price_usd=4", "--set", "cash_usd=5e7"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert set(payload["tickers"]) == {"ACME"}
    assert any("ACME-2025-ASIC" in a for a in payload["assumptions"]["ACME"])
    res = CliRunner().invoke(app, [*args, "--set", "colour=3"])
    assert res.exit_code != 0 and "field one of" in str(res.exception)
