"""``hashstack curtail``: curtailment planning and the ERCOT 4CP model (thin adapters).

The backtest command is mounted as ``hashstack energy backtest`` (the issue's CLI contract); its
``hashstack curtail backtest`` alias is hidden and kept only for old scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hashstack.cli_context import JsonFlag, settings_of
from hashstack.console import print_json, print_table, stderr
from hashstack.energy.backtest import DEFAULT_LAG_INTERVALS, STRATEGIES
from hashstack.errors import DataFileError, InputError
from hashstack.units import W_PER_MW, usd_per_ph_day_from_usd_per_th_day, usd_per_th_day_from_usd_per_ph_day

app = typer.Typer(help="Curtailment scheduling: plans with every programme and the ERCOT 4CP model "
                  "(backtests: `hashstack energy backtest`).", no_args_is_help=True)


@app.command("backtest", hidden=True)
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
    lag: Annotated[int, typer.Option("--lag", min=0, help="Age of the 15-min settlement price the real-time "
                                     "layer and the threshold rule act on, in intervals: 1 = the last settled "
                                     "interval (default, what a controller knows); 0 = the interval's own average "
                                     "price, known only when it ends: look-ahead, an upper bound only.")
                   ] = DEFAULT_LAG_INTERVALS,
    min_run_min: Annotated[float, typer.Option("--min-run-min", min=0)] = 60.0,
    min_idle_min: Annotated[float, typer.Option("--min-idle-min", min=0)] = 30.0,
    restart_cost_usd_per_mw: Annotated[float, typer.Option("--restart-cost-usd-per-mw", min=0)] = 20.0,
    min_on_mw: Annotated[float, typer.Option("--min-on-mw", min=0, help="Below this the site counts as off.")] = 5.0,
    min_load_mw: Annotated[float, typer.Option("--min-load-mw", min=0, help="Contracted minimum load.")] = 0.0,
    points: Annotated[int, typer.Option("--points", min=2, help="Operating points per miner (power allocator).")] = 10,
    levels: Annotated[int, typer.Option("--levels", min=2, help="Site power levels the allocator solves for the "
                                        "scheduler's power curve.")] = 11,
    json_out: JsonFlag = False,
) -> None:
    """Backtest curtailment strategies for a site on realised ERCOT prices.

    Prints margin_usd, energy_cost_usd and captured_frac_of_perfect per strategy (perfect foresight is
    always run: it is the denominator).
    """
    from hashstack.energy.backtest import run_backtest
    from hashstack.energy.curtailment_inputs import fourcp_caps, read_backtest_inputs
    from hashstack.energy.power_curve import scheduling_curve
    from hashstack.energy.schedule import OperatingLimits
    from hashstack.fleet import read_site

    if strategy is not None and strategy not in STRATEGIES:
        raise InputError(f"--strategy must be one of {', '.join(STRATEGIES)}")
    settings = settings_of(ctx)
    the_site = read_site(site)
    curve = scheduling_curve(the_site, n_levels=levels, n_points=points)
    limits = OperatingLimits(min_run_s=min_run_min * 60, min_idle_s=min_idle_min * 60,
                             restart_cost_usd_per_mw=restart_cost_usd_per_mw, min_on_power_w=min_on_mw * W_PER_MW,
                             contracted_min_load_w=min_load_mw * W_PER_MW)
    inputs = read_backtest_inputs(settings, prices, node, start, end, forecast)
    notes = list(inputs.notes)
    if lag == 0:
        notes.append("--lag 0 is an upper bound: the real-time layer knows each interval's average price before "
                     "it ends")
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
    notes += [n for n in res.notes if not n.startswith("lag 0")]
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
            "lag_intervals": lag, "lag_is_upper_bound": lag == 0, "fourcp": fourcp, "n_days": res.n_days,
            "notes": notes}
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
    lag_label = "lag 0: UPPER BOUND, knows the interval's average price" if lag == 0 else f"lag {lag}"
    print_table(table, title=f"{the_site.name}, {node} real-time {start} .. {end} (forecast: {inputs.forecast_name}, "
                f"{lag_label})",
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


def _window_mask(local_minutes: Any, spec: str, option: str) -> Any:
    """Intervals whose local start falls in ``HH:MM-HH:MM`` (end exclusive; may wrap midnight)."""

    try:
        a, b = (int(x[:2]) * 60 + int(x[3:5]) for x in spec.split("-"))
        if not (0 <= a < 1440 and 0 <= b <= 1440 and len(spec) == 11):
            raise ValueError
    except (ValueError, IndexError):
        raise InputError(f"{option}: expected HH:MM-HH:MM, got {spec!r}") from None
    return (local_minutes >= a) & (local_minutes < b) if a < b else (local_minutes >= a) | (local_minutes < b)


def _split_value(spec: str, option: str, with_credit: bool = False) -> tuple[str, float, float]:
    try:
        window, rest = spec.split("=", 1)
        if with_credit:
            mw, usd = rest.split("@", 1)
            return window, float(mw), float(usd)
        return window, float(rest), 0.0
    except ValueError:
        form = "HH:MM-HH:MM=MW@USD" if with_credit else "HH:MM-HH:MM=MW"
        raise InputError(f"{option}: expected {form}, got {spec!r}") from None


@app.command("plan")
def plan(
    forecast: Annotated[Path, typer.Option("--forecast", help="CSV with interval_start_utc, price_usd_per_mwh "
                                           "(a regular grid, e.g. 96 x 15 min).")],
    site: Annotated[Path, typer.Option("--site", help="Site TOML.")],
    hashprice_usd_per_ph_day: Annotated[float | None, typer.Option(
        "--hashprice-usd-per-ph-day", help="Hashprice; default: the shipped network snapshot's.")] = None,
    fourcp_window: Annotated[list[str] | None, typer.Option(
        "--fourcp-window", help="4CP window HH:MM-HH:MM in site local time (repeatable): curtail.")] = None,
    manual: Annotated[list[str] | None, typer.Option(
        "--manual", help="Operator cap HH:MM-HH:MM=MW (repeatable).")] = None,
    dr: Annotated[list[str] | None, typer.Option(
        "--dr", help="Demand-response offer HH:MM-HH:MM=MW@USD: hold at most MW for a credit (repeatable). The "
        "window repeats on every day of the forecast and each day's contiguous window is a separate event "
        "earning the full USD credit.")] = None,
    dr_committed: Annotated[bool, typer.Option("--dr-committed", help="The DR events are commitments.")] = False,
    min_run_min: Annotated[float, typer.Option("--min-run-min", min=0)] = 60.0,
    min_idle_min: Annotated[float, typer.Option("--min-idle-min", min=0)] = 30.0,
    restart_cost_usd_per_mw: Annotated[float, typer.Option("--restart-cost-usd-per-mw", min=0)] = 20.0,
    min_on_mw: Annotated[float, typer.Option("--min-on-mw", min=0)] = 5.0,
    min_load_mw: Annotated[float, typer.Option("--min-load-mw", min=0)] = 0.0,
    ramp_mw_per_min: Annotated[float | None, typer.Option("--ramp-mw-per-min", min=0)] = None,
    points: Annotated[int, typer.Option("--points", min=2, help="Operating points per miner (power allocator).")] = 10,
    levels: Annotated[int, typer.Option("--levels", min=2, help="Site power levels the allocator solves for the "
                                        "scheduler's power curve.")] = 11,
    json_out: JsonFlag = False,
) -> None:
    """Plan the site's power on a price forecast with 4CP windows, operator caps and DR offers.

    Prints each run of intervals with its power and the programme that drove it, and the margin
    against always-on on the forecast prices.
    """
    import numpy as np

    from hashstack.energy.planning import decision_runs, plan_with_programmes
    from hashstack.energy.power_curve import scheduling_curve
    from hashstack.energy.schedule import DemandResponseEvent, OperatingLimits
    from hashstack.fleet import read_price_series, read_site
    from hashstack.network import load_snapshot

    the_site = read_site(site)
    curve = scheduling_curve(the_site, n_levels=levels, n_points=points)
    series = read_price_series(forecast)  # names file, row and field of non-finite, naive or disordered rows
    idx = pd.DatetimeIndex(series.index)
    if idx.size > 1:
        delta = np.asarray(idx[1:] - idx[:-1])
        if np.any(delta != delta[0]):
            row = int(np.flatnonzero(delta != delta[0])[0]) + 2
            raise DataFileError(forecast, f"not on the file's regular {pd.Timedelta(delta[0])} grid (a gap?)",
                                row=row, field="interval_start_utc")
    steps = (idx[1:] - idx[:-1]).unique() if idx.size > 1 else pd.TimedeltaIndex([pd.Timedelta(minutes=15)])
    interval_s = float(steps[0].total_seconds())
    local = idx.tz_convert(the_site.location.timezone)
    minutes = np.asarray(local.hour * 60 + local.minute)
    n = idx.size
    limits = OperatingLimits(min_run_s=min_run_min * 60, min_idle_s=min_idle_min * 60,
                             restart_cost_usd_per_mw=restart_cost_usd_per_mw, min_on_power_w=min_on_mw * W_PER_MW,
                             contracted_min_load_w=min_load_mw * W_PER_MW,
                             ramp_w_per_s=None if ramp_mw_per_min is None else ramp_mw_per_min * W_PER_MW / 60)
    cp = np.full(n, np.nan)
    for spec in fourcp_window or []:
        cp[_window_mask(minutes, spec, "--fourcp-window")] = limits.contracted_min_load_w
    man = np.full(n, np.nan)
    for spec in manual or []:
        window, mw, _ = _split_value(spec, "--manual")
        mask = _window_mask(minutes, window, "--manual")
        man[mask] = np.fmin(man[mask], mw * W_PER_MW)
    events = []
    for spec in dr or []:
        window, mw, usd = _split_value(spec, "--dr", with_credit=True)
        mask = _window_mask(minutes, window, "--dr")
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            events.append(DemandResponseEvent(int(a), int(b), mw * W_PER_MW, usd, committed=dr_committed,
                                              name=f"DR {window}"))
    hp = (usd_per_th_day_from_usd_per_ph_day(hashprice_usd_per_ph_day) if hashprice_usd_per_ph_day is not None
          else float(load_snapshot().hashprice().hashprice_usd_per_th_day))
    result = plan_with_programmes(series.to_numpy(), hp, curve, limits, interval_s=interval_s,
                                  pool_fee_frac=the_site.pool_fee_frac, fourcp_cap_w=cp, manual_cap_w=man,
                                  dr_events=events)
    labels = [t.strftime("%m-%d %H:%M") for t in local] + [(local[-1] + steps[0]).strftime("%m-%d %H:%M")]
    rows = decision_runs(result.decision.power_w, result.decision.driver, series.to_numpy(), labels)
    summary = {
        "site": the_site.name, "intervals": n, "interval_s": interval_s,
        "hashprice_usd_per_ph_day": usd_per_ph_day_from_usd_per_th_day(hp),
        "margin_usd": round(result.margin.margin_usd, 2), "always_on_margin_usd": round(result.always_on.margin_usd, 2),
        "energy_cost_usd": round(result.margin.energy_cost_usd, 2),
        "always_on_energy_cost_usd": round(result.always_on.energy_cost_usd, 2),
        "dr_credit_usd": result.margin.dr_credit_usd,
        "dr_taken": [ev.name for ev, t in zip(events, result.schedule.dr_taken, strict=True) if t],
        "share_by_driver": result.decision.share_by_driver(),
    }
    if json_out:
        print_json({**summary, "power_w": result.decision.power_w.round(1).tolist(),
                    "driver": result.decision.driver.tolist(), "runs": rows})
        return
    print_table(rows, title=f"{the_site.name}: plan on {forecast.name} ({the_site.location.timezone})")
    print_table([{"field": k, "value": v} for k, v in summary.items() if k != "share_by_driver"],
                title="Margin on the forecast prices")
