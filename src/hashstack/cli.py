"""The ``hashstack`` command line: every command is a thin adapter over a library function.

Errors a user can cause (bad files, bad options) are :class:`hashstack.errors.HashstackError`;
:func:`main` prints them as one line on stderr and exits with code 2.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from hashstack import __version__
from hashstack.cli_context import JsonFlag, settings_of
from hashstack.config import Settings
from hashstack.console import stderr
from hashstack.errors import HashstackError

if TYPE_CHECKING:
    from hashstack.network import NetworkState

app = typer.Typer(
    name="hashstack",
    help="Bitcoin mining economics, capital-structure risk, fleet telemetry and AI operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)



@app.callback()
def _root(ctx: typer.Context) -> None:
    """Bitcoin mining economics, capital-structure risk, fleet telemetry and AI operations.

    Datasets are read from HASHSTACK_DATA_DIR (default ../shared/data); the store is HASHSTACK_DB
    (default hashstack.duckdb).
    """
    ctx.obj = Settings.from_env()


@app.command()
def version() -> None:
    """Print the hashstack version."""
    print(__version__)


def _network_state(live: bool, settings: Settings) -> NetworkState:
    from hashstack.network import load_snapshot

    if live:
        from hashstack.network.mempool import get_network_state

        return get_network_state(base_url=settings.mempool_url)
    return load_snapshot()


@app.command()
def hashprice(
    btc_price_usd: Annotated[float, typer.Option(help="BTC price [USD].")],
    difficulty: Annotated[float | None, typer.Option(help="Network difficulty.")] = None,
    network_hashrate_ehs: Annotated[float | None, typer.Option(help="Network hash rate [EH/s].")] = None,
    fees_btc_per_block: Annotated[float, typer.Option(help="Mean fees per block [BTC].")] = 0.0,
    height: Annotated[int | None, typer.Option(help="Block height, for the subsidy (default: 3.125 BTC era).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Hashprice (USD and BTC per PH/s per day) and fee share from price, difficulty and fees."""
    from hashstack.console import print_json, print_record
    from hashstack.economics import hashprice as compute
    from hashstack.errors import InputError
    from hashstack.units import ths_from_ehs

    if (difficulty is None) == (network_hashrate_ehs is None):
        raise InputError("give exactly one of --difficulty or --network-hashrate-ehs")
    hp = compute(btc_price_usd, difficulty=difficulty,
                 network_hashrate_ths=None if network_hashrate_ehs is None else ths_from_ehs(network_hashrate_ehs),
                 fees_btc_per_block=fees_btc_per_block, height=height)
    out = {"hashprice_usd_per_ph_day": float(hp.hashprice_usd_per_ph_day),
           "hashprice_btc_per_ph_day": float(hp.hashprice_btc_per_ph_day),
           "fee_share_frac": float(hp.fee_share_frac), "subsidy_btc_per_block": float(hp.subsidy_btc_per_block),
           "difficulty": float(hp.difficulty)}
    print_json(out) if json_out else print_record(out, title="Hashprice")


@app.command()
def economics(
    ctx: typer.Context,
    site_toml: Annotated[str, typer.Argument(help="Site TOML file (see examples/site.toml).")],
    btc_price_usd: Annotated[float | None, typer.Option(help="BTC price [USD] (default: network state).")] = None,
    difficulty: Annotated[float | None, typer.Option(help="Difficulty (default: network state).")] = None,
    power_price_usd_per_mwh: Annotated[float | None, typer.Option(
        help="Power price [USD/MWh] (default: the site tariff's fixed price or series mean).")] = None,
    live: Annotated[bool, typer.Option("--live", help="Fetch the network state from mempool.space.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Economics of a site per ASIC model: revenue, cost, margin, breakevens and shut-off price."""
    from dataclasses import asdict

    from hashstack.console import print_json, print_record, print_table
    from hashstack.economics import hashprice as compute
    from hashstack.fleet import read_site
    from hashstack.site_economics import site_economics, table_rows

    settings = settings_of(ctx)
    site = read_site(site_toml)
    state = _network_state(live, settings)
    hp = compute(btc_price_usd if btc_price_usd is not None else state.btc_price_usd,
                 difficulty=difficulty if difficulty is not None else state.difficulty,
                 fees_btc_per_block=state.fees_btc_per_block, height=state.height)
    price = power_price_usd_per_mwh if power_price_usd_per_mwh is not None else site.tariff.mean_price_usd_per_mwh()
    rows = site_economics(site, hp, price)
    head = {"network": state.source, "hashprice_usd_per_ph_day": float(hp.hashprice_usd_per_ph_day),
            "power_price_usd_per_mwh": price, "site": site.name}
    if json_out:
        print_json({**head, "models": [asdict(r) for r in rows]})
    else:
        print_record(head, title="Inputs")
        print_table(table_rows(rows), title=f"{site.name}: economics per model")


@app.command()
def network(
    ctx: typer.Context,
    live: Annotated[bool, typer.Option("--live", help="Fetch from mempool.space instead of the snapshot.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """The network state in use (built-in dated snapshot, or live with --live) and its hashprice."""
    from dataclasses import asdict

    from hashstack.console import print_json, print_record

    state = _network_state(live, settings_of(ctx))
    hp = state.hashprice()
    out = {**asdict(state), "network_hashrate_ehs": state.network_hashrate_ths / 1e6,
           "hashprice_usd_per_ph_day": float(hp.hashprice_usd_per_ph_day), "fee_share_frac": float(hp.fee_share_frac)}
    if json_out:
        print_json(out)
    else:
        out.pop("sources")
        print_record(out, title="Network state")


@app.command()
def catalog(json_out: JsonFlag = False) -> None:
    """The ASIC models catalogue: stock hash rate, power, efficiency, tuning range, confidence."""
    from dataclasses import asdict

    from hashstack.catalog import load_catalog, tuning_curve
    from hashstack.console import print_json, print_table

    rows = []
    for m in load_catalog():
        c = tuning_curve(m)
        rows.append({**asdict(m), "hashrate_min_ths": c.hashrate_min_ths, "hashrate_max_ths": c.hashrate_max_ths,
                     "efficiency_best_j_per_th": c.best_efficiency_j_per_th})
    if json_out:
        print_json(rows)
    else:
        print_table(rows, title="ASIC catalogue", columns=["manufacturer", "model", "release_year", "hashrate_ths",
                                                         "power_w", "efficiency_j_per_th", "efficiency_best_j_per_th",
                                                         "cooling", "confidence"])


@app.command()
def history(
    path: Annotated[str, typer.Argument(help="Daily network history CSV (btc_daily_merged format).")],
    start: Annotated[str | None, typer.Option(help="First date (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Last date (YYYY-MM-DD).")] = None,
    freq: Annotated[str, typer.Option(help="Summarise by D, W, M (month) or Y (year).")] = "Y",
    json_out: JsonFlag = False,
) -> None:
    """Hashprice over a daily history file, computed in one vectorised pass and summarised."""
    from datetime import date

    import pandas as pd

    from hashstack.console import print_json, print_table
    from hashstack.errors import InputError
    from hashstack.network import hashprice_history, read_network_history

    rules = {"D": "D", "W": "W", "M": "MS", "Y": "YS"}
    if freq not in rules:
        raise InputError(f"--freq must be one of {sorted(rules)}")
    bounds = {}
    for name, value in (("--start", start), ("--end", end)):
        if value is not None:
            try:
                bounds[name] = pd.Timestamp(date.fromisoformat(value), tz="UTC")
            except ValueError:
                raise InputError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None
    hp = hashprice_history(read_network_history(path)).loc[bounds.get("--start"):bounds.get("--end")]
    g = hp["hashprice_usd_per_ph_day"].resample(rules[freq])
    table = [{"period": ts.strftime("%Y-%m-%d"), "hashprice_usd_per_ph_day_mean": mean,
              "hashprice_usd_per_ph_day_min": lo, "hashprice_usd_per_ph_day_max": hi}
             for ts, mean, lo, hi in zip(g.mean().index, g.mean(), g.min(), g.max(), strict=True)]
    print_json(table) if json_out else print_table(table, title=f"Hashprice from {path}")


@app.command()
def payback(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="ASIC model from the catalogue.")],
    price_usd_per_th: Annotated[float, typer.Option(help="Purchase price [USD per TH/s].")],
    power_price_usd_per_mwh: Annotated[float, typer.Option(help="Power price [USD/MWh].")] = 45.0,
    pool_fee_frac: Annotated[float, typer.Option(help="Pool fee [-].")] = 0.02,
    difficulty_growth: Annotated[str, typer.Option(
        help="Comma-separated yearly difficulty growth paths [-], e.g. 0,0.2,0.5.")] = "0,0.2,0.4,0.6",
    days: Annotated[int, typer.Option(min=1, help="Horizon [days].")] = 1095,
    live: Annotated[bool, typer.Option("--live", help="Start from the live network state.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Payback days and ROI of buying one machine, over projected difficulty paths (halvings included)."""
    import numpy as np

    from hashstack.catalog import load_catalog
    from hashstack.console import print_json, print_table
    from hashstack.economics import (
        hashprice_usd_per_th_day_paths,
        miner_daily_economics,
        project_difficulty,
        subsidy_btc_by_day,
    )
    from hashstack.economics import payback as compute_payback
    from hashstack.errors import InputError

    try:
        growth = np.array([float(x) for x in difficulty_growth.split(",")])
    except ValueError:
        raise InputError(f"--difficulty-growth must be comma-separated numbers, got {difficulty_growth!r}") from None
    asic = load_catalog().get(model)
    state = _network_state(live, settings_of(ctx))
    diff = project_difficulty(state.difficulty, growth, days)
    hp = hashprice_usd_per_th_day_paths(state.btc_price_usd, diff, subsidy_btc_by_day(state.height, days),
                                        state.fees_btc_per_block)
    margin = miner_daily_economics(asic.hashrate_ths, asic.power_w, hp, power_price_usd_per_mwh,
                                   pool_fee_frac).margin_usd_per_day
    res = compute_payback(price_usd_per_th * asic.hashrate_ths, margin)
    rows = [{"difficulty_growth_per_year_frac": float(g), "payback_days": float(p), "roi_frac": float(r)}
            for g, p, r in zip(growth, res.payback_days, res.roi_frac, strict=True)]
    if json_out:
        print_json({"model": asic.model, "price_usd": price_usd_per_th * asic.hashrate_ths, "network": state.source,
                    "btc_price_usd": state.btc_price_usd, "paths": rows})
    else:
        print_table(rows, title=f"{asic.model} at {price_usd_per_th} USD/TH, BTC held at {state.btc_price_usd:,.0f} "
                                f"USD, {days} days ({state.source})")


@app.command()
def demo(
    ctx: typer.Context,
    workdir: Annotated[str, typer.Option(help="Folder for the demo's store and logs.")] = ".hashstack-demo",
    json_out: JsonFlag = False,
) -> None:
    """The main job: show each capability working on the embedded defaults (no external data)."""
    from pathlib import Path

    from hashstack.console import print_json
    from hashstack.demo import run_demo

    result = run_demo(settings_of(ctx), Path(workdir), quiet=json_out)
    if json_out:
        print_json(result)


from hashstack.telemetry.simulator.cli import app as sim_app  # noqa: E402

app.add_typer(sim_app, name="sim")

from hashstack.telemetry.cli import collect, control_app  # noqa: E402

app.command()(collect)
app.add_typer(control_app, name="control")

from hashstack.power.cli import app as power_app  # noqa: E402

app.add_typer(power_app, name="power")

from hashstack.capital.cli import app as capital_app  # noqa: E402

app.add_typer(capital_app, name="capital")

from hashstack.energy.cli import app as energy_app  # noqa: E402

app.add_typer(energy_app, name="energy")

from hashstack.energy.schedule_cli import app as curtail_app  # noqa: E402

app.add_typer(curtail_app, name="curtail")

from hashstack.risk.cli import app as risk_app  # noqa: E402

app.add_typer(risk_app, name="risk")


def _route_native_stdout_to_stderr() -> None:
    """Keep stdout for hashstack's own output: native libraries' prints go to stderr instead.

    HiGHS (in scipy 1.17) prints solver notes such as ``HighsMipSolverData::...`` from C++ straight to
    file descriptor 1, even with ``disp=False``, which would corrupt ``--json`` output. Python-level
    output is moved to a duplicate of the real stdout and fd 1 is pointed at stderr, once, at the edge.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # stdout already replaced (tests, notebooks)
        return
    sys.stdout.flush()
    real_stdout = os.dup(fd)
    os.dup2(sys.stderr.fileno(), fd)
    sys.stdout = os.fdopen(real_stdout, "w", encoding=sys.stdout.encoding, errors=sys.stdout.errors)


def main() -> None:
    """Console entry point: run the app, turning hashstack errors into one line on stderr and exit code 2.

    Usage errors (unknown options, missing arguments) are Typer's own and also exit with code 2.
    """
    _route_native_stdout_to_stderr()
    try:
        app()
    except HashstackError as exc:
        stderr.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
