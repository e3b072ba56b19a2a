"""Demo section: poll a small simulated fleet once into a DuckDB file in the demo's workdir."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hashstack.config import Settings

DEMO_MINERS = 12
DEMO_FIRST_ADDRESS = "127.1.200.1"


def demo_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """Start 12 simulated LuxOS miners on loopback, poll them once, store and show the samples."""
    from hashstack.console import print_record, print_table
    from hashstack.store.duckdb_store import DuckDBStore
    from hashstack.telemetry.collector import Collector
    from hashstack.telemetry.poller import PollerConfig
    from hashstack.telemetry.power import tuning_curve_estimator
    from hashstack.telemetry.records import Target
    from hashstack.telemetry.simulator.process import specs_for, start_fleet_thread
    from hashstack.telemetry.simulator.server import FleetConfig

    db_path = workdir / "telemetry_demo.duckdb"
    db_path.unlink(missing_ok=True)
    fleet = start_fleet_thread(FleetConfig(specs=specs_for(DEMO_MINERS, "Antminer S19j Pro"),
                                           first_address=DEMO_FIRST_ADDRESS, seed=7))
    try:
        targets = [Target(a, fleet.port) for a in fleet.addresses]
        with DuckDBStore(db_path) as store:
            collector = Collector(store, targets, PollerConfig(timeout_s=5.0), estimator=tuning_curve_estimator())
            summary = asyncio.run(collector.poll_once(use_backoff=False))
            latest = store.read_latest()
    finally:
        fleet.stop()
    fleet_ths = float(latest.hashrate_ths.sum())
    fleet_w = float(latest.power_w.sum())
    result = {"db": str(db_path), "miners_ok": summary.miners_ok, "miners_failed": summary.miners_failed,
              "duration_s": round(summary.duration_s, 3), "fleet_hashrate_ths": round(fleet_ths, 2),
              "fleet_power_w": round(fleet_w, 0),
              "efficiency_j_per_th": round(fleet_w / fleet_ths, 2) if fleet_ths > 0 else None,
              "power_sources": sorted(set(latest.power_source.dropna())),
              "max_chip_temp_c": float(latest.temp_chip_max_c.max())}
    if not quiet:
        rows = [{"miner": r["miner_id"], "TH/s": r["hashrate_ths"], "W": r["power_w"],
                 "power from": r["power_source"], "limit W": r["power_limit_w"], "chip max C": r["temp_chip_max_c"],
                 "fans rpm": "/".join(f"{x:.0f}" for x in r["fan_speed_rpm"] if x is not None)}
                for r in latest.head(6).to_dict("records")]
        print_table(rows, title=f"telemetry: {DEMO_MINERS} simulated LuxOS miners polled once (first 6)")
        print_record(result, title="telemetry: poll summary")
    return result
