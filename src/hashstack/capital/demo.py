"""The capital section of ``hashstack demo``: the sector's hashrate-debt ratio table from package data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hashstack.config import Settings


def demo_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """Hashrate-debt ratios of the shipped public miners at their latest metrics quarter-end.

    Market inputs come from the built-in network snapshot (hashprice and BTC price), 45 USD/MWh power,
    3-year remaining life and a 15 % discount rate; ASIC prices from the shipped price table.
    """
    from hashstack.capital.issuance import issuance_by_quarter, quarter_totals
    from hashstack.capital.loaders import load_asic_prices, load_public_miners
    from hashstack.capital.metrics import (
        MarketInputs,
        hashprice_path_usd_per_th_day,
        latest_metrics_quarter_end,
        ratio_table_rows,
        sector_metrics,
    )
    from hashstack.console import print_table, stdout
    from hashstack.network import load_snapshot
    from hashstack.units import TH_PER_PH

    companies = load_public_miners()
    at = latest_metrics_quarter_end(companies.values())
    snap = load_snapshot()
    hp = snap.hashprice().hashprice_usd_per_ph_day / TH_PER_PH
    market = MarketInputs(hashprice_path_usd_per_th_day(hp, 36), snap.btc_price_usd,
                          source=f"{snap.source} (hashprice and BTC price)")
    sector = sector_metrics(companies.values(), at, market, load_asic_prices())
    rows = [r for r in ratio_table_rows(sector) if r.get("ratio_mkt") is not None or r["ticker"] == "SECTOR"]
    issued = quarter_totals(issuance_by_quarter([i for c in companies.values() for i in c.instruments]))
    if not quiet:
        print_table(rows, title=f"Capital: hashrate-debt ratio at {at} (HIGH >= 1.5, DANGER >= 1.8)",
                    columns=["ticker", "debt_musd", "eh_s", "j_th", "asic_usd_th", "ratio_mkt", "flag_mkt",
                             "ratio_inc", "flag_inc", "musd_per_eh"])
        stdout.print(f"market inputs: {market.source}: {hp * TH_PER_PH:.2f} USD/PH/day, "
                     f"BTC {snap.btc_price_usd:,.0f} USD; power 45 USD/MWh, 3-year life, 15 % discount; "
                     f"{len(sector.companies) - len(sector.included_market)} companies lack hash rate or "
                     "efficiency in the data (`hashstack capital ratio` lists them)")
        recent = sum(v for q, v in issued.items() if q >= "2024") / 1e9
        stdout.print(f"debt issuance in the dataset 2024-2025: {recent:.1f} B USD new money "
                     "(`hashstack capital issuance`)")
    return {
        "date": at.isoformat(),
        "sector_ratio_market": sector.ratio_market,
        "sector_ratio_income": sector.ratio_income,
        "sector_flag_market": sector.flag_market,
        "companies": {c.ticker: {"total_debt_usd": c.total_debt_usd, "ratio_market": c.ratio_market,
                                 "ratio_income": c.ratio_income, "flag_market": c.flag_market,
                                 "flag_income": c.flag_income}
                      for c in sector.companies if c.ratio_market is not None},
    }
