"""``hashstack capital``: miners' debt instruments, the hashrate-debt ratio, issuance, convertibles."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hashstack.cli_context import JsonFlag, settings_of
from hashstack.errors import InputError

if TYPE_CHECKING:
    from hashstack.capital.metrics import MarketInputs
    from hashstack.capital.records import Company
    from hashstack.config import Settings

app = typer.Typer(help="Debt stacks of public Bitcoin miners: hashrate-debt ratio, issuance, convertibles.",
                  no_args_is_help=True)

DateOpt = Annotated[str | None, typer.Option(
    "--date", help="Valuation date YYYY-MM-DD (default: the latest quarter-end the company metrics reach).")]
CompanyFileOpt = Annotated[list[Path] | None, typer.Option(
    "--company-file",
    help="Your own company: a TOML file or a folder of the three CSVs (shipped schema); repeatable.")]
HashpriceOpt = Annotated[float | None, typer.Option(
    "--hashprice-usd-per-ph-day",
    help="Hashprice at the date [USD/PH/day] (default: 30-day mean from the shared network history).")]
BtcOpt = Annotated[float | None, typer.Option(
    "--btc-price-usd", help="BTC price at the date [USD] (default: from the shared network history).")]
PowerOpt = Annotated[float, typer.Option("--power-price-usd-per-mwh", help="Fleet power price [USD/MWh].")]
LifeOpt = Annotated[float, typer.Option("--life-years", help="Remaining fleet life for the income value [years].")]
DiscountOpt = Annotated[float, typer.Option("--discount-rate-frac", help="Annual discount rate [-].")]
DeclineOpt = Annotated[float, typer.Option(
    "--hashprice-decline-frac-per-year", help="Annual decline of hashprice over the fleet life [-].")]
EffOpt = Annotated[float | None, typer.Option(
    "--assume-efficiency-j-per-th", help="Efficiency for companies that state none [J/TH] (noted per row).")]
KindsOpt = Annotated[str, typer.Option(
    "--asic-price-kinds", help="ASIC price rows to use: index,contract,contract_option,list.")]


def _parse_date(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date must be YYYY-MM-DD, got {text!r}") from None


def _companies(files: list[Path] | None) -> dict[str, Company]:
    from hashstack.capital.loaders import load_public_miners, read_company_files

    companies = load_public_miners()
    for f in files or []:
        companies.update(read_company_files(f))
    return companies


def market_inputs(settings: Settings, at: date, hashprice_usd_per_ph_day: float | None,
                  btc_price_usd: float | None, power: float, life: float, discount: float, decline: float,
                  kinds: str) -> MarketInputs:
    """Market inputs from the options, filling hashprice and BTC price from the shared history."""
    from hashstack.capital.loaders import read_market_at
    from hashstack.capital.metrics import MarketInputs, hashprice_path_usd_per_th_day
    from hashstack.errors import MissingDataError
    from hashstack.units import TH_PER_PH

    source = "options"
    if hashprice_usd_per_ph_day is None or btc_price_usd is None:
        files = sorted(settings.data_path("bitcoin").glob("btc_daily_merged_*.csv"))
        if not files:
            raise MissingDataError(f"no btc_daily_merged_*.csv under {settings.data_path('bitcoin')}: pass "
                                   "--hashprice-usd-per-ph-day and --btc-price-usd")
        hp, btc, source = read_market_at(files[-1], at)
        hashprice_usd_per_ph_day = hashprice_usd_per_ph_day if hashprice_usd_per_ph_day is not None \
            else hp * TH_PER_PH
        btc_price_usd = btc_price_usd if btc_price_usd is not None else btc
    n = max(1, math.ceil(life * 12 - 1e-9))
    path = hashprice_path_usd_per_th_day(hashprice_usd_per_ph_day / TH_PER_PH, n, decline)
    return MarketInputs(path, btc_price_usd, price_usd_per_mwh=power, remaining_life_years=life,
                        discount_rate_frac=discount,
                        asic_price_kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()), source=source)


@app.command()
def show(
    ticker: Annotated[str, typer.Argument(help="Company ticker, e.g. MARA.")],
    company_file: CompanyFileOpt = None,
    json_out: JsonFlag = False,
) -> None:
    """A company's metrics (with sources) and its debt instruments."""
    from hashstack.console import print_json, print_record, print_table

    companies = _companies(company_file)
    t = ticker.upper()
    if t not in companies:
        raise InputError(f"unknown ticker {ticker!r}; known: {', '.join(sorted(companies))}")
    c = companies[t]
    if json_out:
        print_json(asdict(c))
        return
    print_record({"ticker": c.ticker, "name": c.name, "exchange": c.exchange, "business": c.business_note},
                 title=c.name)
    print_table([{"metric": m.metric, "value": m.value, "as_of": m.as_of or m.as_of_text, "basis": m.basis,
                  "confidence": m.confidence} for m in c.metrics], title="Metrics (sources in --json)")
    print_table([{"id": i.id, "type": i.instrument_type.value, "principal_musd":
                  None if i.principal_usd is None else i.principal_usd / 1e6,
                  "coupon_pct": None if i.coupon_frac is None else i.coupon_frac * 100,
                  "issued": i.issue_date or i.issue_period, "maturity": i.maturity_date or i.maturity_text,
                  "conv_price_usd": i.conversion_price_usd, "collateral": i.collateral.value,
                  "retired": i.retired_date, "confidence": i.confidence} for i in c.instruments],
                title="Instruments")


@app.command()
def ratio(
    ctx: typer.Context,
    date_: DateOpt = None,
    company_file: CompanyFileOpt = None,
    hashprice_usd_per_ph_day: HashpriceOpt = None,
    btc_price_usd: BtcOpt = None,
    power_price_usd_per_mwh: PowerOpt = 45.0,
    life_years: LifeOpt = 3.0,
    discount_rate_frac: DiscountOpt = 0.15,
    hashprice_decline_frac_per_year: DeclineOpt = 0.0,
    assume_efficiency_j_per_th: EffOpt = None,
    asic_price_kinds: KindsOpt = "index,contract",
    json_out: JsonFlag = False,
) -> None:
    """Hashrate-debt ratio of every company and of the sector at a date (flags at 1.5 and 1.8)."""
    from hashstack.capital.loaders import load_asic_prices
    from hashstack.capital.metrics import latest_metrics_quarter_end, ratio_table_rows, sector_metrics, share_frac
    from hashstack.console import print_json, print_table, stdout

    companies = _companies(company_file)
    at = _parse_date(date_, latest_metrics_quarter_end(companies.values()))
    market = market_inputs(settings_of(ctx), at, hashprice_usd_per_ph_day, btc_price_usd,
                           power_price_usd_per_mwh, life_years, discount_rate_frac,
                           hashprice_decline_frac_per_year, asic_price_kinds)
    sector = sector_metrics(companies.values(), at, market, load_asic_prices(),
                            assume_efficiency_j_per_th=assume_efficiency_j_per_th)
    if json_out:
        print_json({
            "date": at, "market": asdict(market),
            "sector": {"total_debt_usd": sector.total_debt_usd, "ratio_market": sector.ratio_market,
                       "ratio_income": sector.ratio_income, "flag_market": sector.flag_market,
                       "flag_income": sector.flag_income, "included_market": sector.included_market,
                       "included_income": sector.included_income, "excluded": sector.excluded,
                       "maturity_wall_usd": {str(k): v for k, v in sector.maturity_wall_usd.items()},
                       "debt_by_type_usd": sector.debt_by_type_usd,
                       "debt_by_collateral_usd": sector.debt_by_collateral_usd,
                       "debt_share_by_type_frac": share_frac(sector.debt_by_type_usd),
                       "debt_share_by_collateral_frac": share_frac(sector.debt_by_collateral_usd)},
            "companies": [c.as_dict() for c in sector.companies],
        })
        return
    print_table(ratio_table_rows(sector), title=f"Hashrate-debt ratio at {at} (1.5 high, 1.8 dangerously high)")
    stdout.print(f"sector ratios over {', '.join(sector.included_market) or 'no company'}; "
                 "ratio_mkt = debt / (hash rate x ASIC price), ratio_inc = debt / PV of mining margin")
    stdout.print(f"market: hashprice {market.hashprice_usd_per_th_day[0] * 1000:.2f} USD/PH/day "
                 f"({market.source}), power {market.price_usd_per_mwh:g} USD/MWh, life "
                 f"{market.remaining_life_years:g} y, discount {market.discount_rate_frac:g}")
    wall = {("unstated" if k == 0 else str(k)): v / 1e6 for k, v in sector.maturity_wall_usd.items()}
    print_table([wall], title="Sector maturity wall [M USD] by year")


@app.command()
def issuance(json_out: JsonFlag = False) -> None:
    """New debt by quarter and type, and how it compares with reported industry figures."""
    from hashstack.capital.issuance import compare_reported, issuance_by_quarter
    from hashstack.capital.loaders import load_public_miners, load_reported_issuance
    from hashstack.console import print_json, print_table

    instruments = [i for c in load_public_miners().values() for i in c.instruments]
    by_q = issuance_by_quarter(instruments)
    comps = compare_reported(instruments, load_reported_issuance())
    if json_out:
        print_json({
            "by_quarter_usd": by_q,
            "comparisons": [{"period": c.reported.period, "metric": c.reported.metric,
                             "reported_usd": c.reported.value_usd, "qualifier": c.reported.value_qualifier,
                             "source_url": c.reported.source_url, "ours_usd": c.ours_usd, "ratio": c.ratio,
                             "status": c.status, "explanation": c.explanation} for c in comps],
        })
        return
    rows = [{"quarter": q, **{k: v / 1e6 for k, v in cats.items()}, "total": sum(cats.values()) / 1e6}
            for q, cats in by_q.items()]
    print_table(rows, title="New money by quarter and type [M USD]")
    print_table([{"period": c.reported.period, "metric": c.reported.metric,
                  "reported_busd": c.reported.value_usd / 1e9, "ours_busd": None if c.ours_usd is None
                  else c.ours_usd / 1e9, "status": c.status} for c in comps],
                title="Reported figures vs the instrument data [B USD] (explanations in --json)")


@app.command()
def convertible(
    instrument_id: Annotated[str, typer.Argument(help="Instrument id, e.g. MARA-2024-CV31S.")],
    spot_usd: Annotated[float, typer.Option("--spot-usd", help="Share price [USD].")],
    vol_frac: Annotated[float, typer.Option("--vol-frac", help="Equity volatility [-/year].")] = 0.7,
    risk_free_frac: Annotated[float, typer.Option("--risk-free-frac", help="Risk-free rate [-/year].")] = 0.04,
    credit_spread_frac: Annotated[float, typer.Option("--credit-spread-frac",
                                                      help="Credit spread [-/year].")] = 0.05,
    dividend_yield_frac: Annotated[float, typer.Option("--dividend-yield-frac", help="[-/year].")] = 0.0,
    date_: Annotated[str | None, typer.Option("--date", help="Valuation date (default: issue date).")] = None,
    company_file: CompanyFileOpt = None,
    json_out: JsonFlag = False,
) -> None:
    """Value a convertible note with QuantLib: fair value, delta, conversion probability (per 1,000 face)."""
    from hashstack.capital.convertible import convertible_terms, value_convertible
    from hashstack.console import print_json, print_record

    by_id = {i.id: i for c in _companies(company_file).values() for i in c.instruments}
    if instrument_id not in by_id:
        raise InputError(f"unknown instrument {instrument_id!r} (see `hashstack capital show TICKER`)")
    terms = convertible_terms(by_id[instrument_id])
    at = _parse_date(date_, terms.issue_date)
    v = value_convertible(terms, at, spot_usd, vol_frac, risk_free_frac, credit_spread_frac, dividend_yield_frac)
    out: dict[str, Any] = {"id": instrument_id, "date": at, **asdict(v)}
    print_json(out) if json_out else print_record(out, title=f"{instrument_id} per USD 1,000 face")
