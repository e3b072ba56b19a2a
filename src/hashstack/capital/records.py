"""Records of the capital stack: companies, their operating metrics and their debt instruments.

These are plain frozen dataclasses (the records layer): no I/O, no parsing. Files are read into them
by :mod:`hashstack.capital.loaders`; metrics are computed from them by :mod:`hashstack.capital.metrics`.

Every monetary field is in USD (``_usd``), every rate is a fraction (``_frac``, so a 2.125 % coupon is
``0.02125``), every date is a :class:`datetime.date`. A field that the source did not state is
``None`` (never zero): an unknown coupon is not a zero coupon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class InstrumentType(StrEnum):
    """Kind of debt instrument (the mechanics the stress engine applies depend on it).

    ``convertible``: convertible notes (senior or other); converts into shares at the conversion price.
    ``senior_secured``: secured notes and secured term/project loans (liens on a data centre, a project,
    or substantially all assets). ``asic_loan``: equipment loans whose collateral is mining machines.
    ``btc_loan``: loans and credit lines collateralised by bitcoin (margin calls on the BTC price).
    ``credit_facility``: other revolving or delayed-draw facilities. ``lease``: equipment or site leases
    financed as debt. ``other``: unsecured notes, bridge and promissory notes, DIP loans, non-ASIC
    equipment loans and anything else.
    """

    CONVERTIBLE = "convertible"
    SENIOR_SECURED = "senior_secured"
    ASIC_LOAN = "asic_loan"
    BTC_LOAN = "btc_loan"
    CREDIT_FACILITY = "credit_facility"
    LEASE = "lease"
    OTHER = "other"


class Collateral(StrEnum):
    """What secures an instrument."""

    NONE = "none"
    ASICS = "asics"
    BTC = "btc"
    DATA_CENTRE = "data_centre"
    SUBSTANTIALLY_ALL_ASSETS = "substantially_all_assets"
    GPUS = "gpus"
    EQUIPMENT = "equipment"
    UNKNOWN = "unknown"


class UseOfProceeds(StrEnum):
    """Stated use of the money raised (an instrument may carry several)."""

    ASIC = "asic"
    BTC = "btc"
    AI_HPC = "ai_hpc"
    REFINANCING = "refinancing"
    GENERAL = "general"
    INFRASTRUCTURE = "infrastructure"
    SHARE_REPURCHASE = "share_repurchase"
    CAPPED_CALL = "capped_call"
    RESTRUCTURING = "restructuring"
    OTHER = "other"


class Amortisation(StrEnum):
    """Repayment profile of the principal."""

    BULLET = "bullet"
    AMORTISING = "amortising"
    UNKNOWN = "unknown"


class IssuanceCategory(StrEnum):
    """The three-way split used for issuance statistics (plus ``other``)."""

    CONVERTIBLE = "convertible"
    SECURED = "secured"
    ASSET_BACKED = "asset_backed"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One debt instrument or facility event of one company.

    Attributes
    ----------
    id : stable key ``TICKER-YEAR-TAG``
    ticker : listed parent's ticker
    issuer : issuing entity (subsidiary or SPV where relevant)
    instrument_type : mechanics class, see :class:`InstrumentType`
    type_detail : the source's own wording of the type (e.g. ``"project finance loan"``)
    status : free-text status from the source (``"closed"``, ``"repaid Nov 2025"``, ...)
    issue_date : closing date, else pricing date, else announcement date; ``None`` if only a year is known
    issue_period : quarter ``"2024Q4"`` or year ``"2021"`` of the event (from the source)
    principal_usd : principal or facility size [USD], see ``amount_basis``
    amount_basis : what ``principal_usd`` means (priced, final with greenshoe, facility limit, balance)
    new_money_usd : new money raised by this event [USD] (the increment for upsizes; 0 for exchanges)
    balances_usd : dated balances read in the sources, ``((date, usd), ...)`` in date order [USD]: drawn
        amounts of facilities, balances after partial repurchases or exchanges
    coupon_frac : annual cash coupon [fraction]; ``None`` when not disclosed
    coupon_type : fixed / zero / floating formula, as stated
    maturity_date : final maturity; ``None`` when only a year or a term is known (see ``maturity_text``)
    maturity_text : the source's maturity wording
    conversion_price_usd : initial conversion price [USD/share]
    conversion_rate_per_1000_usd : initial conversion rate [shares per USD 1,000 principal]
    holder_put_dates : dates holders may put the notes back at par
    issuer_call_date : first date the issuer may redeem (provisional call)
    call_trigger_frac : share-price trigger of the provisional call as a multiple of the conversion
        price [fraction, e.g. 1.30]
    capped_call_cap_price_usd : cap price of the capped call bought with the notes [USD/share]
    secured : whether the instrument is secured
    collateral : what secures it, see :class:`Collateral`
    collateral_detail : free-text collateral description
    ltv_frac : initial loan-to-value [fraction]
    margin_call_ltv_frac : LTV at which the lender calls for more collateral [fraction]
    liquidation_ltv_frac : LTV at which the lender may sell the collateral [fraction]
    amortisation : repayment profile
    amortisation_months : length of the amortisation schedule [months]
    use_of_proceeds : stated uses
    lender : lender, agent or initial purchasers
    retired_date : date the instrument stopped being debt (repaid, converted, exchanged, extinguished)
    retired_how : how it was retired
    supersedes_id : id of the earlier row this one replaces (facility upsize, amendment, refinancing)
    exclude_from_totals : True when the row is kept for reference but is not (confirmed) debt
    in_scope_2021_2025 : ``yes`` / ``no`` / ``borderline`` (the source's window flag)
    confidence : ``high`` / ``medium`` / ``low`` (the source's confidence)
    source_url : the page the terms were read from
    source_title : title of that page
    notes : the source's notes
    review_note : what hashstack's data review changed or flagged in this row
    """

    id: str
    ticker: str
    instrument_type: InstrumentType
    principal_usd: float | None
    issuer: str = ""
    type_detail: str = ""
    status: str = ""
    issue_date: date | None = None
    issue_period: str = ""
    amount_basis: str = ""
    new_money_usd: float | None = None
    balances_usd: tuple[tuple[date, float], ...] = ()
    coupon_frac: float | None = None
    coupon_type: str = ""
    maturity_date: date | None = None
    maturity_text: str = ""
    conversion_price_usd: float | None = None
    conversion_rate_per_1000_usd: float | None = None
    holder_put_dates: tuple[date, ...] = ()
    issuer_call_date: date | None = None
    call_trigger_frac: float | None = None
    capped_call_cap_price_usd: float | None = None
    secured: bool = False
    collateral: Collateral = Collateral.NONE
    collateral_detail: str = ""
    ltv_frac: float | None = None
    margin_call_ltv_frac: float | None = None
    liquidation_ltv_frac: float | None = None
    amortisation: Amortisation = Amortisation.UNKNOWN
    amortisation_months: int | None = None
    use_of_proceeds: tuple[UseOfProceeds, ...] = ()
    lender: str = ""
    retired_date: date | None = None
    retired_how: str = ""
    supersedes_id: str | None = None
    exclude_from_totals: bool = False
    in_scope_2021_2025: str = "yes"
    confidence: str = ""
    source_url: str = ""
    source_title: str = ""
    notes: str = ""
    review_note: str = ""

    def amount_usd(self, at: date | None = None) -> float | None:
        """Debt amount counted in totals on ``at`` [USD].

        The latest stated balance dated on or before ``at`` (the latest overall when ``at`` is None),
        else ``principal_usd`` (which is the facility size for undrawn-unknown facilities); ``None``
        when neither is known.
        """
        if self.exclude_from_totals:
            return 0.0
        dated = [b for b in self.balances_usd if at is None or b[0] <= at]
        if dated:
            return max(dated, key=lambda b: b[0])[1]
        return self.principal_usd

    @property
    def issuance_category(self) -> IssuanceCategory:
        """Convertible vs secured vs asset-backed split used for issuance statistics.

        Asset-backed = loans against mining machines, GPUs, other equipment or bitcoin; secured = notes,
        term, project or credit facilities secured by a project, a data centre or substantially all
        assets; convertible = any convertible note (even a secured one).
        """
        if self.instrument_type is InstrumentType.CONVERTIBLE:
            return IssuanceCategory.CONVERTIBLE
        if self.instrument_type in (InstrumentType.ASIC_LOAN, InstrumentType.BTC_LOAN, InstrumentType.LEASE):
            return IssuanceCategory.ASSET_BACKED
        if self.collateral in (Collateral.ASICS, Collateral.BTC, Collateral.GPUS, Collateral.EQUIPMENT):
            return IssuanceCategory.ASSET_BACKED
        if self.secured or self.instrument_type is InstrumentType.SENIOR_SECURED:
            return IssuanceCategory.SECURED
        return IssuanceCategory.OTHER

    def is_outstanding(self, at: date) -> bool:
        """Whether the instrument is debt on ``at``: issued on or before, not yet matured or retired.

        An instrument without an issue date (only a year known) counts from 1 January of that year
        when ``issue_period`` is a year, else from the first day of its quarter. Whether a later row
        superseded it is a property of the whole stack (see :func:`outstanding_instruments`).
        """
        start = self.start_date
        if start is None or start > at:
            return False
        if self.retired_date is not None and self.retired_date <= at:
            return False
        return not (self.maturity_date is not None and self.maturity_date <= at)

    @property
    def start_date(self) -> date | None:
        """First day the instrument counts as debt: ``issue_date``, else the start of ``issue_period``."""
        if self.issue_date is not None:
            return self.issue_date
        return period_start(self.issue_period)


def period_start(period: str) -> date | None:
    """First day of a ``"2024Q3"`` quarter or a ``"2021"`` year; ``None`` for anything else."""
    p = period.strip()
    if len(p) == 6 and p[4] == "Q" and p[:4].isdigit() and p[5] in "1234":
        return date(int(p[:4]), 3 * (int(p[5]) - 1) + 1, 1)
    if len(p) == 4 and p.isdigit():
        return date(int(p), 1, 1)
    return None


def outstanding_instruments(instruments: tuple[Instrument, ...] | list[Instrument],
                            at: date) -> list[Instrument]:
    """Instruments that are debt on ``at``, a superseded row dropping out once its successor starts.

    Facility upsizes and amendments are separate rows whose ``principal_usd`` is the new facility
    size; only the latest row of such a chain counts, so a facility is never summed twice.
    """
    live = [i for i in instruments if i.is_outstanding(at)]
    superseded = {i.supersedes_id for i in live if i.supersedes_id}
    return [i for i in live if i.id not in superseded]


@dataclass(frozen=True, slots=True)
class CompanyMetric:
    """One dated operating metric of a company, with its source.

    ``metric`` is one of :data:`METRIC_UNITS` (the name carries the unit: ``hashrate_ths`` [TH/s],
    ``fleet_efficiency_j_per_th`` [J/TH], ``btc_held_btc`` [BTC], ``shares_outstanding`` [shares],
    ``cash_usd`` [USD], ``btc_held_usd`` [USD], ``btc_mined_btc`` [BTC over ``period``]).
    ``as_of`` is ``None`` when the source gave no usable date (``as_of_text`` keeps its wording).
    """

    ticker: str
    metric: str
    value: float
    as_of: date | None
    as_of_text: str = ""
    basis: str = ""
    period: str = ""
    confidence: str = ""
    source_url: str = ""
    notes: str = ""
    review_note: str = ""


METRIC_UNITS: dict[str, str] = {
    "hashrate_ths": "TH/s",
    "fleet_efficiency_j_per_th": "J/TH",
    "btc_held_btc": "BTC",
    "btc_held_usd": "USD",
    "shares_outstanding": "shares",
    "cash_usd": "USD",
    "btc_mined_btc": "BTC",
    "power_price_usd_per_mwh": "USD/MWh",
}


@dataclass(frozen=True, slots=True)
class Company:
    """A company: identity, dated metrics and debt instruments."""

    ticker: str
    name: str
    exchange: str = ""
    business_note: str = ""
    metrics: tuple[CompanyMetric, ...] = ()
    instruments: tuple[Instrument, ...] = field(default=())
    source_url: str = ""

    def metric(self, name: str, at: date | None = None) -> CompanyMetric | None:
        """Latest observation of ``name`` dated on or before ``at`` (latest overall when ``at`` is None).

        Observations without a usable date are used only when ``at`` is None and no dated one exists.
        """
        obs = [m for m in self.metrics if m.metric == name]
        dated = [m for m in obs if m.as_of is not None and (at is None or m.as_of <= at)]
        if dated:
            return max(dated, key=lambda m: m.as_of or date.min)
        if at is None and obs:
            return obs[-1]
        return None

    def metric_value(self, name: str, at: date | None = None) -> float | None:
        """Value of :meth:`metric`, or ``None``."""
        m = self.metric(name, at)
        return None if m is None else m.value

    def outstanding(self, at: date) -> list[Instrument]:
        """Instruments that are debt on ``at`` (see :func:`outstanding_instruments`)."""
        return outstanding_instruments(self.instruments, at)
