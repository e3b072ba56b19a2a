"""Records the stress engine runs on: a compact company input, its instruments by type, what-ifs.

:class:`CompanyRiskInput` is deliberately small and array-friendly (one number per economic quantity,
one tuple per instrument type); :func:`hashstack.risk.adapters.from_capital` builds it from the richer
records of :mod:`hashstack.capital`.  Month numbers count from the start of the run (month 1 is the
first simulated month).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields, replace

from hashstack.errors import InputError


def _check_nonneg(obj: object, *names: str) -> None:
    for name in names:
        v = getattr(obj, name)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise InputError(f"{type(obj).__name__}.{name} must be a finite number >= 0, got {v!r}")


def _check_month(obj: object, name: str) -> None:
    v = getattr(obj, name)
    if not (isinstance(v, numbers.Integral) and int(v) >= 1):
        raise InputError(f"{type(obj).__name__}.{name} must be a month number >= 1, got {v!r}")


@dataclass(frozen=True, slots=True)
class AsicLoan:
    """Equipment loan secured by ASICs, amortising linearly.

    Attributes
    ----------
    principal_usd : balance at month 0 [USD]
    rate_annual_frac : interest rate [1/year]
    term_months : months to full amortisation (equal principal instalments) [months]
    collateral_hashrate_ths : hash rate pledged; repossession removes it [TH/s]
    max_ltv_frac : covenant: balance / collateral value above this must be cured with cash or the
        lender repossesses the collateral [-]
    name : label
    """

    principal_usd: float
    rate_annual_frac: float
    term_months: int
    collateral_hashrate_ths: float
    max_ltv_frac: float = 0.8
    name: str = "asic loan"

    def __post_init__(self) -> None:
        _check_nonneg(self, "principal_usd", "rate_annual_frac", "collateral_hashrate_ths", "max_ltv_frac")
        if self.term_months < 1:
            raise InputError(f"AsicLoan.term_months must be >= 1, got {self.term_months}")


@dataclass(frozen=True, slots=True)
class BtcLoan:
    """Loan secured by pledged bitcoin with margin call and liquidation thresholds.

    Attributes
    ----------
    principal_usd : balance [USD]
    rate_annual_frac : interest rate [1/year]
    maturity_month : month the bullet falls due (beyond the horizon: never within the run) [months]
    collateral_btc : BTC pledged at month 0 [BTC]
    margin_call_ltv_frac : loan / collateral value above which collateral must be topped up [-]
    liquidation_ltv_frac : above which the lender sells the collateral [-]
    reset_ltv_frac : LTV restored after a margin call [-]
    name : label
    """

    principal_usd: float
    rate_annual_frac: float
    maturity_month: int
    collateral_btc: float
    margin_call_ltv_frac: float = 0.75
    liquidation_ltv_frac: float = 0.9
    reset_ltv_frac: float = 0.5
    name: str = "btc loan"

    def __post_init__(self) -> None:
        _check_nonneg(self, "principal_usd", "rate_annual_frac", "collateral_btc")
        _check_month(self, "maturity_month")
        if not 0 < self.reset_ltv_frac <= self.margin_call_ltv_frac <= self.liquidation_ltv_frac:
            raise InputError("BtcLoan needs 0 < reset_ltv_frac <= margin_call_ltv_frac <= liquidation_ltv_frac")


@dataclass(frozen=True, slots=True)
class ConvertibleNote:
    """Convertible senior note: converts at maturity when the share price exceeds the conversion price.

    Attributes
    ----------
    principal_usd : outstanding principal [USD]
    coupon_annual_frac : coupon [1/year]
    maturity_month : month it matures [months]
    conversion_price_usd : conversion price per share [USD]
    put_month : holder put date, ``None`` if none; holders put when the share price is below the
        conversion price [months]
    name : label
    """

    principal_usd: float
    coupon_annual_frac: float
    maturity_month: int
    conversion_price_usd: float
    put_month: int | None = None
    name: str = "convertible"

    def __post_init__(self) -> None:
        _check_nonneg(self, "principal_usd", "coupon_annual_frac")
        _check_month(self, "maturity_month")
        if self.put_month is not None:
            _check_month(self, "put_month")
        if not self.conversion_price_usd > 0:
            raise InputError(f"ConvertibleNote.conversion_price_usd must be > 0, got {self.conversion_price_usd}")


@dataclass(frozen=True, slots=True)
class TermDebt:
    """Other debt (senior secured or unsecured notes, credit facilities, leases): amortising plus bullet.

    Attributes
    ----------
    principal_usd : balance [USD]
    rate_annual_frac : interest rate [1/year]
    maturity_month : month the remaining balance falls due [months]
    amortisation_usd_per_month : scheduled principal per month before maturity [USD/month]
    name : label
    """

    principal_usd: float
    rate_annual_frac: float
    maturity_month: int
    amortisation_usd_per_month: float = 0.0
    name: str = "term debt"

    def __post_init__(self) -> None:
        _check_nonneg(self, "principal_usd", "rate_annual_frac", "amortisation_usd_per_month")
        _check_month(self, "maturity_month")


@dataclass(frozen=True, slots=True)
class CompanyRiskInput:
    """One company as the stress engine sees it.

    Attributes
    ----------
    ticker : identifier (also keys the company's random stream)
    hashrate_ths : active self-mining hash rate at month 0 [TH/s]
    efficiency_j_per_th : fleet efficiency [J/TH]
    power_price_usd_per_mwh : all-in contract power price [USD/MWh]
    shares_outstanding : shares at month 0 [shares]
    share_price_usd : share price at month 0 [USD]
    cash_usd : unrestricted cash [USD]
    btc_held : unencumbered treasury BTC [BTC] (BTC pledged to loans sits in :class:`BtcLoan`)
    equity_beta : sensitivity of the share's log return to BTC's [-]
    equity_idio_sd_annual : idiosyncratic volatility of the share [1/sqrt(year)]
    uptime_frac : share of the month the fleet hashes [-]
    power_price_exposure_frac : share of power bought at the market factor (rest fixed) [-]
    pool_fee_frac : pool fee [-]
    other_opex_usd_per_month : SG&A, hosting and other cash costs [USD/month]
    min_cash_usd : cash floor; falling below it needs funding [USD]
    hashrate_growth_ths_per_month, growth_months : growth plan, bought at the market ASIC price when
        cash allows (otherwise that month's purchase is skipped) [TH/s/month], [months]
    ai_revenue_usd_per_month : AI/HPC contribution (revenue less its costs) at full ramp [USD/month]
    ai_ramp_months : linear ramp to full revenue [months]
    ai_success_prob : probability the AI/HPC project executes (per path); otherwise no AI revenue [-]
    ai_capex_usd_per_month, ai_capex_months : AI/HPC build-out spending [USD/month], [months]
    rig_efficiency_j_per_th : rated efficiency of the rigs, which prices them as collateral; ``None``
        means ``efficiency_j_per_th`` (what-ifs lower the operating J/TH, not the rigs' tier) [J/TH]
    asic_loans, btc_loans, convertibles, term_debts : the capital stack by instrument type
    """

    ticker: str
    hashrate_ths: float
    efficiency_j_per_th: float
    power_price_usd_per_mwh: float
    shares_outstanding: float
    share_price_usd: float
    cash_usd: float = 0.0
    btc_held: float = 0.0
    equity_beta: float = 1.5
    equity_idio_sd_annual: float = 0.5
    uptime_frac: float = 0.95
    power_price_exposure_frac: float = 0.5
    pool_fee_frac: float = 0.01
    other_opex_usd_per_month: float = 0.0
    min_cash_usd: float = 0.0
    hashrate_growth_ths_per_month: float = 0.0
    growth_months: int = 0
    ai_revenue_usd_per_month: float = 0.0
    ai_ramp_months: int = 12
    ai_success_prob: float = 1.0
    ai_capex_usd_per_month: float = 0.0
    ai_capex_months: int = 0
    rig_efficiency_j_per_th: float | None = None
    asic_loans: tuple[AsicLoan, ...] = field(default=())
    btc_loans: tuple[BtcLoan, ...] = field(default=())
    convertibles: tuple[ConvertibleNote, ...] = field(default=())
    term_debts: tuple[TermDebt, ...] = field(default=())

    def __post_init__(self) -> None:
        _check_nonneg(self, "hashrate_ths", "power_price_usd_per_mwh", "cash_usd", "btc_held",
                      "equity_idio_sd_annual", "other_opex_usd_per_month", "min_cash_usd",
                      "hashrate_growth_ths_per_month", "ai_revenue_usd_per_month", "ai_capex_usd_per_month")
        for name in ("efficiency_j_per_th", "shares_outstanding", "share_price_usd"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"{self.ticker}: {name} must be > 0, got {v!r}")
        for name in ("uptime_frac", "power_price_exposure_frac", "pool_fee_frac", "ai_success_prob"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"{self.ticker}: {name} must lie in [0, 1], got {v!r}")
        if self.ai_ramp_months < 1:
            raise InputError(f"{self.ticker}: ai_ramp_months must be >= 1")
        pledged = sum(a.collateral_hashrate_ths for a in self.asic_loans)
        if pledged > self.hashrate_ths * (1 + 1e-9):
            raise InputError(f"{self.ticker}: ASIC loans pledge {pledged:g} TH/s, more than the fleet's "
                             f"{self.hashrate_ths:g} TH/s")

    @property
    def collateral_efficiency_j_per_th(self) -> float:
        """Efficiency that sets the rigs' market price [J/TH]."""
        return self.rig_efficiency_j_per_th or self.efficiency_j_per_th

    @property
    def debt_usd(self) -> float:
        """Total debt at month 0 [USD]."""
        return float(sum(i.principal_usd for group in (self.asic_loans, self.btc_loans, self.convertibles,
                                                       self.term_debts) for i in group))

    def describe(self) -> dict[str, object]:
        """Scalar fields plus instrument counts, for printing."""
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)
                                  if f.name not in ("asic_loans", "btc_loans", "convertibles", "term_debts")}
        out.update(n_asic_loans=len(self.asic_loans), n_btc_loans=len(self.btc_loans),
                   n_convertibles=len(self.convertibles), n_term_debts=len(self.term_debts),
                   debt_usd=self.debt_usd)
        return out


@dataclass(frozen=True, slots=True)
class OperationsWhatIf:
    """Operational improvements (what the AI/operations issues deliver) applied to a company.

    Attributes
    ----------
    efficiency_gain_frac : fall in J/TH (e.g. 0.1 = 10 % less energy per TH) [-]
    downtime_reduction_frac : share of downtime removed (uptime 0.95 -> 0.975 at 0.5) [-]
    energy_cost_cut_frac : fall in the all-in power price [-]
    """

    efficiency_gain_frac: float = 0.0
    downtime_reduction_frac: float = 0.0
    energy_cost_cut_frac: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not 0.0 <= v < 1.0:
                raise InputError(f"OperationsWhatIf.{f.name} must lie in [0, 1), got {v!r}")


def apply_what_if(company: CompanyRiskInput, what_if: OperationsWhatIf) -> CompanyRiskInput:
    """The company with the operational improvements applied to its cash-flow inputs.

    Efficiency lowers energy per TH (the machines, hence the ASIC collateral, are unchanged); downtime
    reduction raises uptime; the energy cut lowers the contract power price.
    """
    downtime = 1.0 - company.uptime_frac
    return replace(
        company,
        rig_efficiency_j_per_th=company.collateral_efficiency_j_per_th,
        efficiency_j_per_th=company.efficiency_j_per_th * (1.0 - what_if.efficiency_gain_frac),
        uptime_frac=1.0 - downtime * (1.0 - what_if.downtime_reduction_frac),
        power_price_usd_per_mwh=company.power_price_usd_per_mwh * (1.0 - what_if.energy_cost_cut_frac),
    )


def asic_lien_stack(company: CompanyRiskInput, asic_price_usd_per_th: float, rate_annual_frac: float = 0.12,
                    term_months: int = 36, max_ltv_frac: float = 0.8,
                    covenant_headroom: float = 1.25) -> CompanyRiskInput:
    """The same company financed 2021-style: its convertibles and other debt replaced by ASIC loans.

    The principal of every convertible and term debt becomes equipment loans of the same total,
    amortising over ``term_months`` at ``rate_annual_frac`` and secured by the fleet not yet pledged
    (collateral shared pro rata to principal); existing ASIC and BTC loans stay.  The LTV covenant is
    ``max_ltv_frac``, or ``covenant_headroom`` x the origination LTV when the debt already exceeds that
    share of the fleet's market value (as with most 2025 convertible stacks: a 2021 lender wrote against
    2021 rig prices, with the covenant above the origination LTV).  The 2021-22 equipment loans of NYDIG,
    BlockFi, Celsius, Anchorage and others to Core Scientific, Greenidge, Stronghold and Argo ran 12-36
    months at roughly 10-15 % (see the shared ``miners/debt_instruments.csv``).

    Parameters
    ----------
    company : the company as it is financed
    asic_price_usd_per_th : market price of the company's rigs at month 0 [USD/TH]
    rate_annual_frac : equipment-loan rate [1/year]
    term_months : amortisation term [months]
    max_ltv_frac : covenant LTV [-]
    covenant_headroom : covenant as a multiple of the origination LTV when that is higher [-]
    """
    if not asic_price_usd_per_th > 0:
        raise InputError(f"asic_price_usd_per_th must be > 0, got {asic_price_usd_per_th}")
    moved = [c.principal_usd for c in company.convertibles] + [d.principal_usd for d in company.term_debts]
    total = float(sum(moved))
    if total <= 0:
        return replace(company, convertibles=(), term_debts=())
    pledged = sum(a.collateral_hashrate_ths for a in company.asic_loans)
    free_ths = max(company.hashrate_ths - pledged, 0.0)
    if free_ths <= 0:
        raise InputError(f"{company.ticker}: no unpledged hash rate left to secure an ASIC-lien stack")
    ltv0 = total / (free_ths * asic_price_usd_per_th)
    covenant = max(max_ltv_frac, ltv0 * covenant_headroom)
    new = tuple(
        AsicLoan(principal_usd=p, rate_annual_frac=rate_annual_frac, term_months=term_months,
                 collateral_hashrate_ths=free_ths * p / total, max_ltv_frac=covenant,
                 name=f"asic lien {i + 1}")
        for i, p in enumerate(moved) if p > 0)
    return replace(company, asic_loans=company.asic_loans + new, convertibles=(), term_debts=())
