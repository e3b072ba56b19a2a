"""Benchmark the fleet power allocator: scale (100,000 miners x 10 points, site cap + 500 container caps)
against HiGHS MILP on the same instance, and J/TH at 70% of nameplate against the two common practices.

Run: ``.venv/bin/python bench/power_allocation.py [--milp-time-limit-s 60] [--no-record]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.record import record

from hashstack.catalog import load_catalog, tuning_curve
from hashstack.examples import example_site_path
from hashstack.fleet import read_site
from hashstack.power.allocation import CapTree, PowerProblem
from hashstack.power.milp import solve_milp
from hashstack.power.operating_points import derated_points
from hashstack.power.practices import least_efficient_off, uniform_underclock
from hashstack.power.site import example_layout_path, read_layout, site_fleet


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def scale_instance(rng: np.random.Generator, n_miners: int, n_points: int, n_containers: int
                   ) -> tuple[np.ndarray, np.ndarray, CapTree]:
    """A mixed fleet from the catalogue: random models, health and container inlet temperatures."""
    models = [m for m in load_catalog() if m.release_year >= 2020]
    which = rng.integers(0, len(models), n_miners)
    container = rng.integers(0, n_containers, n_miners)
    temp_c = rng.uniform(20.0, 42.0, n_containers)[container]
    health = np.clip(rng.normal(0.97, 0.05, n_miners), 0.6, 1.0)
    h = np.empty((n_miners, n_points))
    p = np.empty((n_miners, n_points))
    for k, m in enumerate(models):
        rows = np.flatnonzero(which == k)
        if len(rows) == 0:
            continue
        ch, cp = tuning_curve(m).operating_points(n_points)
        h[rows], p[rows] = derated_points(ch, cp, health_frac=health[rows], temp_inlet_c=temp_c[rows])
    top = np.nanmax(np.where(np.isnan(p), 0.0, p), axis=1)
    container_top = np.bincount(container, weights=top, minlength=n_containers)
    container_cap = container_top * rng.uniform(0.6, 1.0, n_containers)
    site_cap = 0.7 * top.sum()
    return h, p, CapTree.two_level(site_cap, container_cap, container)


def instance_for(n_miners: int) -> tuple[np.ndarray, np.ndarray, CapTree]:
    """The seeded benchmark instance with ``n_miners`` miners and one container per 200 miners."""
    rng = np.random.default_rng(20261122 + n_miners)
    return scale_instance(rng, n_miners, 10, max(1, n_miners // 200))


def milp_child(n_miners: int, time_limit_s: float) -> None:
    """Run HiGHS on the instance and print one JSON line (run in a child process with a hard timeout)."""
    h, p, tree = instance_for(n_miners)
    t0 = time.perf_counter()
    ref = solve_milp(h, p, tree, time_limit_s=time_limit_s, mip_rel_gap=1e-4)
    print(json.dumps({"milp_s": time.perf_counter() - t0, "value": ref.value, "status": ref.status,
                      "message": ref.message}), flush=True)


def run_milp(n_miners: int, time_limit_s: float) -> dict[str, object]:
    """HiGHS in a child process, killed if it overruns its own time limit by far (presolve and model
    building do not check the limit)."""
    hard_s = 2 * time_limit_s + 120
    cmd = [sys.executable, __file__, "--milp-child", str(n_miners), "--milp-time-limit-s", str(time_limit_s)]
    t0 = time.perf_counter()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=hard_s, check=False)
    except subprocess.TimeoutExpired:
        return {"milp_s": time.perf_counter() - t0, "value": float("nan"),
                "status": f"killed after {hard_s:.0f} s with no answer"}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"milp_s": time.perf_counter() - t0, "value": float("nan"),
                "status": f"child failed: {out.stderr.strip().splitlines()[-1:] }"}
    got = json.loads(lines[-1])
    value = got["value"] if got["value"] is not None else float("nan")
    return {"milp_s": got["milp_s"], "value": value, "status": f"{got['status']} ({got['message']})"}


def bench_scale(n_miners: int, milp_time_limit_s: float, repeats: int = 5) -> dict[str, object]:
    h, p, tree = instance_for(n_miners)
    times = []
    cpu = []
    a = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        a = PowerProblem(h, p, tree).solve(exact_max_points=0)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert a is not None
    caps_ok = bool(np.all(a.node_power_w <= tree.effective_cap_w * (1 + 1e-12)))
    binding = int(np.sum(a.node_power_w >= tree.effective_cap_w * 0.999))
    print(f"{n_miners} miners: solve {np.median(times):.3f} s, gap {a.lp_gap_frac:.2e}", flush=True)
    load_before_milp = loadavg()
    ref = run_milp(n_miners, milp_time_limit_s)
    value = float(ref["value"])  # type: ignore[arg-type]
    print(f"  HiGHS: {ref}", flush=True)
    return {
        "n_miners": n_miners, "points": int(np.count_nonzero(~np.isnan(p))), "caps": tree.n_nodes,
        "solve_s_median": float(np.median(times)), "solve_s_min": float(np.min(times)),
        "cpu_s_median": float(np.median(cpu)),
        "hashrate_ths": a.total_hashrate_ths, "lp_bound": a.lp_bound, "lp_gap_frac": a.lp_gap_frac,
        "caps_ok": caps_ok, "binding_caps": binding,
        "milp_s": ref["milp_s"], "milp_status": ref["status"], "milp_hashrate_ths": value,
        "milp_gap_to_lp_frac": (a.lp_bound - value) / a.lp_bound if np.isfinite(value) else float("nan"),
        "load_before_milp": load_before_milp,
    }


def bench_practices(with_layout: bool) -> dict[str, float]:
    site = read_site(example_site_path())
    fleet = site_fleet(site, read_layout(example_layout_path()) if with_layout else None)
    cap = 0.7 * fleet.nameplate_power_w
    a = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree).solve(cap)
    uni = uniform_underclock(fleet.hashrate_ths, fleet.power_w, cap)
    off = least_efficient_off(fleet.stock_hashrate_ths, fleet.stock_power_w, cap)
    if with_layout:  # the practices ignore container caps; report whether they would break them
        uni_ok = bool(np.all(fleet.tree.node_power_w(uni.power_w) <= fleet.tree.effective_cap_w * (1 + 1e-9)))
        off_ok = bool(np.all(fleet.tree.node_power_w(off.power_w) <= fleet.tree.effective_cap_w * (1 + 1e-9)))
    else:
        uni_ok = off_ok = True
    return {
        "cap_w": cap, "nameplate_w": fleet.nameplate_power_w, "miners": fleet.n_miners,
        "opt_hashrate_ths": a.total_hashrate_ths, "opt_power_w": a.total_power_w, "opt_j_per_th": a.efficiency_j_per_th,
        "uni_hashrate_ths": uni.total_hashrate_ths, "uni_power_w": uni.total_power_w,
        "uni_j_per_th": uni.efficiency_j_per_th, "uni_caps_ok": uni_ok,
        "off_hashrate_ths": off.total_hashrate_ths, "off_power_w": off.total_power_w,
        "off_j_per_th": off.efficiency_j_per_th, "off_caps_ok": off_ok, "lp_gap_frac": a.lp_gap_frac,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--milp-time-limit-s", type=float, default=60.0)
    ap.add_argument("--no-record", action="store_true")
    ap.add_argument("--milp-child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.milp_child:
        milp_child(args.milp_child, args.milp_time_limit_s)
        return
    load_start = loadavg()
    scale = [bench_scale(n, args.milp_time_limit_s) for n in (1_000, 10_000, 100_000)]
    rows = []
    for with_layout in (False, True):
        r = bench_practices(with_layout)
        print(r, flush=True)
        rows.append((with_layout, r))
    load_end = loadavg()
    big = scale[-1]
    lines = [
        "### Fleet power allocation (`power`)",
        "",
        f"Command: `.venv/bin/python bench/power_allocation.py --milp-time-limit-s {args.milp_time_limit_s:g}`. "
        f"Load average (1, 5, 15 min) at start `{load_start}`, at end `{load_end}`, on 2 cores shared with "
        "other engineers' jobs: wall times are pessimistic.",
        "",
        f"**Scale.** Miners drawn from the catalogue's post-2020 models, 10 tuning-curve points each (the top ones "
        f"replaced by a derated ceiling: random health, container inlet 20-42 C), one container per 200 miners with a "
        f"cap at 60-100% of its top power, site cap at 70% of the fleet's top power. The headline instance: "
        f"{big['n_miners']:,} miners, {big['points']:,} operating points, site cap + 500 container caps.",
        "",
        "| miners | caps | solver | wall time [s] | hash rate [TH/s] | below LP bound | status / load before |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in scale:
        lines.append(f"| {r['n_miners']:,} | {r['caps']} | hashstack LP + repair | median "
                     f"{r['solve_s_median']:.3f}, min {r['solve_s_min']:.3f} (CPU {r['cpu_s_median']:.3f}) | "
                     f"{r['hashrate_ths']:,.0f} | {r['lp_gap_frac']:.2e} | "
                     f"caps held: {r['caps_ok']}, {r['binding_caps']} binding |")
        lines.append(f"| {r['n_miners']:,} | {r['caps']} | HiGHS MILP (mip_rel_gap 1e-4, limit "
                     f"{args.milp_time_limit_s:g} s) | {r['milp_s']:.1f} | {r['milp_hashrate_ths']:,.0f} | "
                     f"{r['milp_gap_to_lp_frac']:.2e} | {r['milp_status']}; load {r['load_before_milp']} |")
    lines += [
        "",
        "hashstack times (5 runs) cover building the hulls, the slope sort, the LP and the repair, not "
        "generating the points; single-threaded, so the CPU time is what the solve costs on an idle core and "
        "the wall time shows the contention. "
        "HiGHS runs in a child process killed at twice its limit plus 120 s, since model building and presolve "
        "do not check the limit.",
        "",
        "**Example site at 70% of nameplate** (examples/site.toml: 13,000 machines, four models; nameplate = "
        "every machine at its configured point).",
        "",
        "| layout | practice | hash rate [PH/s] | power [MW] | fleet J/TH | J/TH vs optimal |",
        "|---|---|---|---|---|---|",
    ]
    for with_layout, r in rows:
        name = "site cap + layout (52 containers, 2 transformers)" if with_layout else "site cap only"
        for label, key in (("optimal allocation", "opt"), ("uniform underclock", "uni"),
                           ("least-efficient off first", "off")):
            eff = r[f"{key}_j_per_th"]
            note = ""
            if key != "opt":
                note = f"+{(eff / r['opt_j_per_th'] - 1) * 100:.1f}%"
                if not r[f"{key}_caps_ok"]:
                    note += " (breaks a container cap)"
            lines.append(f"| {name} | {label} | {r[f'{key}_hashrate_ths'] / 1e3:,.1f} | {r[f'{key}_power_w'] / 1e6:.2f}"
                         f" | {eff:.2f} | {note} |")
    base = rows[0][1]
    imp_uni = (1 - base["opt_j_per_th"] / base["uni_j_per_th"]) * 100
    imp_off = (1 - base["opt_j_per_th"] / base["off_j_per_th"]) * 100
    lines += [
        "",
        f"At 70% of nameplate ({base['cap_w'] / 1e6:.1f} MW), the optimal allocation's fleet J/TH is "
        f"{imp_uni:.1f}% lower than a uniform underclock and {imp_off:.1f}% lower than switching off the least "
        f"efficient machines first, for {base['opt_hashrate_ths'] / base['uni_hashrate_ths'] * 100 - 100:+.1f}% "
        f"and {base['opt_hashrate_ths'] / base['off_hashrate_ths'] * 100 - 100:+.1f}% hash rate at the same cap.",
    ]
    md = "\n".join(lines)
    print(md)
    if not args.no_record:
        record("power_allocation", md)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
