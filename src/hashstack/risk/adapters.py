"""Build the stress engine's :class:`CompanyRiskInput` from a :class:`hashstack.capital.Company`.

The capital records say what a company owes and what it runs; the stress engine also needs things
the public dataset does not hold (share price, equity beta, cash costs) and instrument terms that
filings often leave out (coupon, collateral).  :func:`adapt_capital` fills every gap from
:class:`StressAssumptions` and lists each filled gap in ``assumed``, so that nothing is silently made up.

Instrument mapping (instruments outstanding on ``at``, superseded facility rows dropped):

* ``convertible`` -> :class:`ConvertibleNote` (first holder put after ``at``; maturity; conversion price);
* ``asic_loan`` -> :class:`AsicLoan` (amortising over ``amortisation_months``, else to maturity, else
  the assumed term; pledged hash rate = principal / (origination LTV x ASIC price), at most the fleet);
* ``btc_loan`` -> :class:`BtcLoan` (collateral = principal / (LTV x BTC price));
* debt secured by a **data centre** or a **project** -> left out: project finance serviced by its
  tenant's lease (e.g. the AI/HPC campus notes of 2025), which the mining waterfall does not model;
  listed in ``assumed``;
* everything else (secured notes, facilities, leases, other) -> :class:`TermDebt`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hashstack.capital.records import Amortisation, Collateral, Company, Instrument, InstrumentType
from hashstack.errors import InputError
from hashstack.risk.company import AsicLoan, BtcLoan, CompanyRiskInput, ConvertibleNote, TermDebt
from hashstack.risk.scenarios import MarketParams, asic_price_for_efficiency_usd_per_th


@dataclass(frozen=True, slots=True)
class StressAssumptions:
    """Values used where the company's records are silent (each use is reported).

    Attributes
    ----------
    efficiency_j_per_th : fleet efficiency when not reported [J/TH]
    power_price_usd_per_mwh : all-in power price when not reported [USD/MWh] (the capital metrics'
        default, so both modules value the same fleet the same way)
    equity_beta : share's log-return sensitivity to BTC [-] (miners' equities typically 1.2-2)
    equity_idio_sd_annual : idiosyncratic share volatility [1/sqrt(year)]
    conversion_premium_frac : premium of the conversion price over the share price at issue, used to
        infer a share price from the latest convertible: 0.325 is the median premium of the 27
        convertibles with a stated premium in the shared ``miners/debt_instruments.csv`` (2021-2025)
    other_opex_usd_per_th_month : non-power cash costs (SG&A, site, staff) per TH/s [USD/TH/month]
    cash_usd : cash when not reported [USD] (0: conservative)
    unknown_coupon_frac : coupon of a debt instrument whose rate is not disclosed [1/year]
    unknown_maturity_months : months to maturity when not disclosed [months]
    asic_loan_term_months : amortisation term of an ASIC loan when unknown [months]
    asic_loan_origination_ltv_frac : LTV at which ASIC loans are assumed written [-]
    asic_loan_max_ltv_frac : ASIC-loan covenant [-]
    btc_loan_ltv_frac : BTC-loan LTV when not disclosed [-]
    """

    efficiency_j_per_th: float = 20.0
    power_price_usd_per_mwh: float = 45.0
    equity_beta: float = 1.5
    equity_idio_sd_annual: float = 0.5
    conversion_premium_frac: float = 0.325
    other_opex_usd_per_th_month: float = 0.25
    cash_usd: float = 0.0
    unknown_coupon_frac: float = 0.08
    unknown_maturity_months: int = 36
    asic_loan_term_months: int = 24
    asic_loan_origination_ltv_frac: float = 0.7
    asic_loan_max_ltv_frac: float = 0.8
    btc_loan_ltv_frac: float = 0.5


@dataclass(frozen=True, slots=True)
class CapitalAdaptation:
    """The engine input built from a capital record and the list of gaps filled by assumption."""

    input: CompanyRiskInput
    assumed: tuple[str, ...]


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``, rounded up, at least 1 [months]."""
    days = (end - start).days
    return max(1, math.ceil(days / 30.4375))


def _metric(company: Company, name: str, at: date) -> float | None:
    v = company.metric_value(name, at)
    if v is None:
        v = company.metric_value(name)  # an undated observation is better than none; it is still reported
    return v


def adapt_capital(company: Company, at: date, market: MarketParams,
                  assumptions: StressAssumptions | None = None,
                  overrides: Mapping[str, Any] | None = None) -> CapitalAdaptation:
    """Build a :class:`CompanyRiskInput` for ``company`` as of ``at``.

    Parameters
    ----------
    company : capital record (e.g. from :func:`hashstack.capital.load_public_miners`)
    at : as-of date: month 1 of the stress starts after it
    market : the scenario parameters: the month-0 BTC price sizes BTC-loan collateral, the month-0 ASIC
        price (for the company's efficiency tier) sizes ASIC-loan collateral
    assumptions : values for gaps; defaults to :class:`StressAssumptions()`
    overrides : :class:`CompanyRiskInput` fields to set directly (e.g. ``{"share_price_usd": 12.0}``)

    Raises
    ------
    InputError
        No hash rate or share count is known (and none given in ``overrides``), or no share price can
        be inferred: the error names the missing field.
    """
    a = assumptions or StressAssumptions()
    btc_price_usd = market.btc_price0_usd
    ov = dict(overrides or {})
    assumed: list[str] = []
    t = company.ticker

    def need(field: str, value: float | None, how: str) -> float:
        if field in ov:
            return float(ov.pop(field))
        if value is None:
            raise InputError(f"{t}: no {how} in the capital records; pass overrides={{'{field}': ...}} or a "
                             "company file with that metric")
        return value

    hashrate = need("hashrate_ths", _metric(company, "hashrate_ths", at), "hashrate_ths metric")
    shares = need("shares_outstanding", _metric(company, "shares_outstanding", at), "shares_outstanding metric")
    eff = _metric(company, "fleet_efficiency_j_per_th", at)
    if eff is None and "efficiency_j_per_th" not in ov:
        eff = a.efficiency_j_per_th
        assumed.append(f"efficiency_j_per_th = {eff:g} (not reported)")
    power = _metric(company, "power_price_usd_per_mwh", at)
    if power is None and "power_price_usd_per_mwh" not in ov:
        power = a.power_price_usd_per_mwh
        assumed.append(f"power_price_usd_per_mwh = {power:g} (not reported)")
    cash = _metric(company, "cash_usd", at)
    if cash is None and "cash_usd" not in ov:
        cash = a.cash_usd
        assumed.append(f"cash_usd = {cash:g} (not reported)")
    asic_price_usd_per_th = asic_price_for_efficiency_usd_per_th(
        market.asic_price0_usd_per_th, market.asic_reference_efficiency_j_per_th,
        float(ov.get("efficiency_j_per_th", eff or a.efficiency_j_per_th)))
    btc = _metric(company, "btc_held_btc", at)
    if btc is None:
        usd = _metric(company, "btc_held_usd", at)
        btc = usd / btc_price_usd if usd is not None else 0.0
        if usd is None:
            assumed.append("btc_held = 0 (not reported)")

    live = [i for i in company.outstanding(at) if (i.amount_usd(at) or 0) > 0]
    unknown_amount = [i.id for i in company.outstanding(at) if i.amount_usd(at) is None]
    if unknown_amount:
        assumed.append(f"left out (amount unknown): {', '.join(unknown_amount)}")

    share_price = ov.pop("share_price_usd", None)
    if share_price is None:
        convs = [i for i in company.instruments if i.instrument_type is InstrumentType.CONVERTIBLE
                 and i.conversion_price_usd and i.start_date is not None and i.start_date <= at]
        if not convs:
            raise InputError(f"{t}: no share price: none given and no convertible to infer it from; pass "
                             "overrides={'share_price_usd': ...}")
        latest = max(convs, key=lambda i: i.start_date or date.min)
        share_price = float(latest.conversion_price_usd or 0) / (1 + a.conversion_premium_frac)
        assumed.append(f"share_price_usd = {share_price:.2f} (conversion price of {latest.id} / "
                       f"{1 + a.conversion_premium_frac:g}, issued {latest.start_date})")
    assumed.append(f"equity_beta = {a.equity_beta:g}, equity_idio_sd_annual = {a.equity_idio_sd_annual:g}")
    assumed.append(f"other_opex_usd_per_month = {a.other_opex_usd_per_th_month:g} USD/TH/month x hash rate")
    if not any(k in ov for k in ("hashrate_growth_ths_per_month", "ai_revenue_usd_per_month")):
        assumed.append("no growth plan and no AI/HPC revenue (not in the records; set them with overrides)")

    asic: list[AsicLoan] = []
    btcl: list[BtcLoan] = []
    conv: list[ConvertibleNote] = []
    term: list[TermDebt] = []
    pledged = 0.0
    for ins in live:
        amount = float(ins.amount_usd(at) or 0.0)
        maturity = months_between(at, ins.maturity_date) if ins.maturity_date else None
        rate = ins.coupon_frac
        if rate is None:
            rate = a.unknown_coupon_frac
            assumed.append(f"{ins.id}: rate {rate:g} (not disclosed)")
        if maturity is None and ins.instrument_type is not InstrumentType.ASIC_LOAN:
            maturity = a.unknown_maturity_months
            assumed.append(f"{ins.id}: maturity in {maturity} months (not disclosed)")
        kind = ins.instrument_type
        if kind is InstrumentType.CONVERTIBLE:
            cp = ins.conversion_price_usd
            if cp is None:
                cp = share_price * (1 + a.conversion_premium_frac)
                assumed.append(f"{ins.id}: conversion price {cp:.2f} (not disclosed)")
            puts = [months_between(at, d) for d in ins.holder_put_dates if d > at]
            conv.append(ConvertibleNote(amount, rate, int(maturity or 0), float(cp), puts[0] if puts else None,
                                        name=ins.id))
        elif kind is InstrumentType.ASIC_LOAN:
            term_m = ins.amortisation_months or maturity or a.asic_loan_term_months
            if not (ins.amortisation_months or maturity):
                assumed.append(f"{ins.id}: amortises over {term_m} months (term not disclosed)")
            coll = min(amount / (a.asic_loan_origination_ltv_frac * asic_price_usd_per_th), hashrate - pledged)
            pledged += coll
            assumed.append(f"{ins.id}: pledges {coll / 1e6:.2f} EH/s (principal at "
                           f"{a.asic_loan_origination_ltv_frac:g} LTV), covenant {a.asic_loan_max_ltv_frac:g}")
            asic.append(AsicLoan(amount, rate, int(term_m), coll, a.asic_loan_max_ltv_frac, name=ins.id))
        elif kind is InstrumentType.BTC_LOAN:
            ltv = ins.ltv_frac or a.btc_loan_ltv_frac
            if ins.ltv_frac is None:
                assumed.append(f"{ins.id}: LTV {ltv:g} (not disclosed)")
            mc = ins.margin_call_ltv_frac or max(0.75, ltv)
            liq = ins.liquidation_ltv_frac or max(0.9, mc)
            btcl.append(BtcLoan(amount, rate, int(maturity or 0), amount / (ltv * btc_price_usd),
                                margin_call_ltv_frac=mc, liquidation_ltv_frac=liq, reset_ltv_frac=min(ltv, mc),
                                name=ins.id))
        elif ins.collateral is Collateral.DATA_CENTRE or "project" in ins.type_detail.lower():
            assumed.append(f"{ins.id}: left out (project debt secured by a data centre, serviced by its lease)")
        else:
            amort = 0.0
            if ins.amortisation is Amortisation.AMORTISING and ins.amortisation_months:
                amort = amount / ins.amortisation_months
            term.append(TermDebt(amount, rate, int(maturity or 0), amort, name=ins.id))

    base: dict[str, Any] = dict(
        ticker=t, hashrate_ths=hashrate, efficiency_j_per_th=eff, power_price_usd_per_mwh=power,
        shares_outstanding=shares, share_price_usd=share_price, cash_usd=cash, btc_held=btc,
        equity_beta=a.equity_beta, equity_idio_sd_annual=a.equity_idio_sd_annual,
        other_opex_usd_per_month=a.other_opex_usd_per_th_month * hashrate,
        asic_loans=tuple(asic), btc_loans=tuple(btcl), convertibles=tuple(conv), term_debts=tuple(term))
    unknown = set(ov) - set(CompanyRiskInput.__dataclass_fields__)
    if unknown:
        raise InputError(f"{t}: unknown override(s) {sorted(unknown)}")
    base.update(ov)
    return CapitalAdaptation(CompanyRiskInput(**base), tuple(assumed))


def from_capital(company: Company, at: date, market: MarketParams,
                 assumptions: StressAssumptions | None = None,
                 overrides: Mapping[str, Any] | None = None) -> CompanyRiskInput:
    """The engine input for ``company`` (see :func:`adapt_capital`, which also lists the assumptions)."""
    return adapt_capital(company, at, market, assumptions, overrides).input


def is_instrument_modelled(ins: Instrument) -> bool:
    """Whether :func:`adapt_capital` puts ``ins`` into the waterfall (project/data-centre debt is left out)."""
    return not (ins.instrument_type not in (InstrumentType.CONVERTIBLE, InstrumentType.ASIC_LOAN,
                                            InstrumentType.BTC_LOAN)
                and (ins.collateral is Collateral.DATA_CENTRE or "project" in ins.type_detail.lower()))
