"""Demo section: schedule one day of the example site on a small synthetic ERCOT-West-like price curve.

Everything is embedded: the example site and catalogue (package data), the network snapshot's
hashprice, and the synthetic day below (not market data: a shape typical of a West Texas summer day,
cheap nights, negative solar noon, an evening ramp and a spike). The plan is a MILP on the day-ahead
curve; then a 4CP window, a demand-response offer, a manual maintenance cap and the real-time layer
(which sees a spike the forecast missed) are arbitrated, and every interval records its driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hashstack.config import Settings
from hashstack.units import W_PER_MW, usd_per_ph_day_from_usd_per_th_day

# synthetic hourly day-ahead curve [USD/MWh], local hours 0..23 (illustrative, not market data)
DEMO_HOURLY_USD_PER_MWH = (24, 22, 21, 20, 21, 23, 26, 18, 9, 2, -4, -8, -6, -2, 12, 38, 75, 140, 420, 130, 85,
                           60, 42, 30)
MISSED_SPIKE = (20 * 4 + 1, 20 * 4 + 3, 650.0)  # realised spike 20:15-20:45 that the forecast did not have


def demo_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """Schedule one day for the example site and show margin against always-on and each decision's driver."""
    from hashstack.console import print_record, print_table
    from hashstack.energy.arbitration import DEMAND_RESPONSE, FOURCP, MANUAL, ProgramRequest, arbitrate
    from hashstack.energy.planning import decision_runs
    from hashstack.energy.power_curve import scheduling_curve
    from hashstack.energy.realtime import realtime_request, site_breakeven_usd_per_mwh
    from hashstack.energy.schedule import (
        DemandResponseEvent,
        MarginBreakdown,
        OperatingLimits,
        schedule_margin,
    )
    from hashstack.energy.schedule_milp import schedule_site
    from hashstack.examples import example_site_path
    from hashstack.fleet import read_site
    from hashstack.network import load_snapshot

    site = read_site(example_site_path())
    curve = scheduling_curve(site)
    hp = float(load_snapshot().hashprice().hashprice_usd_per_th_day)
    limits = OperatingLimits(min_run_s=3600, min_idle_s=1800, restart_cost_usd_per_mw=20.0, min_on_power_w=5e6)
    forecast = np.repeat(np.asarray(DEMO_HOURLY_USD_PER_MWH, dtype=float), 4)
    realised = forecast.copy()
    realised[MISSED_SPIKE[0]:MISSED_SPIKE[1]] = MISSED_SPIKE[2]
    n = forecast.size
    fourcp = np.full(n, np.nan)
    fourcp[16 * 4 + 3:17 * 4 + 1] = 0.0  # 4CP window flagged by the model: 16:45-17:15
    manual = np.full(n, np.nan)
    manual[9 * 4:10 * 4] = 30e6  # maintenance on one transformer: at most 30 MW, 09:00-10:00
    dr = DemandResponseEvent(start=19 * 4, stop=20 * 4, max_power_w=10e6, credit_usd=1500.0, name="ERS offer")
    plan = schedule_site(forecast, hp, curve, limits, pool_fee_frac=site.pool_fee_frac,
                         cap_w=np.fmin(fourcp, manual), dr_events=[dr])
    dr_cap = np.full(n, np.nan)
    if plan.dr_taken[0]:
        dr_cap[dr.start:dr.stop] = dr.max_power_w
    rt = realtime_request(plan.power_w, realised, hp, curve, pool_fee_frac=site.pool_fee_frac)
    decision = arbitrate(plan.power_w, [ProgramRequest.caps(MANUAL, manual),
                                        ProgramRequest.caps(DEMAND_RESPONSE, dr_cap),
                                        ProgramRequest.caps(FOURCP, fourcp), rt],
                         capacity_w=curve.capacity_w, min_load_w=limits.contracted_min_load_w)
    credit = dr.credit_usd if plan.dr_taken[0] else 0.0

    def score(power_w: np.ndarray, credit_usd: float) -> MarginBreakdown:
        return schedule_margin(power_w, realised, hp, curve, interval_s=900.0, pool_fee_frac=site.pool_fee_frac,
                               restart_cost_usd_per_mw=limits.restart_cost_usd_per_mw,
                               on_threshold_w=limits.on_threshold_w(curve.capacity_w), dr_credit_usd=credit_usd)

    scheduled = score(decision.power_w, credit)
    always_on = score(np.full(n, curve.capacity_w), 0.0)
    labels = [f"{t // 4:02d}:{t % 4 * 15:02d}" for t in range(n + 1)]
    rows = decision_runs(decision.power_w, decision.driver, realised, labels)
    out = {
        "site": site.name, "capacity_mw": curve.capacity_w / W_PER_MW,
        "hashprice_usd_per_ph_day": usd_per_ph_day_from_usd_per_th_day(hp),
        "site_breakeven_usd_per_mwh": float(site_breakeven_usd_per_mwh(curve, hp, site.pool_fee_frac)),
        "margin_usd": scheduled.margin_usd, "always_on_margin_usd": always_on.margin_usd,
        "gain_usd": scheduled.margin_usd - always_on.margin_usd,
        "energy_cost_usd": scheduled.energy_cost_usd, "always_on_energy_cost_usd": always_on.energy_cost_usd,
        "dr_taken": bool(plan.dr_taken[0]), "share_by_driver": decision.share_by_driver(), "decisions": rows,
    }
    if not quiet:
        print_table(rows, title=f"{site.name}: one synthetic summer day, 15-min schedule and the programme "
                    "that drove each decision")
        print_record({k: v for k, v in out.items() if k not in ("decisions", "share_by_driver")},
                     title="Curtailment: margin against always-on (realised prices)")
    return out
