"""Economics of a site's fleet, one row per ASIC model, at a given network state and power price."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hashstack.economics import (
    Hashprice,
    breakeven_btc_price_usd,
    breakeven_hashprice_usd_per_th_day,
    breakeven_power_price_usd_per_mwh,
    miner_daily_economics,
    shutoff_power_price_usd_per_mwh,
)
from hashstack.fleet import Site
from hashstack.units import TH_PER_PH


@dataclass(frozen=True, slots=True)
class ModelEconomics:
    """One model's group on a site: daily figures for the whole group, breakevens per machine."""

    model: str
    count: int
    hashrate_ths: float
    power_w: float
    efficiency_j_per_th: float
    revenue_usd_per_day: float
    pool_fee_usd_per_day: float
    power_cost_usd_per_day: float
    margin_usd_per_day: float
    breakeven_power_price_usd_per_mwh: float
    breakeven_hashprice_usd_per_ph_day: float
    breakeven_btc_price_usd: float
    shutoff_power_price_usd_per_mwh: float


def site_economics(site: Site, hp: Hashprice, price_usd_per_mwh: float) -> list[ModelEconomics]:
    """Per-model economics of ``site`` at hashprice ``hp`` and power price ``price_usd_per_mwh``.

    Breakevens use each group's tuned efficiency; the shut-off price uses the best efficiency of the
    model's tuning curve (see :func:`hashstack.economics.shutoff_power_price_usd_per_mwh`).
    """
    rows = []
    hp_th = float(hp.hashprice_usd_per_th_day)
    hp_btc_th = float(hp.hashprice_btc_per_th_day)
    for g in site.miners:
        hashrate, power = g.count * g.hashrate_ths_each, g.count * g.power_w_each
        eff = power / hashrate
        day = miner_daily_economics(hashrate, power, hp_th, price_usd_per_mwh, site.pool_fee_frac)
        curve = g.curve
        best_eff = curve.best_efficiency_j_per_th
        rows.append(ModelEconomics(
            model=g.model, count=g.count, hashrate_ths=hashrate, power_w=power, efficiency_j_per_th=eff,
            revenue_usd_per_day=float(day.revenue_usd_per_day), pool_fee_usd_per_day=float(day.pool_fee_usd_per_day),
            power_cost_usd_per_day=float(day.power_cost_usd_per_day),
            margin_usd_per_day=float(day.margin_usd_per_day),
            breakeven_power_price_usd_per_mwh=float(breakeven_power_price_usd_per_mwh(eff, hp_th, site.pool_fee_frac)),
            breakeven_hashprice_usd_per_ph_day=float(
                breakeven_hashprice_usd_per_th_day(eff, price_usd_per_mwh, site.pool_fee_frac)) * TH_PER_PH,
            breakeven_btc_price_usd=float(breakeven_btc_price_usd(eff, price_usd_per_mwh, hp_btc_th,
                                                                  site.pool_fee_frac)),
            shutoff_power_price_usd_per_mwh=float(shutoff_power_price_usd_per_mwh(best_eff, hp_th,
                                                                                  site.pool_fee_frac)),
        ))
    return rows


TABLE_COLUMNS = {
    "model": "model", "count": "count", "efficiency_j_per_th": "J/TH", "revenue_usd_per_day": "revenue $/d",
    "power_cost_usd_per_day": "power $/d", "pool_fee_usd_per_day": "pool fee $/d", "margin_usd_per_day": "margin $/d",
    "breakeven_power_price_usd_per_mwh": "breakeven $/MWh", "breakeven_btc_price_usd": "breakeven BTC $",
    "shutoff_power_price_usd_per_mwh": "shut-off $/MWh",
}


def table_rows(rows: list[ModelEconomics]) -> list[dict[str, Any]]:
    """Rows keyed by display headers, for the console table."""
    return [{TABLE_COLUMNS[k]: v for k, v in asdict(r).items() if k in TABLE_COLUMNS} for r in rows]
