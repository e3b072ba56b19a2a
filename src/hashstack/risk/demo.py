"""Demo section: a small stress of two public miners, as financed and under 2021-style ASIC liens.

Uses only what ships in the package: the derived market parameters (``risk/data``) and the public
miners' dataset (``capital/data``); never the shared history, so it runs anywhere in a few seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hashstack.config import Settings

DEMO_TICKERS = ("MARA", "RIOT")
DEMO_PATHS = 2_000
DEMO_MONTHS = 36
DEMO_SEED = 2026


def demo_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """Stress MARA and RIOT for 36 months on 2,000 paths, as-is vs asic-lien on identical scenarios."""
    from hashstack.capital import load_public_miners
    from hashstack.console import print_table, stdout
    from hashstack.risk.adapters import adapt_capital
    from hashstack.risk.cli import DEFAULT_AS_OF
    from hashstack.risk.engine import STRUCTURES, StressConfig, run_structures
    from hashstack.risk.history import shipped_market_calibration
    from hashstack.risk.scenarios import market_params_from_calibration

    cal = shipped_market_calibration()
    market = market_params_from_calibration(cal)
    miners = load_public_miners()
    companies = [adapt_capital(miners[t], DEFAULT_AS_OF, market).input for t in DEMO_TICKERS]
    config = StressConfig(n_paths=DEMO_PATHS, n_months=DEMO_MONTHS, seed=DEMO_SEED)
    results = run_structures(companies, market, config)
    out: dict[str, Any] = {
        "calibration": f"shipped parameters ({cal.source}, {cal.start_date} to {cal.end_date})",
        "n_paths": DEMO_PATHS, "n_months": DEMO_MONTHS, "seed": DEMO_SEED, "structures": {},
    }
    rows = []
    for s in STRUCTURES:
        out["structures"][s] = {}
        for r in results[s].summaries():
            keep = {k: r[k] for k in ("p_default", "p_repossession", "dilution_mean_frac", "dilution_p95_frac",
                                      "hashrate_debt_ratio_p50", "runway_months_p50")}
            out["structures"][s][r["ticker"]] = keep
            rows.append({"ticker": r["ticker"], "structure": s, **keep})
    if not quiet:
        stdout.print(f"[bold]Stress engine[/]: {out['calibration']}; {DEMO_PATHS:,} paths x {DEMO_MONTHS} months; "
                     "identical scenarios for both structures", highlight=False)
        rows.sort(key=lambda r: (r["ticker"], r["structure"]))
        print_table(rows, title="Same company, convertible stack (as-is) vs 2021-style ASIC liens")
    return out
