"""Capital metrics of a miner and of the sector at a date: the hashrate-debt ratio and its companions.

Pure functions over :mod:`hashstack.capital.records` (no I/O). Market inputs (hashprice, BTC price,
power price, ASIC prices) are arguments, so the same code runs on today's snapshot, on a history and on
stress-test paths.

Definitions (per company, at date ``at``)
-----------------------------------------
* total debt = sum over instruments outstanding at ``at`` of the latest stated balance, else the
  principal (facility size for facilities); instruments of unknown amount are listed, not guessed.
* hashrate-debt ratio = total debt / value of active hash power, valued two ways:
  (a) at market: ``hashrate_ths x ASIC price [USD/TH] for the fleet's efficiency tier``;
  (b) by income: present value of the fleet's expected mining margin over its remaining life,
  ``sum_m max(margin_m, 0) x days_m x (1 + r)^-(t_m)`` with monthly steps, margin from
  :func:`hashstack.economics.miner_daily_economics` (a fleet switches off when its margin is negative).
  A ratio of 1.5 or more is flagged ``high`` and 1.8 or more ``dangerously high``.
* debt per EH/s = total debt / (hashrate_ths / 1e6).
* net debt = total debt - BTC held x BTC price - cash (cash only when the company file states it).
* interest burden = annual cash interest (coupon x amount, instruments with a known coupon) / annual
  mining gross profit (revenue after pool fee minus power cost at the given hashprice and power price).

References
----------
TheMinerMag / BlocksBridge Consulting, "hashrate-to-debt" framing of miner leverage (2025); Hashrate
Index ASIC Price Index (tiers by J/TH); Brealey, Myers & Allen, *Principles of Corporate Finance*, ch. 2
(present value of a cash-flow stream).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from hashstack.capital.asic_prices import DEFAULT_PRICE_KINDS, AsicPrice, asic_price_for
from hashstack.capital.records import Company, CompanyMetric
from hashstack.economics import miner_daily_economics
from hashstack.errors import InputError, MissingDataError

HIGH_RATIO = 1.5
DANGEROUS_RATIO = 1.8
DAYS_PER_MONTH = 365.25 / 12
TH_PER_EH = 1e6


def ratio_flag(ratio: float | None) -> str:
    """``"dangerously high"`` at 1.8 or more, ``"high"`` at 1.5 or more, else ``""`` (also for None)."""
    if ratio is None or not np.isfinite(ratio):
        return ""
    if ratio >= DANGEROUS_RATIO:
        return "dangerously high"
    if ratio >= HIGH_RATIO:
        return "high"
    return ""


@dataclass(frozen=True, slots=True)
class MarketInputs:
    """Market assumptions for valuing hash power.

    Attributes
    ----------
    hashprice_usd_per_th_day : hashprice path, monthly, starting at the valuation date
        [USD/(TH/s)/day]; a single value means a flat path
    btc_price_usd : BTC price at the valuation date [USD] (for net debt)
    price_usd_per_mwh : all-in power price of the fleet [USD/MWh]
    remaining_life_years : remaining economic life of the fleet [years]
    discount_rate_frac : annual discount rate [fraction]
    pool_fee_frac : pool fee [fraction]
    uptime_frac : fraction of time hashing [fraction]
    asic_price_kinds : ASIC price rows allowed (see :mod:`hashstack.capital.asic_prices`)
    source : where the market numbers came from (shown in outputs)
    """

    hashprice_usd_per_th_day: tuple[float, ...]
    btc_price_usd: float
    price_usd_per_mwh: float = 45.0
    remaining_life_years: float = 3.0
    discount_rate_frac: float = 0.15
    pool_fee_frac: float = 0.02
    uptime_frac: float = 0.95
    asic_price_kinds: tuple[str, ...] = DEFAULT_PRICE_KINDS
    source: str = ""

    def __post_init__(self) -> None:
        if not self.hashprice_usd_per_th_day or min(self.hashprice_usd_per_th_day) < 0:
            raise InputError("hashprice path must be non-empty and non-negative")
        if self.remaining_life_years <= 0:
            raise InputError(f"remaining_life_years must be positive, got {self.remaining_life_years}")
        if self.discount_rate_frac <= -1:
            raise InputError(f"discount_rate_frac must exceed -1, got {self.discount_rate_frac}")
        for name in ("pool_fee_frac", "uptime_frac"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise InputError(f"{name} must be in [0, 1], got {v}")


def hashprice_path_usd_per_th_day(start_usd_per_th_day: float, n_months: int,
                                  decline_frac_per_year: float = 0.0) -> tuple[float, ...]:
    """A monthly hashprice path declining geometrically: ``h0 x (1 - d)^(m / 12)``, m = 0..n-1.

    Parameters
    ----------
    start_usd_per_th_day : hashprice at month 0 [USD/(TH/s)/day]
    n_months : number of months
    decline_frac_per_year : annual decline [fraction] (network growth and halvings compress hashprice)
    """
    if n_months < 1:
        raise InputError(f"n_months must be at least 1, got {n_months}")
    if not 0 <= decline_frac_per_year < 1:
        raise InputError(f"decline_frac_per_year must be in [0, 1), got {decline_frac_per_year}")
    m = np.arange(n_months)
    return tuple(float(x) for x in start_usd_per_th_day * (1 - decline_frac_per_year) ** (m / 12))


def fleet_value_market_usd(hashrate_ths: float, price_usd_per_th: float) -> float:
    """Market value of hash power: hash rate [TH/s] x ASIC price [USD per TH/s] = [USD]."""
    return float(hashrate_ths * price_usd_per_th)


def fleet_value_income_usd(hashrate_ths: float, efficiency_j_per_th: float,
                           hashprice_usd_per_th_day: Sequence[float] | npt.ArrayLike,
                           price_usd_per_mwh: float, remaining_life_years: float, discount_rate_frac: float,
                           pool_fee_frac: float = 0.0, uptime_frac: float = 1.0) -> float:
    """Present value of the fleet's mining margin over its remaining life [USD].

    Monthly steps ``m = 0 .. ceil(12 x life) - 1`` (the last month pro rata), each of 365.25/12 days,
    discounted at mid-month: ``PV = sum_m max(margin_m, 0) x days_m / (1 + r)^((m + 0.5) / 12)``.
    The margin per day is :func:`hashstack.economics.miner_daily_economics` for the fleet
    (power = hash rate x efficiency); it is floored at zero because a fleet that loses money on power
    is switched off.

    Parameters
    ----------
    hashrate_ths : fleet hash rate [TH/s]
    efficiency_j_per_th : fleet efficiency [J/TH]
    hashprice_usd_per_th_day : monthly hashprice path [USD/(TH/s)/day]; shorter than the life -> the
        last value is held; a scalar -> flat
    price_usd_per_mwh : power price [USD/MWh]
    remaining_life_years : [years]
    discount_rate_frac : annual discount rate [fraction]
    pool_fee_frac, uptime_frac : [fraction]

    References
    ----------
    Brealey, Myers & Allen, *Principles of Corporate Finance*, ch. 2 (present values).
    """
    n = int(np.ceil(remaining_life_years * 12 - 1e-9))
    if n < 1:
        raise InputError(f"remaining_life_years must be positive, got {remaining_life_years}")
    path = np.atleast_1d(np.asarray(hashprice_usd_per_th_day, dtype=float))
    if path.size < n:
        path = np.concatenate([path, np.full(n - path.size, path[-1])])
    path = path[:n]
    days = np.full(n, DAYS_PER_MONTH)
    days[-1] *= remaining_life_years * 12 - (n - 1)
    econ = miner_daily_economics(hashrate_ths, hashrate_ths * efficiency_j_per_th, path, price_usd_per_mwh,
                                 pool_fee_frac, uptime_frac)
    margin = np.maximum(np.asarray(econ.margin_usd_per_day, dtype=float), 0.0)
    disc = (1 + discount_rate_frac) ** (-(np.arange(n) + 0.5) / 12)
    return float(np.sum(margin * days * disc))


def mining_gross_profit_usd_per_year(hashrate_ths: float, efficiency_j_per_th: float,
                                     hashprice_usd_per_th_day: float, price_usd_per_mwh: float,
                                     pool_fee_frac: float = 0.0, uptime_frac: float = 1.0) -> float:
    """Annual mining gross profit at a constant hashprice: revenue after pool fee - power cost [USD/year]."""
    econ = miner_daily_economics(hashrate_ths, hashrate_ths * efficiency_j_per_th, hashprice_usd_per_th_day,
                                 price_usd_per_mwh, pool_fee_frac, uptime_frac)
    return float(econ.margin_usd_per_day) * 365.25


def _metric_near(company: Company, name: str, at: date, window_days: int) -> CompanyMetric | None:
    """Latest observation on or before ``at``; else the earliest within ``window_days`` after it."""
    m = company.metric(name, at)
    if m is not None:
        return m
    later = [x for x in company.metrics if x.metric == name and x.as_of is not None
             and at < x.as_of <= at + timedelta(days=window_days)]
    return min(later, key=lambda x: x.as_of or date.max) if later else None


class _RatioFlags:
    """Mixin: threshold flags (:func:`ratio_flag`) of a record's hashrate-debt ratios."""

    __slots__ = ()
    ratio_market: float | None
    ratio_income: float | None

    @property
    def flag_market(self) -> str:
        """Threshold flag of the market-value ratio."""
        return ratio_flag(self.ratio_market)

    @property
    def flag_income(self) -> str:
        """Threshold flag of the income-value ratio."""
        return ratio_flag(self.ratio_income)


@dataclass(frozen=True, slots=True)
class CapitalMetrics(_RatioFlags):
    """Capital metrics of one company at one date (all USD unless the name says otherwise).

    ``None`` means not computable from the data (the reason is in ``missing``); ``notes`` lists
    assumptions and data caveats used (e.g. a metric dated after ``at``).
    """

    ticker: str
    at: date
    total_debt_usd: float
    n_instruments: int
    unknown_amount_ids: tuple[str, ...]
    hashrate_ths: float | None
    hashrate_as_of: date | None
    efficiency_j_per_th: float | None
    efficiency_as_of: date | None
    asic_price: AsicPrice | None
    value_market_usd: float | None
    value_income_usd: float | None
    ratio_market: float | None
    ratio_income: float | None
    debt_per_ehs_usd: float | None
    btc_held_btc: float | None
    net_debt_usd: float | None
    interest_usd_per_year: float
    unknown_coupon_ids: tuple[str, ...]
    mining_gross_profit_usd_per_year: float | None
    interest_burden_frac: float | None
    maturity_wall_usd: Mapping[int, float]
    debt_by_type_usd: Mapping[str, float]
    debt_by_collateral_usd: Mapping[str, float]
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


    def as_dict(self) -> dict[str, Any]:
        """Plain dictionary (for JSON): the record's fields plus the flags."""
        out: dict[str, Any] = {k: getattr(self, k) for k in self.__slots__}
        out["asic_price"] = None if self.asic_price is None else {
            "price_usd_per_th": self.asic_price.price_usd_per_th, "date": self.asic_price.date,
            "tier": self.asic_price.tier, "kind": self.asic_price.kind, "source_url": self.asic_price.source_url,
        }
        out["maturity_wall_usd"] = {str(k): v for k, v in self.maturity_wall_usd.items()}
        out["flag_market"] = self.flag_market
        out["flag_income"] = self.flag_income
        out["debt_share_by_type_frac"] = share_frac(self.debt_by_type_usd)
        out["debt_share_by_collateral_frac"] = share_frac(self.debt_by_collateral_usd)
        return out


def company_metrics(company: Company, at: date, market: MarketInputs, asic_prices: Iterable[AsicPrice],
                    metric_window_days: int = 92,
                    assume_efficiency_j_per_th: float | None = None) -> CapitalMetrics:
    """All capital metrics of ``company`` at ``at`` (see the module docstring for the definitions).

    Parameters
    ----------
    company : the company (instruments and dated metrics)
    at : valuation date
    market : market inputs (hashprice path from ``at``, BTC and power prices, life, discount rate)
    asic_prices : ASIC price rows for the market value
    metric_window_days : an operating metric dated up to this many days after ``at`` is used when none
        is dated on or before it (noted in ``notes``) [days]. A company's own
        ``power_price_usd_per_mwh`` metric, when present, replaces ``market.price_usd_per_mwh``.
    assume_efficiency_j_per_th : efficiency to use when the company states none (noted) [J/TH]
    """
    missing: list[str] = []
    notes: list[str] = []
    live = company.outstanding(at)
    debt = 0.0
    unknown: list[str] = []
    interest = 0.0
    unknown_coupon: list[str] = []
    wall: dict[int, float] = defaultdict(float)
    by_type: dict[str, float] = defaultdict(float)
    by_coll: dict[str, float] = defaultdict(float)
    for ins in live:
        amt = ins.amount_usd(at)
        if amt is None:
            unknown.append(ins.id)
            continue
        debt += amt
        by_type[ins.instrument_type.value] += amt
        by_coll[ins.collateral.value] += amt
        wall[ins.maturity_date.year if ins.maturity_date else 0] += amt
        if ins.coupon_frac is None:
            unknown_coupon.append(ins.id)
        else:
            interest += amt * ins.coupon_frac
    if 0 in wall:
        notes.append("maturity year 0 = maturity not stated")
    hr = _metric_near(company, "hashrate_ths", at, metric_window_days)
    eff = _metric_near(company, "fleet_efficiency_j_per_th", at, metric_window_days)
    hashrate = hr.value if hr else None
    efficiency = eff.value if eff else None
    if efficiency is None and assume_efficiency_j_per_th is not None and hashrate is not None:
        efficiency = assume_efficiency_j_per_th
        notes.append(f"efficiency not stated: assumed {assume_efficiency_j_per_th:g} J/TH")
    if hashrate is None:
        missing.append("hashrate_ths")
    if efficiency is None:
        missing.append("fleet_efficiency_j_per_th")
    price = None
    value_mkt = value_inc = gross = None
    if hashrate is not None and efficiency is not None:
        try:
            price = asic_price_for(asic_prices, efficiency, at, market.asic_price_kinds)
        except MissingDataError as exc:
            missing.append(f"asic_price ({exc})")
        if price is not None:
            value_mkt = fleet_value_market_usd(hashrate, price.price_usd_per_th)
            age = (at - price.date).days
            if age > 365:
                notes.append(f"ASIC price is {age} days old ({price.kind}, {price.date})")
        power_m = _metric_near(company, "power_price_usd_per_mwh", at, metric_window_days)
        power = market.price_usd_per_mwh if power_m is None else power_m.value
        if power_m is not None:
            notes.append(f"power price {power:g} USD/MWh from the company's data")
        value_inc = fleet_value_income_usd(
            hashrate, efficiency, market.hashprice_usd_per_th_day, power,
            market.remaining_life_years, market.discount_rate_frac, market.pool_fee_frac, market.uptime_frac)
        gross = mining_gross_profit_usd_per_year(hashrate, efficiency, market.hashprice_usd_per_th_day[0],
                                                 power, market.pool_fee_frac,
                                                 market.uptime_frac)
    btc_m = _metric_near(company, "btc_held_btc", at, metric_window_days)
    cash_m = _metric_near(company, "cash_usd", at, metric_window_days)
    btc = btc_m.value if btc_m else None
    cash = cash_m.value if cash_m else None
    for m in (hr, eff, btc_m, cash_m):
        if m is not None and m.as_of is not None and m.as_of > at:
            notes.append(f"{m.metric} dated {m.as_of} (after {at})")
    net = None
    if btc is not None:
        net = debt - btc * market.btc_price_usd - (cash or 0.0)
        if cash is None:
            notes.append("net debt excludes cash (not in the data)")
    else:
        missing.append("btc_held_btc")
    if unknown:
        notes.append(f"{len(unknown)} instrument(s) of unknown amount not in total debt")

    def ratio(value: float | None) -> float | None:
        return None if value is None or value <= 0 else debt / value

    return CapitalMetrics(
        ticker=company.ticker, at=at, total_debt_usd=debt, n_instruments=len(live),
        unknown_amount_ids=tuple(unknown), hashrate_ths=hashrate, hashrate_as_of=hr.as_of if hr else None,
        efficiency_j_per_th=efficiency, efficiency_as_of=eff.as_of if eff else None, asic_price=price,
        value_market_usd=value_mkt, value_income_usd=value_inc, ratio_market=ratio(value_mkt),
        ratio_income=ratio(value_inc),
        debt_per_ehs_usd=None if not hashrate else debt / (hashrate / TH_PER_EH),
        btc_held_btc=btc, net_debt_usd=net, interest_usd_per_year=interest,
        unknown_coupon_ids=tuple(unknown_coupon), mining_gross_profit_usd_per_year=gross,
        interest_burden_frac=None if gross is None or gross <= 0 else interest / gross,
        maturity_wall_usd=dict(sorted(wall.items())), debt_by_type_usd=dict(by_type),
        debt_by_collateral_usd=dict(by_coll), missing=tuple(missing), notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True)
class SectorMetrics(_RatioFlags):
    """Sector aggregates over the companies whose ratio is computable.

    ``ratio_market`` = sum of debt / sum of market value over companies with a market value (same for
    income); companies without hash rate or efficiency are listed in ``excluded``. ``total_debt_usd``
    covers every company, ``included_debt_usd`` only those in the market ratio.
    """

    at: date
    companies: tuple[CapitalMetrics, ...]
    total_debt_usd: float
    ratio_market: float | None
    ratio_income: float | None
    included_market: tuple[str, ...]
    included_income: tuple[str, ...]
    excluded: tuple[str, ...]
    included_debt_usd: float = 0.0
    maturity_wall_usd: Mapping[int, float] = field(default_factory=dict)
    debt_by_type_usd: Mapping[str, float] = field(default_factory=dict)
    debt_by_collateral_usd: Mapping[str, float] = field(default_factory=dict)



def sector_metrics(companies: Iterable[Company], at: date, market: MarketInputs,
                   asic_prices: Iterable[AsicPrice], metric_window_days: int = 92,
                   assume_efficiency_j_per_th: float | None = None) -> SectorMetrics:
    """Metrics of every company at ``at`` and the sector aggregates (see :class:`SectorMetrics`)."""
    prices = list(asic_prices)
    rows = tuple(company_metrics(c, at, market, prices, metric_window_days, assume_efficiency_j_per_th)
                 for c in companies)
    mkt = [r for r in rows if r.value_market_usd]
    inc = [r for r in rows if r.value_income_usd]
    wall: dict[int, float] = defaultdict(float)
    by_type: dict[str, float] = defaultdict(float)
    by_coll: dict[str, float] = defaultdict(float)
    for r in rows:
        for src, dst in ((r.maturity_wall_usd, wall), (r.debt_by_type_usd, by_type),
                         (r.debt_by_collateral_usd, by_coll)):
            for k, v in src.items():
                dst[k] += v  # type: ignore[index]

    def agg(sel: list[CapitalMetrics], attr: str) -> float | None:
        value = sum(getattr(r, attr) for r in sel)
        return None if value <= 0 else sum(r.total_debt_usd for r in sel) / value

    return SectorMetrics(
        at=at, companies=rows, total_debt_usd=sum(r.total_debt_usd for r in rows),
        ratio_market=agg(mkt, "value_market_usd"), ratio_income=agg(inc, "value_income_usd"),
        included_market=tuple(r.ticker for r in mkt), included_income=tuple(r.ticker for r in inc),
        excluded=tuple(r.ticker for r in rows if not r.value_market_usd and not r.value_income_usd),
        included_debt_usd=sum(r.total_debt_usd for r in mkt),
        maturity_wall_usd=dict(sorted(wall.items())), debt_by_type_usd=dict(by_type),
        debt_by_collateral_usd=dict(by_coll),
    )


def latest_metrics_quarter_end(companies: Iterable[Company]) -> date:
    """The latest quarter-end on or before the newest dated ``hashrate_ths`` metric of ``companies``.

    Raises
    ------
    InputError : no company has a dated hash rate.
    """
    dates = [m.as_of for c in companies for m in c.metrics if m.metric == "hashrate_ths" and m.as_of]
    if not dates:
        raise InputError("no dated hash-rate metric: give a date")
    d = max(dates)
    nxt = date(d.year, d.month, 1) + timedelta(days=32)
    for _ in range(4):
        month_start = date(nxt.year, nxt.month, 1)
        q_end = month_start - timedelta(days=1)
        if q_end.month % 3 == 0 and q_end <= d:
            return q_end
        nxt = month_start - timedelta(days=1)
    raise AssertionError("unreachable: a quarter-end lies within four months")


def share_frac(amounts: Mapping[str, float]) -> dict[str, float]:
    """Each key's share of the total [fraction]; empty when the total is zero."""
    total = sum(amounts.values())
    return {} if total <= 0 else {k: v / total for k, v in amounts.items()}


def ratio_table_rows(sector: SectorMetrics) -> list[dict[str, Any]]:
    """Compact display rows: one per company (USD in millions, hash rate in EH/s) and a ``SECTOR`` row.

    Flags are shown as ``HIGH`` (>= 1.5) and ``DANGER`` (>= 1.8); companies without any ratio show why.
    """
    short = {"": "", "high": "HIGH", "dangerously high": "DANGER"}

    def mus(x: float | None) -> float | None:
        return None if x is None else x / 1e6

    rows: list[dict[str, Any]] = []
    for c in sector.companies:
        rows.append({
            "ticker": c.ticker,
            "debt_musd": mus(c.total_debt_usd),
            "eh_s": None if c.hashrate_ths is None else c.hashrate_ths / TH_PER_EH,
            "j_th": c.efficiency_j_per_th,
            "asic_usd_th": None if c.asic_price is None else c.asic_price.price_usd_per_th,
            "ratio_mkt": c.ratio_market,
            "flag_mkt": short[c.flag_market],
            "ratio_inc": c.ratio_income,
            "flag_inc": short[c.flag_income],
            "musd_per_eh": mus(c.debt_per_ehs_usd),
            "int_burden": c.interest_burden_frac,
            "missing": ",".join(m.split(" ")[0].replace("fleet_efficiency_j_per_th", "eff")
                                .replace("hashrate_ths", "hashrate").replace("btc_held_btc", "btc")
                                for m in c.missing),
        })
    rows.append({"ticker": "SECTOR", "debt_musd": mus(sector.included_debt_usd), "ratio_mkt": sector.ratio_market,
                 "flag_mkt": short[sector.flag_market], "ratio_inc": sector.ratio_income,
                 "flag_inc": short[sector.flag_income], "missing": ""})
    return rows
