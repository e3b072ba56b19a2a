"""`hashstack power allocate` and `hashstack power curve`: the CLI contract (keys, exit codes)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SITE = str(REPO / "examples" / "site.toml")
LAYOUT = str(REPO / "examples" / "site_layout.toml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from hashstack.cli import main; main()", "power", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def test_allocate_json_contract_with_layout_and_detail() -> None:
    out = run("allocate", SITE, "--cap-mw", "30", "--layout", LAYOUT, "--detail", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # HiGHS's native prints must not corrupt the JSON
    for key in ("hashrate_ths", "power_w", "efficiency_j_per_th", "lp_gap_frac", "solve_s"):
        assert isinstance(data[key], float)
    assert data["power_w"] <= 30e6 * (1 + 1e-12)
    assert data["efficiency_j_per_th"] == pytest.approx(data["power_w"] / data["hashrate_ths"])
    assert 0 <= data["lp_gap_frac"] < 1e-4
    assert len(data["miners_detail"]) == 13_000
    assert {"miner", "model", "container", "state", "power_target_w", "hashrate_ths"} <= set(data["miners_detail"][0])
    for node in data["nodes"]:
        assert node["cap_w"] is None or node["power_w"] <= node["cap_w"] * (1 + 1e-12)


def test_allocate_margin_switches_off_unprofitable_models() -> None:
    out = run("allocate", SITE, "--cap-mw", "50", "--objective", "margin", "--power-price-usd-per-mwh", "80",
              "--hashprice-usd-per-ph-day", "30", "--json", "--detail")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    # breakeven at 30 USD/PH/day, 2% fee, 80 USD/MWh: 0.0294 / (0.024 * 80) = 15.3 J/TH at best; the
    # S19j Pro (~29.5 J/TH stock) cannot reach it at any tuned point, so none runs although 50 MW is free
    states = {r["state"] for r in data["miners_detail"] if r["model"] == "Antminer S19j Pro"}
    assert states == {"sleep"}
    assert data["power_w"] < 50e6 * 0.5
    assert data["margin_usd_per_day"] > 0


def test_curve_json_contract() -> None:
    out = run("curve", SITE, "--levels", "6", "--json")
    assert out.returncode == 0, out.stderr
    levels = json.loads(out.stdout)["levels"]
    assert [lv["power_w"] for lv in levels] == pytest.approx([0, 10e6, 20e6, 30e6, 40e6, 50e6])
    hashrate = [lv["hashrate_ths"] for lv in levels]
    assert hashrate == sorted(hashrate) and hashrate[0] == 0
    assert all({"power_w", "hashrate_ths", "margin_usd_per_day", "efficiency_j_per_th"} <= set(lv) for lv in levels)


def test_bad_input_exits_2_with_a_message() -> None:
    out = run("allocate", SITE, "--cap-mw", "80")
    assert out.returncode == 2 and "site capacity" in out.stderr
    out = run("allocate", SITE, "--cap-mw", "10", "--objective", "profit")
    assert out.returncode == 2 and "hashrate or margin" in out.stderr


def test_plan_json_step_down_never_exceeds_the_old_cap() -> None:
    out = run("plan", SITE, "--from-cap-mw", "40", "--to-cap-mw", "24", "--layout", LAYOUT,
              "--ramp-mw-per-min", "6", "--settle-s", "20", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    stages = data["stages"]
    assert data["commands"] == sum(s["commands"] for s in stages) and data["batches"] == len(stages) >= 5
    assert data["max_site_power_w"] <= 40e6 * (1 + 1e-12)
    assert stages[-1]["site_power_w"] <= 24e6 * (1 + 1e-12)
    # ramp: 6 MW/min x 20 s = 2 MW per batch (a batch of one command may exceed it; none does here)
    powers = [data["start_power_w"]] + [s["site_power_w"] for s in stages]
    assert max(abs(b - a) for a, b in itertools.pairwise(powers)) <= 2e6 * (1 + 1e-9)
    assert [s["at_s"] for s in stages] == [20.0 * i for i in range(len(stages))]


@pytest.mark.parametrize("args", [
    ("curve", SITE, "--levels", "0"), ("curve", SITE, "--levels", "1"), ("curve", SITE, "--points", "1"),
    ("allocate", SITE, "--cap-mw", "-1"), ("allocate", SITE, "--cap-mw", "10", "--sleep-power-w", "-5"),
    ("plan", SITE, "--from-cap-mw", "10", "--to-cap-mw", "20", "--batch-size", "0"),
])
def test_options_outside_the_library_bounds_are_usage_errors(args: tuple[str, ...]) -> None:
    """``--levels 0|1`` used to print an empty / one-row curve: the bound is on the option now."""
    from typer.testing import CliRunner

    from hashstack.power.cli import app

    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == 2, out.output
    assert "Invalid value" in out.output
