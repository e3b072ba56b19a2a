"""The main job, ``hashstack demo``: each capability shown working on the embedded defaults.

Every capability that lands adds one section to :data:`DEMO_SECTIONS`. A section is a function
``(settings, workdir) -> dict``: it prints its own Rich output and returns the figures it showed, which
``hashstack demo --json`` prints instead.  Sections use only what ships in the package (the example
site, the network snapshot, a simulated site on loopback, a DuckDB file in ``workdir``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hashstack.config import Settings

DemoSection = Callable[[Settings, Path, bool], dict[str, Any]]


def economics_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """Demo: the example site's economics at the built-in network snapshot."""
    from dataclasses import asdict

    from hashstack.console import print_record, print_table
    from hashstack.examples import example_site_path
    from hashstack.fleet import read_site
    from hashstack.network import load_snapshot
    from hashstack.site_economics import site_economics, table_rows

    site = read_site(example_site_path())
    state = load_snapshot()
    hp = state.hashprice()
    price = site.tariff.mean_price_usd_per_mwh()
    rows = site_economics(site, hp, price)
    summary = {
        "snapshot": state.as_of, "btc_price_usd": state.btc_price_usd, "difficulty": state.difficulty,
        "network_hashrate_ehs": state.network_hashrate_ths / 1e6,
        "hashprice_usd_per_ph_day": float(hp.hashprice_usd_per_ph_day), "fee_share_frac": float(hp.fee_share_frac),
        "site": site.name, "power_price_usd_per_mwh": price,
        "site_margin_usd_per_day": sum(r.margin_usd_per_day for r in rows),
    }
    if not quiet:
        print_record(summary, title=f"Network ({state.source}) and site '{site.name}'")
        print_table(table_rows(rows), title=f"Economics per model at {price:.0f} USD/MWh")
    return {**summary, "models": [asdict(r) for r in rows]}


def demo_sections() -> list[tuple[str, DemoSection]]:
    """The demo's sections in the order they run (imported lazily so `--help` stays fast)."""
    from hashstack.capital.demo import demo_section as capital_section
    from hashstack.energy.curtail_demo import demo_section as curtailment_section
    from hashstack.energy.forecast_demo import demo_section as forecast_section
    from hashstack.power.demo import demo_section as power_section
    from hashstack.risk.demo import demo_section as risk_section
    from hashstack.telemetry.demo import demo_section as telemetry_section
    from hashstack.telemetry.simulator.demo import demo_section as simulator_section

    return [
        ("economics", economics_section),
        ("capital", capital_section),
        ("risk", risk_section),
        ("simulator", simulator_section),
        ("telemetry", telemetry_section),
        ("power", power_section),
        ("forecast", forecast_section),
        ("curtailment", curtailment_section),
    ]


def run_demo(settings: Settings, workdir: Path, quiet: bool = False) -> dict[str, Any]:
    """Run every section; ``quiet`` suppresses the tables (for ``--json``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return {name: section(settings, workdir, quiet) for name, section in demo_sections()}
