"""``hashstack curtail``: curtailment backtests and the ERCOT 4CP model (thin adapters).

The backtest command is also mounted as ``hashstack energy backtest`` (the issue's CLI contract).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hashstack.cli_context import JsonFlag, settings_of
from hashstack.console import print_json, print_table, stderr
from hashstack.energy.backtest import STRATEGIES
from hashstack.errors import InputError

app = typer.Typer(help="Curtailment scheduling: backtests on ERCOT prices and the 4CP model.", no_args_is_help=True)

W_PER_MW = 1e6


@app.command("backtest")
def backtest(
    ctx: typer.Context,
    prices: Annotated[Path, typer.Option("--prices", help="ERCOT real-time 15-min price file (hub or load zone).")],
    site: Annotated[Path, typer.Option("--site", help="Site TOML (capacity, fleet, pool fee).")],
    node: Annotated[str, typer.Option("--node", help="Settlement point column, e.g. HB_WEST, LZ_WEST.")] = "HB_WEST",
    start: Annotated[str, typer.Option("--start", help="First local day (YYYY-MM-DD).")] = "2023-01-01",
    end: Annotated[str, typer.Option("--end", help="Day after the last (YYYY-MM-DD).")] = "2024-01-01",
    strategy: Annotated[str | None, typer.Option(
        "--strategy", help="Print one strategy: forecast|threshold|always-on|perfect (default all).")] = None,
    forecast: Annotated[str, typer.Option(
        "--forecast", help="auto (ERCOT day-ahead price where available, else persistence) | dam | persistence."
    )] = "auto",
    fourcp: Annotated[bool, typer.Option("--fourcp/--no-fourcp", help="Curtail in 4CP windows (June-September); "
                                         "margins then net of the transmission charge.")] = False,
    lag: Annotated[int, typer.Option("--lag", min=0, help="Intervals of delay before the real-time layer sees "
                                     "a price (0 = the interval's own 5-min SCED prices).")] = 0,
    min_run_min: Annotated[float, typer.Option("--min-run-min", min=0)] = 60.0,
    min_idle_min: Annotated[float, typer.Option("--min-idle-min", min=0)] = 30.0,
    restart_cost_usd_per_mw: Annotated[float, typer.Option("--restart-cost-usd-per-mw", min=0)] = 20.0,
    min_on_mw: Annotated[float, typer.Option("--min-on-mw", min=0, help="Below this the site counts as off.")] = 5.0,
    min_load_mw: Annotated[float, typer.Option("--min-load-mw", min=0, help="Contracted minimum load.")] = 0.0,
    points: Annotated[int, typer.Option("--points", min=2, help="Tuning points per model.")] = 4,
    json_out: JsonFlag = False,
) -> None:
    """Backtest curtailment strategies for a site on realised ERCOT prices.

    Prints margin_usd, energy_cost_usd and captured_frac_of_perfect per strategy (perfect foresight is
    always run: it is the denominator).
    """
    from hashstack.energy.backtest import run_backtest
    from hashstack.energy.curtailment_inputs import fourcp_caps, read_backtest_inputs
    from hashstack.energy.power_curve import site_power_curve
    from hashstack.energy.schedule import OperatingLimits
    from hashstack.fleet import read_site

    if strategy is not None and strategy not in STRATEGIES:
        raise InputError(f"--strategy must be one of {', '.join(STRATEGIES)}")
    settings = settings_of(ctx)
    the_site = read_site(site)
    curve = site_power_curve(the_site, points)
    limits = OperatingLimits(min_run_s=min_run_min * 60, min_idle_s=min_idle_min * 60,
                             restart_cost_usd_per_mw=restart_cost_usd_per_mw, min_on_power_w=min_on_mw * W_PER_MW,
                             contracted_min_load_w=min_load_mw * W_PER_MW)
    inputs = read_backtest_inputs(settings, prices, node, start, end, forecast)
    notes = list(inputs.notes)
    caps = None
    actual: list[Any] = []
    if fourcp:
        caps, actual, more = fourcp_caps(settings, pd.DatetimeIndex(inputs.price_usd_per_mwh.index),
                                         floor_w=limits.contracted_min_load_w,
                                         forecast_usd_per_mwh=inputs.forecast_usd_per_mwh,
                                         hashprice_usd_per_th_day=inputs.hashprice_usd_per_th_day, curve=curve,
                                         pool_fee_frac=the_site.pool_fee_frac)
        notes += more
    wanted = [strategy] if strategy is not None else list(STRATEGIES)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr, transient=True, disable=json_out) as bar:
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"{node} {name} (daily MILPs)", total=total)
            bar.update(tasks[name], completed=done)

        res = run_backtest(inputs.price_usd_per_mwh, inputs.forecast_usd_per_mwh, inputs.hashprice_usd_per_th_day,
                           curve, limits, pool_fee_frac=the_site.pool_fee_frac, lag_intervals=lag,
                           fourcp_cap_w=caps, fourcp_intervals_utc=actual, strategies=wanted, progress=progress)
    base = res.results["always-on"]
    rows = []
    for name in wanted:
        r = res.results[name]
        m = r.margin
        rows.append({
            "strategy": name,
            "margin_usd": round(m.margin_usd, 2),
            "energy_cost_usd": round(m.energy_cost_usd, 2),
            "revenue_usd": round(m.revenue_usd, 2),
            "energy_mwh": round(m.energy_mwh, 1),
            "avg_price_paid_usd_per_mwh": round(r.avg_price_paid_usd_per_mwh, 2),
            "energy_cost_reduction_usd_per_mwh": round(base.avg_price_paid_usd_per_mwh
                                                       - r.avg_price_paid_usd_per_mwh, 2),
            "starts": m.starts,
            "transmission_usd": round(r.transmission_usd, 2),
            "net_margin_usd": round(r.net_margin_usd, 2),
            "captured_frac_of_perfect": round(r.captured_frac_of_perfect, 4),
            "share_by_driver": {k: round(v, 4) for k, v in r.share_by_driver.items()},
        })
    meta = {"node": node, "site": the_site.name, "start": start, "end": end, "forecast": inputs.forecast_name,
            "lag_intervals": lag, "fourcp": fourcp, "n_days": res.n_days, "notes": notes}
    if json_out:
        print_json({**meta, "strategies": rows})
        return
    for n in notes:
        stderr.print(f"note: {n}", highlight=False)
    table = [{k: v for k, v in r.items() if k != "share_by_driver"} for r in rows]
    cols = ["strategy", "margin_usd", "energy_cost_usd", "avg_price_paid_usd_per_mwh",
            "energy_cost_reduction_usd_per_mwh", "starts", "captured_frac_of_perfect"]
    if fourcp:
        cols[-1:-1] = ["transmission_usd", "net_margin_usd"]
    print_table(table, title=f"{the_site.name}, {node} real-time {start} .. {end} (forecast: {inputs.forecast_name})",
                columns=cols)


@app.command("fourcp-score")
def fourcp_score(
    ctx: typer.Context,
    first_year: Annotated[int, typer.Option("--first-year", help="First scored summer.")] = 2012,
    last_year: Annotated[int, typer.Option("--last-year", help="Last scored summer.")] = 2023,
    threshold: Annotated[float, typer.Option("--threshold", min=0, max=1,
                                             help="Day probability that triggers curtailment.")] = 0.01,
    site_mw: Annotated[float, typer.Option("--site-mw", min=0, help="Site load valued at the 4CP rate.")] = 50.0,
    json_out: JsonFlag = False,
) -> None:
    """Score the ERCOT 4CP model out of sample: each summer predicted from a model fitted on earlier years."""
    from hashstack.energy.ercot_load import FOURCP_FILE, LOAD_FILE, read_4cp_intervals, read_ercot_load
    from hashstack.energy.fourcp import daily_features, out_of_sample_scores

    settings = settings_of(ctx)
    load = read_ercot_load(settings.data_path(*LOAD_FILE))
    intervals = read_4cp_intervals(settings.data_path(*FOURCP_FILE))
    scores, _, models = out_of_sample_scores(daily_features(load), intervals, list(range(first_year, last_year + 1)),
                                             threshold=threshold)
    rows = [{
        "year": s.year, "intervals_avoided": s.intervals_avoided, "intervals_total": s.intervals_total,
        "days_curtailed": s.days_curtailed, "hours_curtailed": s.hours_curtailed,
        "avoided_value_usd": round(s.avoided_value_usd_per_mw * site_mw, 0),
        "avoided_value_usd_per_curtailed_mwh": round(s.value_per_hour_curtailed_usd_per_mw, 0),
        "train_years": f"{min(models[s.year].train_years)}-{max(models[s.year].train_years)}",
    } for s in scores]
    if json_out:
        print_json({"threshold": threshold, "site_mw": site_mw, "years": rows})
        return
    print_table(rows, title=f"ERCOT 4CP avoidance, out of sample (p >= {threshold}, {site_mw:g} MW site)")
