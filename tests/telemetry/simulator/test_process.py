"""``hashstack sim fleet`` in a child process: ready signal, address range, clean stop, CLI errors."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from tests.telemetry.simulator.wire import query

from hashstack.errors import HashstackError
from hashstack.telemetry.simulator.process import specs_for, start_fleet_subprocess

SIM_SRC = Path(__file__).resolve().parents[3] / "src" / "hashstack" / "telemetry" / "simulator"


def test_subprocess_fleet_serves_and_stops(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    with start_fleet_subprocess(5, "127.205.0.1", seed=3, speed=60.0, ground_truth_path=truth,
                                start_utc="2026-01-01T00:00:00Z") as fleet:
        assert fleet.addresses == [f"127.205.0.{k}" for k in range(1, 6)]
        assert fleet.ready["n_miners"] == 5 and fleet.port == 4028
        r = query("127.205.0.5", "version")
        assert r["VERSION"][0]["Type"] == "Antminer S21"
        assert r["STATUS"][0]["When"] >= 1_767_225_600
    assert fleet.proc.returncode == 0
    assert fleet.summary is not None and fleet.summary["event"] == "stopped"
    assert fleet.summary["requests_served"] >= 1


def test_site_mix_is_apportioned() -> None:
    site = Path(__file__).resolve().parents[3] / "examples" / "site.toml"
    specs = specs_for(13, site=site)  # 6000 / 4000 / 2000 / 1000 of 13000 -> 6 / 4 / 2 / 1
    models = [s.model for s in specs]
    assert models.count("Antminer S21") == 6 and models.count("Antminer S19j Pro") == 4
    assert models.count("Whatsminer M60S") == 2 and models.count("Avalon A1366") == 1


def test_site_time_zone_places_the_daily_peak() -> None:
    from hashstack.telemetry.simulator.process import site_utc_offset_h

    site = Path(__file__).resolve().parents[3] / "examples" / "site.toml"  # America/Chicago
    assert site_utc_offset_h(site, 1_767_225_600.0) == -6.0  # January: CST
    assert site_utc_offset_h(site, 1_783_000_000.0) == -5.0  # July: CDT
    assert site_utc_offset_h(None, 0.0) == 0.0


def test_child_errors_are_reported() -> None:
    with pytest.raises(HashstackError, match="loopback only"):
        start_fleet_subprocess(2, "10.0.0.1")


def test_cli_bad_model_exits_2() -> None:
    out = subprocess.run([sys.executable, "-c", "from hashstack.cli import main; main()", "sim", "fleet",
                          "--miners", "2", "--model", "Antminer Z99", "--first-address", "127.206.0.1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Antminer Z99" in out.stderr


def test_science_modules_have_no_io() -> None:
    forbidden = {"socket", "asyncio", "selectors", "subprocess", "resource", "threading", "typer", "rich", "pyasic"}
    for name in ("specs", "physics", "failures", "fleet_model", "luxos", "access"):
        tree = ast.parse((SIM_SRC / f"{name}.py").read_text())
        mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        mods |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not mods & forbidden, (name, mods & forbidden)
