"""``hashstack power``: allocate a site's power across its fleet, and the site power curve."""

from __future__ import annotations

import time
from typing import Annotated, Any, cast

import numpy as np
import typer

from hashstack.cli_context import JsonFlag
from hashstack.errors import InputError
from hashstack.units import usd_per_ph_day_from_usd_per_th_day, usd_per_th_day_from_usd_per_ph_day, w_from_mw

app = typer.Typer(help="Optimal power allocation across a mixed fleet, and the site power curve.",
                  no_args_is_help=True)

LayoutOpt = Annotated[str | None, typer.Option(
    "--layout", help="Power layout TOML: containers, transformers, thermal caps, inlet temperatures, health.")]
ObjectiveOpt = Annotated[str, typer.Option("--objective", help="hashrate or margin.")]
PriceOpt = Annotated[float | None, typer.Option(
    "--power-price-usd-per-mwh", help="Power price [USD/MWh] (default: the site tariff).")]
HashpriceOpt = Annotated[float | None, typer.Option(
    "--hashprice-usd-per-ph-day", help="Hashprice [USD/PH/day] (default: the built-in network snapshot).")]
PointsOpt = Annotated[int, typer.Option("--points", min=2,
                                        help="Operating points per miner along its tuning curve.")]
SleepOpt = Annotated[float, typer.Option("--sleep-power-w", min=0.0, help="Draw of a sleeping miner [W].")]


def _w_from_mw(power_mw: float) -> float:
    """A scalar option in MW as W (:func:`hashstack.units.w_from_mw`, narrowed to float)."""
    return cast(float, w_from_mw(power_mw))


def _problem(fleet_toml: str, layout: str | None, objective: str, power_price_usd_per_mwh: float | None,
             hashprice_usd_per_ph_day: float | None, points: int) -> tuple[Any, Any, Any, dict[str, Any]]:
    from hashstack.fleet import read_site
    from hashstack.power.allocation import Objective
    from hashstack.power.site import read_layout, site_fleet

    if objective not in ("hashrate", "margin"):
        raise InputError(f"--objective must be hashrate or margin, not {objective!r}")
    site = read_site(fleet_toml)
    fleet = site_fleet(site, read_layout(layout) if layout else None, n_points=points)
    price_usd_per_mwh = (power_price_usd_per_mwh if power_price_usd_per_mwh is not None
                         else site.tariff.mean_price_usd_per_mwh())
    if hashprice_usd_per_ph_day is None:
        from hashstack.network import load_snapshot

        state = load_snapshot()
        hp_th = float(state.hashprice().hashprice_usd_per_th_day)
        hp_source = state.source
    else:
        hp_th = cast(float, usd_per_th_day_from_usd_per_ph_day(float(hashprice_usd_per_ph_day)))
        hp_source = "--hashprice-usd-per-ph-day"
    obj = (Objective("margin", hp_th, price_usd_per_mwh, site.pool_fee_frac) if objective == "margin"
           else Objective("hashrate", hp_th, price_usd_per_mwh, site.pool_fee_frac))
    inputs = {"site": site.name, "objective": objective, "power_price_usd_per_mwh": price_usd_per_mwh,
              "hashprice_usd_per_ph_day": cast(float, usd_per_ph_day_from_usd_per_th_day(hp_th)),
              "hashprice_source": hp_source, "miners": fleet.n_miners}
    return site, fleet, obj, inputs


@app.command()
def allocate(
    fleet_toml: Annotated[str, typer.Argument(help="Site TOML (see examples/site.toml).")],
    cap_mw: Annotated[float, typer.Option("--cap-mw", min=0.0, help="Site power cap [MW].")],
    objective: ObjectiveOpt = "hashrate",
    power_price_usd_per_mwh: PriceOpt = None,
    hashprice_usd_per_ph_day: HashpriceOpt = None,
    layout: LayoutOpt = None,
    points: PointsOpt = 10,
    sleep_power_w: SleepOpt = 0.0,
    detail: Annotated[bool, typer.Option("--detail", help="Also print every miner's power target.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Best operating point (or off) for every miner under the site cap and the layout's nested caps."""
    from hashstack.console import print_json, print_record, print_table
    from hashstack.power.allocation import PowerProblem, daily_margin_usd

    site, fleet, obj, inputs = _problem(fleet_toml, layout, objective, power_price_usd_per_mwh,
                                        hashprice_usd_per_ph_day, points)
    if not 0 <= cap_mw <= site.power_capacity_mw:
        raise InputError(f"--cap-mw must lie between 0 and the site capacity, {site.power_capacity_mw:g} MW")
    t0 = time.perf_counter()
    prob = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree, obj, sleep_power_w=sleep_power_w)
    cap_w = _w_from_mw(cap_mw)
    a = prob.solve(cap_w)
    solve_s = time.perf_counter() - t0
    margin = float(daily_margin_usd(a.hashrate_ths, a.power_w, obj.hashprice_usd_per_th_day or 0.0,
                                    obj.price_usd_per_mwh or 0.0, obj.pool_fee_frac).sum())
    out: dict[str, Any] = {
        **inputs, "cap_w": cap_w, "hashrate_ths": a.total_hashrate_ths, "power_w": a.total_power_w,
        "efficiency_j_per_th": a.efficiency_j_per_th, "margin_usd_per_day": margin,
        "objective_value": a.value, "lp_bound": a.lp_bound, "lp_gap_frac": a.lp_gap_frac,
        "method": a.method, "miners_running": a.n_running, "solve_s": solve_s,
    }
    binding = [{"node": name, "power_w": float(pw), "cap_w": float(cap)}
               for name, pw, cap in zip(fleet.tree.names, a.node_power_w, fleet.tree.effective_cap_w, strict=True)]
    out["nodes"] = binding
    rows = []
    if detail:
        for i in range(fleet.n_miners):
            rows.append({"miner": i, "model": fleet.model[i], "container": fleet.container[i] or "-",
                         "state": "on" if a.point_index[i] >= 0 else "sleep",
                         "power_target_w": float(a.power_w[i]) if a.point_index[i] >= 0 else 0.0,
                         "hashrate_ths": float(a.hashrate_ths[i])})
        out["miners_detail"] = rows
    if json_out:
        print_json(out)
        return
    nodes = out.pop("nodes")
    out.pop("miners_detail", None)
    print_record(out, title=f"{site.name}: allocation at {cap_mw:g} MW")
    if len(nodes) > 1:
        print_table([n for n in nodes if np.isfinite(n["cap_w"])][:40], title="Caps (first 40)")
    if detail:
        print_table(rows, title="Per-miner targets")


@app.command()
def curve(
    fleet_toml: Annotated[str, typer.Argument(help="Site TOML (see examples/site.toml).")],
    levels: Annotated[int, typer.Option("--levels", min=2, help="Power levels from 0 to the site capacity.")] = 21,
    objective: ObjectiveOpt = "hashrate",
    power_price_usd_per_mwh: PriceOpt = None,
    hashprice_usd_per_ph_day: HashpriceOpt = None,
    layout: LayoutOpt = None,
    points: PointsOpt = 10,
    sleep_power_w: SleepOpt = 0.0,
    json_out: JsonFlag = False,
) -> None:
    """Best hash rate and margin at every site power level from zero to the site capacity."""
    from rich.progress import Progress

    from hashstack.console import print_json, print_record, print_table, stderr
    from hashstack.power.allocation import PowerProblem
    from hashstack.power.curve import site_power_curve
    from hashstack.units import mw_from_w, phs_from_ths

    _site, fleet, obj, inputs = _problem(fleet_toml, layout, objective, power_price_usd_per_mwh,
                                         hashprice_usd_per_ph_day, points)
    prob = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree, obj, sleep_power_w=sleep_power_w)
    top = min(float(fleet.tree.effective_cap_w[0]), fleet.max_power_w)
    grid = np.linspace(0.0, top, levels)
    parts = []
    with Progress(console=stderr, transient=True, disable=json_out) as bar:
        task = bar.add_task("power curve", total=len(grid))
        for chunk in np.array_split(grid, max(1, len(grid) // 5)):
            parts.append(site_power_curve(prob, chunk))
            bar.advance(task, len(chunk))
    cols = {k: np.concatenate([getattr(c, k) for c in parts]) for k in
            ("power_w", "power_used_w", "hashrate_ths", "margin_usd_per_day", "value_lp_bound")}
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(cols["hashrate_ths"] > 0, cols["power_used_w"] / cols["hashrate_ths"], np.nan)
    rows = [{"power_w": float(cols["power_w"][i]), "power_used_w": float(cols["power_used_w"][i]),
             "hashrate_ths": float(cols["hashrate_ths"][i]), "efficiency_j_per_th": float(eff[i]),
             "margin_usd_per_day": float(cols["margin_usd_per_day"][i]),
             "value_lp_bound": float(cols["value_lp_bound"][i])} for i in range(len(grid))]
    if json_out:
        print_json({**inputs, "levels": rows})
        return
    print_record(inputs, title="Inputs")
    print_table([{"power_mw": mw_from_w(r["power_w"]), "used_mw": mw_from_w(r["power_used_w"]),
                  "hashrate_phs": phs_from_ths(r["hashrate_ths"]), "efficiency_j_per_th": r["efficiency_j_per_th"],
                  "margin_usd_per_day": r["margin_usd_per_day"]} for r in rows], title="Site power curve")


@app.command()
def plan(
    fleet_toml: Annotated[str, typer.Argument(help="Site TOML (see examples/site.toml).")],
    from_cap_mw: Annotated[float, typer.Option("--from-cap-mw", min=0.0, help="Site cap before the step [MW].")],
    to_cap_mw: Annotated[float, typer.Option("--to-cap-mw", min=0.0, help="Site cap after the step [MW].")],
    layout: LayoutOpt = None,
    points: PointsOpt = 10,
    sleep_power_w: SleepOpt = 0.0,
    settle_s: Annotated[float, typer.Option("--settle-s", help="Time between batches [s].")] = 30.0,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Most commands per batch.")] = 200,
    ramp_mw_per_min: Annotated[float | None, typer.Option(
        "--ramp-mw-per-min", help="Largest site power change per minute [MW/min].")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Staged commands taking the fleet from its best allocation at one cap to the best at another,
    never overshooting a cap in between (decreases before increases, ramp and batch limits)."""
    from hashstack.console import print_json, print_record, print_table
    from hashstack.power.allocation import Objective, PowerProblem
    from hashstack.power.staging import StagingPolicy, plan_transition

    site, fleet, _obj, inputs = _problem(fleet_toml, layout, "hashrate", None, None, points)
    for cap in (from_cap_mw, to_cap_mw):
        if not 0 <= cap <= site.power_capacity_mw:
            raise InputError(f"caps must lie between 0 and the site capacity, {site.power_capacity_mw:g} MW")
    problem = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree, Objective(), sleep_power_w=sleep_power_w)
    from_cap_w, to_cap_w = _w_from_mw(from_cap_mw), _w_from_mw(to_cap_mw)
    before = problem.solve(from_cap_w)
    after = problem.solve(to_cap_w)
    ramp_w_per_s = None if ramp_mw_per_min is None else _w_from_mw(ramp_mw_per_min) / 60.0  # /min -> /s
    policy = StagingPolicy(settle_s=settle_s, batch_size=batch_size, sleep_power_w=sleep_power_w,
                           ramp_w_per_s=ramp_w_per_s)
    start = np.where(before.point_index >= 0, before.power_w, 0.0)
    target = np.where(after.point_index >= 0, after.power_w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        priority = np.where(after.power_w > 0, after.hashrate_ths / after.power_w, 0.0)
    staged = plan_transition([f"miner-{i}" for i in range(fleet.n_miners)], start, target,
                             fleet.tree.with_site_cap(max(to_cap_w, after.total_power_w)), policy,
                             priority=priority)
    rows = []
    for b in staged.batches:
        actions = [c.action for c in b.commands]
        rows.append({"at_s": b.at_s, "direction": b.direction, "commands": len(b.commands),
                     "sleep": actions.count("sleep"), "wake": actions.count("wake"),
                     "power_target": actions.count("power_target"), "site_power_w": b.site_power_w})
    summary = {**inputs, "from_cap_w": from_cap_w, "to_cap_w": to_cap_w,
               "start_power_w": before.total_power_w, "end_power_w": after.total_power_w,
               "batches": len(staged.batches), "commands": staged.n_commands, "duration_s": staged.duration_s,
               "max_site_power_w": float(staged.node_power_w[:, 0].max())}
    if json_out:
        print_json({**summary, "stages": rows})
        return
    print_record(summary, title=f"{site.name}: staged step {from_cap_mw:g} -> {to_cap_mw:g} MW")
    print_table(rows, title="Batches")
