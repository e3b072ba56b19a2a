"""The telemetry demo section: a small simulated fleet polled once into a DuckDB file in workdir."""

from __future__ import annotations

from pathlib import Path

from hashstack.config import Settings
from hashstack.store.duckdb_store import DuckDBStore
from hashstack.telemetry.demo import DEMO_MINERS, demo_section


def test_demo_section_polls_every_miner_into_workdir(tmp_path: Path) -> None:
    out = demo_section(Settings(), tmp_path, quiet=True)
    assert (out["miners_ok"], out["miners_failed"]) == (DEMO_MINERS, 0)
    assert out["power_sources"] == ["reported"]
    with DuckDBStore(tmp_path / "telemetry_demo.duckdb", read_only=True) as store:
        latest = store.read_latest()
    assert len(latest) == DEMO_MINERS
    assert out["fleet_hashrate_ths"] == round(float(latest.hashrate_ths.sum()), 2)
    assert out["efficiency_j_per_th"] == round(float(latest.power_w.sum() / latest.hashrate_ths.sum()), 2)
