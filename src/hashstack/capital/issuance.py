"""Debt issuance by quarter and type, and its comparison with third-party aggregate figures.

Issuance counts ``new_money_usd`` (new money; an upsize counts its increment, an exchange or a
refinancing without new money counts 0), dated by ``issue_period`` (the quarter of the pricing date,
else the closing, else the announcement; rows known only to the year are left out of quarterly sums).
Rows outside 2021-2025 (``in_scope_2021_2025 != "yes"``) and rows excluded from totals are left out.

Reported figures (TheMinerMag/BlocksBridge, CoinDesk, VanEck, Hashlabs, ...) cover other universes and
definitions, so :func:`compare_reported` states for each one whether the instrument data reproduces
it, is consistent with it (a bound), does not reproduce it (and by how much), or does not cover it.

References
----------
TheMinerMag, "Miner Weekly: Bitcoin Mining Debt Set for New Records" (2025-10-16) and other sources
listed per row in ``capital/data/issuance_reported.csv``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from hashstack.capital.records import (
    Instrument,
    InstrumentType,
    IssuanceCategory,
    outstanding_instruments,
    period_start,
)

REPRODUCE_TOLERANCE_FRAC = 0.15


def _quarter_of(d: date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def _quarter_aligned(start: date, end: date) -> bool:
    nxt = end + timedelta(days=1)
    return start.day == 1 and start.month % 3 == 1 and nxt.day == 1 and nxt.month % 3 == 1


def _in_sums(ins: Instrument) -> bool:
    return ins.in_scope_2021_2025 == "yes" and not ins.exclude_from_totals


def issuance_by_quarter(instruments: Iterable[Instrument]) -> dict[str, dict[str, float]]:
    """New money by quarter and :class:`IssuanceCategory` [USD]: ``{"2024Q4": {"convertible": ...}}``.

    Every quarter from the first to the last with a dated row appears (zeros included), each with all
    four categories.
    """
    sums: dict[str, dict[str, float]] = {}
    rows = [i for i in instruments if _in_sums(i) and len(i.issue_period) == 6 and "Q" in i.issue_period]
    if not rows:
        return {}
    quarters = sorted({i.issue_period for i in rows})
    y, q = int(quarters[0][:4]), int(quarters[0][5])
    last = quarters[-1]
    while True:
        key = f"{y}Q{q}"
        sums[key] = {c.value: 0.0 for c in IssuanceCategory}
        if key == last:
            break
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    for i in rows:
        sums[i.issue_period][i.issuance_category.value] += i.new_money_usd or 0.0
    return sums


def issuance_in_window(instruments: Iterable[Instrument], start: date, end: date,
                       categories: Iterable[IssuanceCategory] | None = None,
                       tickers: Iterable[str] | None = None) -> float:
    """New money [USD] of rows dated within ``[start, end]``.

    When the window is made of whole quarters a row is dated by its ``issue_period`` quarter (the
    pricing quarter, which reproduces the quarterly sums); otherwise by its ``issue_date`` (closing).
    Rows known only to the year are left out.
    """
    cats = None if categories is None else set(categories)
    tick = None if tickers is None else set(tickers)
    total = 0.0
    for i in instruments:
        if not _in_sums(i) or len(i.issue_period) != 6:
            continue
        if _quarter_aligned(start, end):
            when = period_start(i.issue_period)
        else:
            when = i.issue_date or period_start(i.issue_period)
        if when is None or not start <= when <= end:
            continue
        if cats is not None and i.issuance_category not in cats:
            continue
        if tick is not None and i.ticker not in tick:
            continue
        total += i.new_money_usd or 0.0
    return total


def debt_outstanding_usd(instruments: Iterable[Instrument], at: date) -> float:
    """Sum of debt amounts outstanding at ``at`` [USD] (see :meth:`Instrument.amount_usd`)."""
    return sum(i.amount_usd(at) or 0.0 for i in outstanding_instruments(list(instruments), at))


@dataclass(frozen=True, slots=True)
class ReportedFigure:
    """One third-party aggregate figure (a row of ``issuance_reported.csv``)."""

    period: str
    period_start: date | None
    period_end: date
    metric: str
    value_usd: float
    value_qualifier: str
    universe: str
    source_org: str
    source_url: str
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Comparison:
    """The dataset's figure next to a reported one, with a verdict.

    ``status`` is ``reproduced`` (within 15 %), ``consistent`` (the reported figure is a bound the
    dataset respects), ``not reproduced`` (outside; ``ratio`` = ours / reported), or ``not covered``
    (the dataset has no data of that kind, e.g. equity raises).
    """

    reported: ReportedFigure
    ours_usd: float | None
    ratio: float | None
    status: str
    explanation: str


# Ticker subsets named in a reported figure's qualifier (the row itself only says "3 issuers").
NAMED_SUBSETS: dict[tuple[str, str], tuple[str, ...]] = {
    ("2025Q3", "convertible_offerings_subset"): ("CIFR", "MARA", "WULF"),
}
# Issuers the third parties count as miners; the dataset also holds hosting/HPC and diversified firms.
NON_MINERS: tuple[str, ...] = ("APLD", "GLXY", "SLNH", "BTBT")


def _window(fig: ReportedFigure) -> tuple[date, date] | None:
    if fig.period_start is None:
        return None
    return fig.period_start, fig.period_end


def compare_reported(instruments: Iterable[Instrument], reported: Iterable[ReportedFigure]) -> list[Comparison]:
    """Compare every reported figure with the same quantity computed from the instruments.

    Rules: equity and total-capital figures are ``not covered`` (no equity rows); stock-of-debt figures
    are compared with the debt outstanding at the period end; issuance figures with new money in the
    window, convertibles only for convertible metrics, miners only (``NON_MINERS`` left out), and the
    named tickers for a named subset. Qualifiers "under", "as high as" make the figure an upper bound.
    """
    insts = list(instruments)
    miners = [i for i in insts if i.ticker not in NON_MINERS]
    out = []
    for fig in reported:
        ex_btc: float | None = None
        if fig.metric in ("equity_issuance", "total_capital_raised"):
            out.append(Comparison(fig, None, None, "not covered",
                                  "the dataset has debt instruments only (no equity raises)"))
            continue
        if fig.metric == "total_debt_outstanding":
            ours = debt_outstanding_usd(insts, fig.period_end)
            expl = (f"debt outstanding at {fig.period_end} in the dataset's {len({i.ticker for i in insts})} "
                    "issuers (facility sizes where no balance is stated); the reported universe and method differ")
        elif fig.metric == "dataset_new_money_total":
            continue
        else:
            win = _window(fig)
            if win is None:
                out.append(Comparison(fig, None, None, "not covered", "no period start"))
                continue
            cats = [IssuanceCategory.CONVERTIBLE] if fig.metric.startswith("convertible") else None
            tick = NAMED_SUBSETS.get((fig.period, fig.metric))
            ours = issuance_in_window(miners, win[0], win[1], cats, tick)
            what = "convertible new money" if cats else "debt + convertible new money"
            who = f"issuers {', '.join(tick)}" if tick else f"miners in the dataset (without {', '.join(NON_MINERS)})"
            how = "pricing quarter" if _quarter_aligned(*win) else "closing date"
            expl = f"{what} of {who}, {win[0]}..{win[1]} by {how}"
            if cats is None:
                no_btc = [i for i in miners if i.instrument_type is not InstrumentType.BTC_LOAN]
                ex_btc = issuance_in_window(no_btc, win[0], win[1], None, tick)
        ratio = ours / fig.value_usd if fig.value_usd else None
        qual = fig.value_qualifier.lower()
        upper = qual.startswith("under") or "as high as" in qual
        lower = qual.startswith("more than")
        if upper:
            status = "consistent" if ours <= fig.value_usd * (1 + REPRODUCE_TOLERANCE_FRAC) else "not reproduced"
        elif lower:
            status = "consistent" if ours >= fig.value_usd * (1 - REPRODUCE_TOLERANCE_FRAC) else "not reproduced"
        elif ratio is not None and abs(ratio - 1) <= REPRODUCE_TOLERANCE_FRAC:
            status = "reproduced"
        elif ex_btc is not None and fig.value_usd and abs(ex_btc / fig.value_usd - 1) <= REPRODUCE_TOLERANCE_FRAC:
            status = "reproduced without BTC-backed lines"
            expl += f"; without BTC-backed credit lines {ex_btc / 1e9:.3f} B USD"
        else:
            status = "not reproduced"
        out.append(Comparison(fig, ours, ratio, status, expl))
    return out


def quarter_totals(by_quarter: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Sum over categories for each quarter [USD]."""
    return {q: float(sum(v.values())) for q, v in by_quarter.items()}


def category_totals(by_quarter: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Sum over quarters for each category [USD]."""
    out: dict[str, float] = defaultdict(float)
    for v in by_quarter.values():
        for k, x in v.items():
            out[k] += x
    return dict(out)
