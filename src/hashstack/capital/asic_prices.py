"""ASIC market prices per efficiency tier, used to value a fleet's hash power at market.

The shipped table (``capital/data/asic_prices.csv``) keeps the Hashrate Index / Luxor ASIC Price Index
values published in the press for 2021-2023 (``kind = "index"``) and, because no index values for
2024-2025 were found in public pages, bulk purchase prices from company filings (``kind = "contract"``),
option strikes (``"contract_option"``) and manufacturer list/promo prices (``"list"``). Only ``index``
and ``contract`` rows are used by default; every result says which row it used.

References
----------
Hashrate Index ASIC Price Index methodology, https://hashrateindex.com (tiers by J/TH; USD per TH/s).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from hashstack.errors import MissingDataError

DEFAULT_PRICE_KINDS: tuple[str, ...] = ("index", "contract")
PRICE_KINDS: tuple[str, ...] = ("index", "contract", "contract_option", "list")


@dataclass(frozen=True, slots=True)
class AsicPrice:
    """One published ASIC price for an efficiency tier [USD per TH/s], with its source.

    The tier covers efficiencies ``efficiency_min_j_per_th <= e < efficiency_max_j_per_th`` [J/TH].
    """

    date: date
    tier: str
    efficiency_min_j_per_th: float
    efficiency_max_j_per_th: float
    price_usd_per_th: float
    kind: str
    source: str
    source_url: str
    context: str = ""
    date_text: str = ""
    review_note: str = ""

    def covers(self, efficiency_j_per_th: float) -> bool:
        """Whether ``efficiency_j_per_th`` [J/TH] falls in this row's tier."""
        return self.efficiency_min_j_per_th <= efficiency_j_per_th < self.efficiency_max_j_per_th


def asic_price_for(prices: Iterable[AsicPrice], efficiency_j_per_th: float, at: date,
                   kinds: Iterable[str] = DEFAULT_PRICE_KINDS) -> AsicPrice:
    """The price row that values hash power of ``efficiency_j_per_th`` on ``at``.

    Among rows of the allowed ``kinds`` whose tier covers the efficiency and whose date is on or before
    ``at``, the most recent wins; on equal dates the narrower tier wins (it is the closer match).

    Parameters
    ----------
    prices : price rows (e.g. :func:`hashstack.capital.loaders.load_asic_prices`)
    efficiency_j_per_th : fleet efficiency [J/TH]
    at : valuation date
    kinds : row kinds allowed (see module docstring)

    Raises
    ------
    MissingDataError : no allowed row covers the efficiency on or before ``at``.
    """
    allowed = set(kinds)
    unknown = allowed - set(PRICE_KINDS)
    if unknown:
        raise MissingDataError(f"unknown ASIC price kind(s) {sorted(unknown)}; known: {', '.join(PRICE_KINDS)}")
    cands = [p for p in prices if p.kind in allowed and p.date <= at and p.covers(efficiency_j_per_th)]
    if not cands:
        raise MissingDataError(
            f"no ASIC price ({', '.join(sorted(allowed))}) for {efficiency_j_per_th:g} J/TH on or before {at}"
        )
    return max(cands, key=lambda p: (p.date, -(p.efficiency_max_j_per_th - p.efficiency_min_j_per_th)))
