"""``hashstack risk``: Monte Carlo stress of miners' capital structures (edge: CLI, Dask, progress bar)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from hashstack.config import Settings
from hashstack.errors import InputError

# The same alias as hashstack.cli.JsonFlag, defined here so this module never imports the root CLI.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]

app = typer.Typer(help="Monte Carlo stress engine: default, repossession and dilution of Bitcoin miners.",
                  no_args_is_help=True)



@app.callback()
def _risk() -> None:
    """Monte Carlo stress engine: default, repossession and dilution of Bitcoin miners (docs/risk.md)."""


DEFAULT_AS_OF = date(2025, 12, 31)
"""As-of date of the shipped public miners' dataset (most values run to December 2025)."""


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings.from_env()


@contextmanager
def dask_executor(address: str | None = None, local_workers: int = 0) -> Iterator[Any]:
    """A Dask client for ``address``, or a local cluster of ``local_workers`` processes on 127.0.0.1, or
    ``None`` (run in this process) when neither is given.  The client and cluster are closed on exit."""
    if address:
        from distributed import Client

        client = Client(address)
        try:
            yield client
        finally:
            client.close()
    elif local_workers > 0:
        import dask
        from distributed import Client, LocalCluster

        # Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers, which also turns off glibc's
        # adaptive mmap threshold: every large temporary array of a chunk is then mmap'ed and page-faulted
        # afresh, and a worker computes a chunk ~11 % slower than this process does (measured, see
        # docs/benchmarks.md).  The engine's workers reuse same-sized arrays chunk after chunk, so the
        # local cluster keeps glibc's default.
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=logging.CRITICAL)
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
    else:
        yield None


def parse_overrides(items: Sequence[str]) -> dict[str | None, dict[str, float]]:
    """``TICKER.field=value`` or ``field=value`` (every company) into ``{ticker or None: {field: value}}``."""
    from hashstack.risk.company import CompanyRiskInput

    numeric = {f for f in CompanyRiskInput.__dataclass_fields__
               if f not in ("ticker", "asic_loans", "btc_loans", "convertibles", "term_debts")}
    out: dict[str | None, dict[str, float]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        ticker, dot, field = key.strip().rpartition(".")
        if not sep or field not in numeric:
            raise InputError(f"--set {item!r}: expected [TICKER.]field=value with field one of "
                             f"{', '.join(sorted(numeric))}")
        try:
            value = float(raw)
        except ValueError:
            raise InputError(f"--set {item!r}: {raw!r} is not a number") from None
        out.setdefault(ticker.upper() if dot else None, {})[field] = value
    return out


def load_companies(tickers: Sequence[str] | None, company_file: Path | None, at: date, market: Any,
                   overrides: dict[str | None, dict[str, float]] | None = None,
                   ) -> tuple[list[Any], dict[str, list[str]], dict[str, str]]:
    """Engine inputs for ``tickers`` of the shipped dataset (default: every company with enough data),
    plus a company TOML file; returns the inputs, per ticker the assumptions used, and per ticker left out
    of a default run the reason."""
    from hashstack.capital import load_public_miners, read_company_file
    from hashstack.risk.adapters import adapt_capital

    miners = load_public_miners()
    ov = overrides or {}

    def adapt(c: Any) -> Any:
        return adapt_capital(c, at, market, overrides={**ov.get(None, {}), **ov.get(c.ticker, {})})

    chosen: list[Any] = []
    skipped: dict[str, str] = {}
    if company_file is not None:
        chosen.append(read_company_file(company_file))
    if tickers:
        unknown = [t for t in tickers if t not in miners and not (chosen and chosen[0].ticker == t)]
        if unknown:
            raise InputError(f"unknown ticker(s) {', '.join(unknown)}; known: {', '.join(sorted(miners))}")
        chosen += [miners[t] for t in tickers if not (chosen and chosen[0].ticker == t)]
        adapted = [adapt(c) for c in chosen]
    elif company_file is not None:
        adapted = [adapt(chosen[0])]
    else:
        adapted = []
        for c in miners.values():
            try:
                adapted.append(adapt(c))
            except InputError as exc:
                skipped[c.ticker] = str(exc)  # not enough public data: reported by `stress`
    return [a.input for a in adapted], {a.input.ticker: list(a.assumed) for a in adapted}, skipped


@app.command()
def stress(
    ctx: typer.Context,
    tickers: Annotated[str | None, typer.Option(
        "--tickers", help="Comma-separated tickers (default: every shipped company with hash rate, shares and "
                          "a share price).")] = None,
    paths: Annotated[int, typer.Option("--paths", help="Monte Carlo paths.")] = 20_000,
    months: Annotated[int, typer.Option("--months", help="Horizon in months (1-120).")] = 60,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    structure: Annotated[str, typer.Option(
        "--structure", help="as-is, asic-lien (2021-style equipment loans), or both (side by side).")] = "as-is",
    model: Annotated[str, typer.Option(
        "--model", help="BTC returns: jump (Merton) or bootstrap (historical 30-day blocks; needs the history).")
    ] = "jump",
    drift: Annotated[float, typer.Option(
        "--btc-drift-annual", help="Mean annual log return of BTC used in the simulation.")] = 0.0,
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date of the capital records (YYYY-MM-DD).")
                     ] = DEFAULT_AS_OF.isoformat(),
    company_file: Annotated[Path | None, typer.Option(
        "--company-file", help="Your own company as a capital TOML file (see docs/capital.md).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override an input: [TICKER.]field=value, e.g. MARA.cash_usd=1.2e9 or equity_beta=2 "
                      "(repeatable; fields of CompanyRiskInput).")] = None,
    efficiency_gain: Annotated[float, typer.Option(
        "--efficiency-gain", help="What-if: fall in J/TH (0.1 = 10 %).")] = 0.0,
    downtime_reduction: Annotated[float, typer.Option(
        "--downtime-reduction", help="What-if: share of downtime removed.")] = 0.0,
    energy_cut: Annotated[float, typer.Option("--energy-cut", help="What-if: fall in power price.")] = 0.0,
    dask_address: Annotated[str | None, typer.Option(
        "--dask-address", help="Run on this Dask scheduler (e.g. tcp://10.0.0.5:8786).")] = None,
    local_workers: Annotated[int, typer.Option(
        "--local-workers", help="Start a local Dask cluster with this many worker processes (0: in-process).")
    ] = 0,
    json_out: JsonFlag = False,
) -> None:
    """Probability of default and repossession, dilution, hashrate-debt ratio and cash runway per company."""
    from hashstack.console import print_json, print_table, stderr
    from hashstack.risk.company import OperationsWhatIf, apply_what_if
    from hashstack.risk.engine import STRUCTURES, StressConfig
    from hashstack.risk.history import choose_market_calibration
    from hashstack.risk.scenarios import market_params_from_calibration

    if structure not in (*STRUCTURES, "both"):
        raise InputError(f"--structure must be as-is, asic-lien or both, not {structure!r}")
    if model not in ("jump", "bootstrap"):
        raise InputError(f"--model must be jump or bootstrap, not {model!r}")
    try:
        at = date.fromisoformat(as_of)
    except ValueError:
        raise InputError(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from None
    settings = _settings(ctx)
    choice = choose_market_calibration(settings, require_history=(model == "bootstrap"))
    stderr.print(choice.note, highlight=False, soft_wrap=True)
    market = market_params_from_calibration(choice.calibration, btc_model=model,  # type: ignore[arg-type]
                                            btc_drift_log_per_month=drift / 12.0)
    wanted = [t.strip().upper() for t in tickers.split(",") if t.strip()] if tickers else None
    companies, assumed, skipped = load_companies(wanted, company_file, at, market, parse_overrides(set_ or []))
    if skipped:
        stderr.print(f"left out for lack of data: {', '.join(sorted(skipped))} (see --json 'skipped'; use "
                     "--tickers with --company-file to supply the missing metrics)", highlight=False)
    if not companies:
        raise InputError("no company has enough data to stress; pass --company-file or --tickers")
    what_if = OperationsWhatIf(efficiency_gain, downtime_reduction, energy_cut)
    companies = [apply_what_if(c, what_if) for c in companies]
    config = StressConfig(n_paths=paths, n_months=months, seed=seed)
    structures = list(STRUCTURES) if structure == "both" else [structure]

    results = _run_with_progress(companies, market, config, structures, dask_address, local_workers,
                                 quiet=json_out)
    summaries = {s: {r["ticker"]: r for r in res.summaries()} for s, res in results.items()}
    payload: dict[str, Any] = {
        "calibration": choice.note, "from_history": choice.from_history, "btc_model": model,
        "config": {"n_paths": paths, "n_months": months, "seed": seed, "as_of": at.isoformat(),
                   "structures": structures, "what_if": {"efficiency_gain_frac": efficiency_gain,
                                                         "downtime_reduction_frac": downtime_reduction,
                                                         "energy_cost_cut_frac": energy_cut}},
        "assumptions": assumed,
        "skipped": skipped,
        "tickers": summaries[structures[0]],
    }
    if len(structures) > 1:
        payload["comparison"] = {t: {s: summaries[s][t] for s in structures} for t in summaries[structures[0]]}
    if json_out:
        print_json(payload)
        return
    rows = []
    for s in structures:
        for t, r in summaries[s].items():
            rows.append({"ticker": t, "structure": s, "P(default)": r["p_default"],
                         "P(repossession)": r["p_repossession"], "dilution mean": r["dilution_mean_frac"],
                         "dilution p95": r["dilution_p95_frac"],
                         "hashrate-debt p50": _ratio_cell(r["hashrate_debt_ratio_p50"]),
                         "runway p50 [months]": r["runway_months_p50"]})
    rows.sort(key=lambda r: (r["ticker"], r["structure"]))
    print_table(rows, title=f"Stress: {paths:,} paths x {months} months, seed {seed}, BTC {model} model")
    n_assumed = sum(len(v) for v in assumed.values())
    stderr.print(f"{n_assumed} assumed values filled gaps in the records (see --json 'assumptions').",
                 highlight=False)


def _ratio_cell(value: float) -> float | str:
    """A ratio for the table: +inf (debt left, no hash power) is spelled out instead of shown as '-'."""
    return "inf (no hash power)" if value == float("inf") else value


def _run_with_progress(companies: list[Any], market: Any, config: Any, structures: list[str],
                       dask_address: str | None, local_workers: int, quiet: bool) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hashstack.console import stderr
    from hashstack.risk.engine import run_structures

    total = config.n_paths * len(structures)
    with dask_executor(dask_address, local_workers) as executor, Progress(
            TextColumn("stress"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=stderr, transient=True, disable=quiet) as bar:
        task = bar.add_task("paths", total=total)
        return run_structures(companies, market, config, structures, executor=executor,
                              progress=lambda done: bar.update(task, completed=done))
