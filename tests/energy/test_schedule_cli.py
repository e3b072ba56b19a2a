"""`hashstack curtail ...` / `hashstack energy backtest` contracts and the curtailment demo section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO_ROOT, shared_file
from hashstack.config import Settings
from hashstack.energy.curtail_demo import demo_section
from hashstack.energy.schedule_cli import app

RTM = ("electricity", "ercot", "ercot_rtm_hub_spp_15min_2010-12-01_2023-12-31.csv.gz")


def test_demo_section_shows_every_programme(tmp_path: Path) -> None:
    out = demo_section(Settings(data_dir=tmp_path), tmp_path, quiet=True)  # no shared data needed
    assert out["gain_usd"] > 0
    assert out["margin_usd"] > out["always_on_margin_usd"]
    drivers = {r["driver"] for r in out["decisions"]}
    assert {"schedule", "manual", "4cp", "realtime"} <= drivers
    assert out["decisions"][0]["from"] == "00:00" and out["decisions"][-1]["to"] == "24:00"
    assert abs(sum(out["share_by_driver"].values()) - 1.0) < 1e-12


def test_backtest_json_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_file(*RTM)
    monkeypatch.setenv("HASHSTACK_DATA_DIR", str(path.parents[2]))
    res = CliRunner().invoke(app, ["backtest", "--prices", str(path), "--node", "HB_WEST",
                                   "--site", str(REPO_ROOT / "examples" / "site.toml"),
                                   "--start", "2023-08-01", "--end", "2023-08-04", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["forecast"] == "ERCOT day-ahead HB_WEST price"
    rows = {r["strategy"]: r for r in payload["strategies"]}
    assert set(rows) == {"always-on", "threshold", "forecast", "perfect"}
    for r in rows.values():
        assert {"margin_usd", "energy_cost_usd", "captured_frac_of_perfect"} <= set(r)
        assert r["margin_usd"] <= rows["perfect"]["margin_usd"] + 1e-6
    assert rows["perfect"]["captured_frac_of_perfect"] == pytest.approx(1.0)


def test_backtest_rejects_unknown_strategy() -> None:
    res = CliRunner().invoke(app, ["backtest", "--prices", "x.csv", "--site", "s.toml", "--strategy", "magic"])
    assert res.exit_code != 0


def test_plan_records_every_programme(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from hashstack.energy.curtail_demo import DEMO_HOURLY_USD_PER_MWH

    idx = pd.date_range("2023-08-10 05:00", periods=96, freq="15min", tz="UTC")  # local midnight, CDT
    csv = tmp_path / "forecast.csv"
    pd.DataFrame({"interval_start_utc": idx.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "price_usd_per_mwh": np.repeat(DEMO_HOURLY_USD_PER_MWH, 4)}).to_csv(csv, index=False)
    res = CliRunner().invoke(app, ["plan", "--forecast", str(csv), "--site", str(REPO_ROOT / "examples" / "site.toml"),
                                   "--hashprice-usd-per-ph-day", "35", "--fourcp-window", "16:45-17:15",
                                   "--manual", "09:00-10:00=30", "--dr", "19:00-20:00=10@1500", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    power = np.array(out["power_w"])
    driver = out["driver"]
    assert np.all(power[16 * 4 + 3:17 * 4 + 1] == 0.0) and set(driver[16 * 4 + 3:17 * 4 + 1]) == {"4cp"}
    assert np.all(power[36:40] <= 30e6 + 1) and set(driver[36:40]) == {"manual"}
    assert out["dr_taken"] == ["DR 19:00-20:00"] and out["dr_credit_usd"] == 1500
    assert out["margin_usd"] > out["always_on_margin_usd"]
    bad = CliRunner().invoke(app, ["plan", "--forecast", str(csv), "--site", str(REPO_ROOT / "examples" / "site.toml"),
                                   "--manual", "9-10=30"])
    assert bad.exit_code != 0 and "HH:MM-HH:MM" in str(bad.exception)


@pytest.mark.parametrize(("rows", "row", "message"), [
    ([("2023-08-10T05:00:00Z", "40"), ("2023-08-10T05:15:00Z", "inf")], 2, "finite"),
    ([("2023-08-10T05:00:00Z", "40"), ("2023-08-10T05:00:00Z", "41")], 2, "unique and increasing"),
    ([("2023-08-10T05:15:00Z", "40"), ("2023-08-10T05:00:00Z", "41")], 2, "unique and increasing"),
    ([("2023-08-10T05:00:00Z", "40"), ("2023-08-10T05:15:00Z", "41"), ("2023-08-10T06:00:00Z", "42")], 3, "grid"),
])
def test_plan_names_the_bad_forecast_row(tmp_path: Path, rows, row, message) -> None:
    from hashstack.errors import DataFileError

    csv = tmp_path / "forecast.csv"
    csv.write_text("interval_start_utc,price_usd_per_mwh\n" + "".join(f"{t},{p}\n" for t, p in rows))
    res = CliRunner().invoke(app, ["plan", "--forecast", str(csv), "--site", str(REPO_ROOT / "examples" / "site.toml"),
                                   "--hashprice-usd-per-ph-day", "35"])
    assert isinstance(res.exception, DataFileError), res.output
    text = str(res.exception)
    assert str(csv) in text and f"row {row}" in text and message in text


def test_curtail_backtest_alias_is_hidden() -> None:
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0 and "│ backtest" not in res.stdout and "│ plan" in res.stdout
