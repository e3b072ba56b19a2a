"""``hashstack energy``: electricity prices, forecasts and (later) curtailment scheduling.

Every command is a thin adapter over a library function in :mod:`hashstack.energy`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hashstack.cli_context import JsonFlag, settings_of
from hashstack.console import print_json, print_table, stderr
from hashstack.energy.epftoolbox import MARKETS, PAPER_VERSION, TEST_DAYS

app = typer.Typer(help="Electricity prices: loaders, day-ahead forecasts, evaluation and curtailment.",
                  no_args_is_help=True)


# --- forecasting -------------------------------------------------------------------------------------------

@app.command("forecast-benchmark")
def forecast_benchmark(
    ctx: typer.Context,
    market: Annotated[str, typer.Option("--market", help=f"epftoolbox market: {'|'.join(MARKETS)}.")],
    models: Annotated[str, typer.Option("--models", help="Comma-separated: naive,lear,gbm,ensemble.")] = "naive,lear",
    days: Annotated[int, typer.Option("--days", help="Test days (the last N of the dataset); the protocol's is 728.",
                                      min=8, max=TEST_DAYS)] = TEST_DAYS,
    gbm_refit_days: Annotated[int, typer.Option("--gbm-refit-days", min=1,
                                                help="Retrain LightGBM every N days (1 = daily, the protocol).")] = 1,
    published: Annotated[str, typer.Option("--published", help="Release of the paper's forecasts: 2020-06 (the "
                                           "paper's) or 2021-07.")] = PAPER_VERSION,
    json_out: JsonFlag = False,
) -> None:
    """Forecast an epftoolbox market's test period with daily recalibration and score it.

    Prints mae, rmae (weekly naive), smape and rmse per model, with the paper's published LEAR and DNN
    ensembles over the same days and one-sided Diebold-Mariano p-values against them.
    """
    from hashstack.energy.benchmark import run_market, score_run

    settings = settings_of(ctx)
    model_list = [m for m in models.split(",") if m.strip()]
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr, transient=True, disable=json_out) as bar:
        tasks: dict[str, Any] = {}

        def progress(model: str, done: int, total: int) -> None:
            if model not in tasks:
                tasks[model] = bar.add_task(f"{market.upper()} {model}", total=total)
            bar.update(tasks[model], completed=done)

        run = run_market(settings.data_dir, market, model_list, n_days=days, gbm_refit_every_days=gbm_refit_days,
                         published_version=published, progress=progress)
    rows = score_run(run)
    if json_out:
        print_json({"market": run.market, "currency": run.currency, "n_days": days,
                    "test_start": str(run.dates[0]), "test_end": str(run.dates[-1]),
                    "published_version": run.published_version, "models": rows})
        return
    print_table(rows, title=f"{run.market} day-ahead forecasts, {run.dates[0]} .. {run.dates[-1]} "
                f"({days} days, {run.currency}/MWh)",
                columns=["model", "source", "mae", "rmae", "smape", "rmse", "dm_p_better_than_lear",
                         "dm_p_better_than_dnn"])


# --- curtailment: the contract's `hashstack energy backtest` (implemented in schedule_cli) ---------------
from hashstack.energy.schedule_cli import backtest as _curtail_backtest  # noqa: E402

app.command("backtest")(_curtail_backtest)
