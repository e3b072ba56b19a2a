"""Demo section: allocate the example site at 70% of nameplate and compare with the common practices."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from hashstack.config import Settings


def demo_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """The example site (and its shipped power layout) at 70% of nameplate power: optimal allocation vs
    uniform underclock vs least-efficient-off-first, plus a staged step from 100% to 60% of the cap."""
    from hashstack.console import print_record, print_table
    from hashstack.examples import example_site_path
    from hashstack.fleet import read_site
    from hashstack.power.allocation import PowerProblem
    from hashstack.power.practices import least_efficient_off, uniform_underclock
    from hashstack.power.site import example_layout_path, read_layout, site_fleet
    from hashstack.power.staging import StagingPolicy, plan_transition

    site = read_site(example_site_path())
    fleet = site_fleet(site, read_layout(example_layout_path()))
    cap_w = 0.7 * fleet.nameplate_power_w
    t0 = time.perf_counter()
    problem = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree)
    best = problem.solve(cap_w)
    solve_s = time.perf_counter() - t0
    uni = uniform_underclock(fleet.hashrate_ths, fleet.power_w, cap_w)
    off = least_efficient_off(fleet.stock_hashrate_ths, fleet.stock_power_w, cap_w)

    def caps_held(power_w: np.ndarray) -> bool:
        return bool(np.all(fleet.tree.node_power_w(power_w) <= fleet.tree.effective_cap_w * (1 + 1e-9)))

    rows = [
        {"practice": "optimal allocation", "hashrate_phs": best.total_hashrate_ths / 1e3,
         "power_mw": best.total_power_w / 1e6, "efficiency_j_per_th": best.efficiency_j_per_th,
         "container_caps_held": caps_held(best.power_w)},
        {"practice": "uniform underclock", "hashrate_phs": uni.total_hashrate_ths / 1e3,
         "power_mw": uni.total_power_w / 1e6, "efficiency_j_per_th": uni.efficiency_j_per_th,
         "container_caps_held": caps_held(uni.power_w)},
        {"practice": "least-efficient off first", "hashrate_phs": off.total_hashrate_ths / 1e3,
         "power_mw": off.total_power_w / 1e6, "efficiency_j_per_th": off.efficiency_j_per_th,
         "container_caps_held": caps_held(off.power_w)},
    ]
    improvement = {
        "vs_uniform_underclock_pct": (1 - best.efficiency_j_per_th / uni.efficiency_j_per_th) * 100,
        "vs_least_efficient_off_pct": (1 - best.efficiency_j_per_th / off.efficiency_j_per_th) * 100,
    }
    # a curtailment step: from the allocation at the full cap to 60% of it, staged
    full = problem.solve(float(fleet.tree.effective_cap_w[0]))
    step = problem.solve(0.6 * full.total_power_w)
    start = np.where(full.point_index >= 0, full.power_w, 0.0)
    target = np.where(step.point_index >= 0, step.power_w, 0.0)
    policy = StagingPolicy(settle_s=30.0, batch_size=500, ramp_w_per_s=20_000.0)
    plan = plan_transition([f"miner-{i}" for i in range(fleet.n_miners)], start, target,
                           fleet.tree.with_site_cap(0.6 * full.total_power_w), policy,
                           priority=step.hashrate_ths / np.maximum(step.power_w, 1.0))
    summary = {
        "site": site.name, "miners": fleet.n_miners, "containers": len(set(fleet.container) - {""}),
        "cap_mw": cap_w / 1e6, "nameplate_mw": fleet.nameplate_power_w / 1e6, "solve_s": solve_s,
        "lp_gap_frac": best.lp_gap_frac,
        "j_per_th_improvement_vs_uniform_pct": improvement["vs_uniform_underclock_pct"],
        "j_per_th_improvement_vs_off_first_pct": improvement["vs_least_efficient_off_pct"],
        "step_batches": len(plan.batches), "step_commands": plan.n_commands, "step_duration_s": plan.duration_s,
        "step_max_site_power_mw": float(plan.node_envelope_w[:, 0].max() / 1e6) if plan.batches else 0.0,
    }
    if not quiet:
        print_table(rows, title=f"{site.name} at 70% of nameplate ({cap_w / 1e6:.1f} MW), with its power layout")
        print_record(summary, title="Power allocation")
    return {**summary, "practices": rows}
