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
