"""A company's monthly cash-flow waterfall over many market paths at once (pure, vectorised).

For each month ``m = 1..n_months`` and every path at once (arrays of shape ``(n_paths,)``):

1. **Growth plan**: buy ``g`` TH/s at the market ASIC price for the company's tier if cash stays above the
   floor (otherwise that month's purchase is skipped).
2. **Operations**: mining margin ``max(0, hashprice * days * (1 - pool fee) - power cost per TH) * H``
   (rigs losing money on power are switched off for the month), with revenue ``H * u * hashprice * days
   * (1 - pool fee)`` and power
   ``H * u * J/TH * hours / 1e6 * price * (1 - x + x * factor)`` [MWh x USD/MWh]; other cash costs;
   AI/HPC contribution ``R * min(1, m / ramp)`` on paths where the project executes; AI/HPC capex.
3. **Debt service**: interest on every balance, ASIC-loan instalments, scheduled amortisation.
4. **BTC loans**: at maturity repay (collateral returns to the treasury).  LTV above the margin-call
   threshold: top up from treasury BTC towards the reset LTV; if the LTV is then still above the
   liquidation threshold the lender sells the pledged BTC (any deficiency is owed in cash), otherwise
   the rest of the gap to the reset LTV is paid down in cash.
5. **ASIC loans**: collateral marked to the ASIC price; LTV above the covenant is cured with cash if
   cash allows, otherwise the lender **repossesses** the pledged rigs: the hash rate is gone, the rigs
   settle their market value and the deficiency falls due at once as an unsecured claim (recourse; a
   policy switch waives it).
6. **Convertibles**: at a put date holders put when the share price is below the conversion price; at
   maturity the note **converts** when the share price is above the conversion price (new shares =
   principal / conversion price), otherwise it is repaid.  Term debt and refinanced debt: bullet at
   maturity.
7. **Funding** of any cash below the floor, in order: sell treasury BTC; **refinance** principal due
   this month (when market cap >= k x amount; a new term loan at the refinancing rate); **issue shares**
   (up to a share of market cap per month, at a discount; market cap here is ``S_t x shares_0``, since
   the exogenous share price does not react to the company's own issuance); else **default** (absorbing; outputs are
   frozen at the month of default).  Default means failing to pay a creditor: a company with no debt
   left that cannot fund its costs is assumed to cut them (idle the fleet, lay off) and does not default.

The share price is ``S0 * exp(beta * log(P_t / P_0) + e_t)`` with ``e_t`` a random walk of monthly s.d.
``sigma_idio / sqrt(12)``, the market model of equity returns.

References
----------
Sharpe, W. F. (1963). A simplified model for portfolio analysis. Management Science 9(2) (single-index
    model behind the beta + idiosyncratic share price).
Hashrate Index / Luxor, "hashprice" definition (revenue per TH/s per day) used by the scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.risk.calibration import DAYS_PER_MONTH
from hashstack.risk.company import CompanyRiskInput
from hashstack.risk.scenarios import MarketScenarios, asic_price_for_efficiency_usd_per_th

HOURS_PER_MONTH = 24.0 * DAYS_PER_MONTH


@dataclass(frozen=True, slots=True)
class FundingPolicy:
    """How a company funds shortfalls and how the market prices its rigs.

    Attributes
    ----------
    equity_capacity_frac_per_month : shares issuable per month as a share of market cap [-]
    equity_discount_frac : discount to the share price on new shares [-]
    btc_sale_haircut_frac : slippage on selling treasury BTC [-]
    refinance_min_market_cap_multiple : refinancing needs market cap >= this x the amount [-]
    refinance_rate_annual_frac : rate of refinanced debt [1/year]
    refinance_term_months : term of refinanced debt [months]
    asic_tier_exponent : gamma in :func:`asic_price_for_efficiency_usd_per_th` [-]
    repossession_recourse : after a repossession the loan balance above the rigs' market value stays
        owed (recourse, the usual case for equipment loans) and falls due at once; ``False`` waives it
    """

    equity_capacity_frac_per_month: float = 0.2
    equity_discount_frac: float = 0.1
    btc_sale_haircut_frac: float = 0.01
    refinance_min_market_cap_multiple: float = 3.0
    refinance_rate_annual_frac: float = 0.12
    refinance_term_months: int = 48
    asic_tier_exponent: float = 1.0
    repossession_recourse: bool = True

    def __post_init__(self) -> None:
        if not (0 <= self.equity_capacity_frac_per_month and 0 <= self.equity_discount_frac < 1
                and 0 <= self.btc_sale_haircut_frac < 1 and self.refinance_term_months >= 1):
            raise InputError("FundingPolicy: capacity >= 0, discount and haircut in [0, 1), term >= 1")


@dataclass(frozen=True, slots=True)
class CompanyPaths:
    """Per-path outcomes of one company.

    Attributes
    ----------
    ticker : company
    snapshot_months : months at which ``dilution_frac`` and ``hashrate_debt_ratio`` are recorded
    default_month : month of default, 0 if none, shape ``(n_paths,)`` int16
    repossession_month : month of the first repossession, 0 if none, ``(n_paths,)`` int16
    shortfall_month : first month that needed outside funding (BTC sale, refinancing, shares), 0 if none:
        the cash runway, ``(n_paths,)`` int16
    liquidation_month : month a lender first sold pledged BTC, 0 if never, ``(n_paths,)`` int16
    dilution_frac : ``1 - shares_0 / shares_t`` [-], ``(n_paths, n_snapshots)`` float32
    hashrate_debt_ratio : total debt / market value of active hash power [-], inf with no hash power,
        ``(n_paths, n_snapshots)`` float32
    repossessed_hashrate_frac : share of month-0 hash rate repossessed by the horizon [-], ``(n_paths,)``
    """

    ticker: str
    snapshot_months: tuple[int, ...]
    default_month: npt.NDArray[np.int16]
    repossession_month: npt.NDArray[np.int16]
    shortfall_month: npt.NDArray[np.int16]
    liquidation_month: npt.NDArray[np.int16]
    dilution_frac: npt.NDArray[np.float32]
    hashrate_debt_ratio: npt.NDArray[np.float32]
    repossessed_hashrate_frac: npt.NDArray[np.float32]


def snapshot_months_for(n_months: int) -> tuple[int, ...]:
    """Year ends within the horizon plus the last month."""
    months = list(range(12, n_months + 1, 12))
    if not months or months[-1] != n_months:
        months.append(n_months)
    return tuple(months)


def simulate_company(company: CompanyRiskInput, market: MarketScenarios, rng: np.random.Generator,
                     policy: FundingPolicy | None = None,
                     dtype: type[np.floating] = np.float32) -> CompanyPaths:
    """Run the waterfall of ``company`` on every path of ``market``.

    Parameters
    ----------
    company : the company and its capital stack
    market : scenarios, arrays ``(n_paths, n_months)``
    rng : source of the company's own randomness (share-price noise, AI/HPC execution)
    policy : funding policy; defaults to :class:`FundingPolicy()`
    dtype : float type of the state (float32 by default: USD to 7 significant digits is ample here)

    Returns
    -------
    CompanyPaths
    """
    pol = policy or FundingPolicy()
    c = company
    n, n_months = market.shape
    ft = np.dtype(dtype).type
    snaps = snapshot_months_for(n_months)
    snap_index = {m: k for k, m in enumerate(snaps)}

    # the company's random draws, in a fixed order (reproducible whatever the parameters)
    idio = rng.standard_normal((n_months, n), dtype=np.float32)  # month-major: idio[t] is contiguous
    ai_u = rng.random(n, dtype=np.float32)
    idio *= np.float32(c.equity_idio_sd_annual / np.sqrt(12.0))
    np.cumsum(idio, axis=0, out=idio)
    ai_ok = (ai_u < c.ai_success_prob).astype(ft)

    tier = float(asic_price_for_efficiency_usd_per_th(1.0, market.asic_reference_efficiency_j_per_th,
                                                      c.collateral_efficiency_j_per_th, pol.asic_tier_exponent))
    s0, beta = float(c.share_price_usd), float(c.equity_beta)
    shares0 = float(c.shares_outstanding)
    rev_per_th = float(c.uptime_frac * DAYS_PER_MONTH * (1.0 - c.pool_fee_frac))  # x hashprice
    mwh_per_th = float(c.uptime_frac * c.efficiency_j_per_th * HOURS_PER_MONTH / 1e6)
    p_fixed = float(c.power_price_usd_per_mwh * (1.0 - c.power_price_exposure_frac))
    p_var = float(c.power_price_usd_per_mwh * c.power_price_exposure_frac)
    min_cash = float(c.min_cash_usd)

    cash = np.full(n, c.cash_usd, dtype=ft)
    btc = np.full(n, c.btc_held, dtype=ft)
    shares = np.full(n, shares0, dtype=ft)
    h_owned = np.full(n, c.hashrate_ths, dtype=ft)
    lost = np.zeros(n, dtype=ft)
    alive = np.ones(n, dtype=bool)
    default_month = np.zeros(n, dtype=np.int16)
    repo_month = np.zeros(n, dtype=np.int16)
    short_month = np.zeros(n, dtype=np.int16)
    liq_month = np.zeros(n, dtype=np.int16)
    dil = np.zeros((n, len(snaps)), dtype=np.float32)
    hdr = np.zeros((n, len(snaps)), dtype=np.float32)
    dil_at_def = np.zeros(n, dtype=np.float32)
    hdr_at_def = np.zeros(n, dtype=np.float32)

    asic = [(np.full(n, a.principal_usd, dtype=ft), a) for a in c.asic_loans]
    btcl = [(np.full(n, b.principal_usd, dtype=ft), np.full(n, b.collateral_btc, dtype=ft), b)
            for b in c.btc_loans]
    conv = [(np.full(n, v.principal_usd, dtype=ft), v) for v in c.convertibles]
    term = [(np.full(n, d.principal_usd, dtype=ft), d) for d in c.term_debts]
    refi_bal = np.zeros(n, dtype=ft)
    refi_due = np.zeros(n, dtype=np.int16)
    refi_rate_m = float(pol.refinance_rate_annual_frac / 12.0)
    all_short_seen = False  # every path has had its first shortfall: stop tracking
    interest = np.zeros(n, dtype=ft)  # monthly interest on BTC loans, convertibles, bullet and refinanced debt
    stale = True  # those balances changed since ``interest`` was summed
    btc_left = c.btc_held > 0 or bool(c.btc_loans)  # treasury BTC can exist (held, or returned collateral)
    zeros = np.zeros(n, dtype=ft)

    def debt_ratio(asic_px: npt.NDArray[np.floating], idx: npt.NDArray[np.intp] | None = None
                   ) -> npt.NDArray[np.float32]:
        """Total debt / market value of active hash power (of paths ``idx``); 0 when there is no debt."""
        if idx is not None:
            debt = refi_bal[idx].copy()
            for bal in [b for b, _ in asic] + [b for b, _c, _ in btcl] + [b for b, _ in conv] + [b for b, _ in term]:
                debt += bal[idx]
            value = np.maximum(h_owned[idx] - lost[idx], 0) * asic_px[idx] * ft(tier)
            return np.where(debt > 0, debt / value, 0).astype(np.float32)
        debt = total_debt()
        value = np.maximum(h_owned - lost, 0) * asic_px * ft(tier)
        ratio = np.where(debt > 0, debt / value, 0)
        return ratio.astype(np.float32)

    def total_debt() -> npt.NDArray[np.floating]:
        debt = refi_bal.copy()
        for bal, _ in asic:
            debt += bal
        for bal, _coll, _ in btcl:
            debt += bal
        for bal, _ in conv:
            debt += bal
        for bal, _ in term:
            debt += bal
        return debt

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for t in range(n_months):
            m = t + 1
            price = market.btc_price_usd[:, t]
            asic_px = market.asic_price_usd_per_th[:, t]
            s_cache: list[npt.NDArray[np.floating]] = []

            def share_price(t: int = t, s_cache: list[npt.NDArray[np.floating]] = s_cache
                            ) -> npt.NDArray[np.floating]:
                if not s_cache:
                    x = market.btc_log_price_rel[:, t] * ft(beta)
                    x += idio[t]
                    np.exp(x, out=x)
                    x *= ft(s0)
                    s_cache.append(x.astype(ft, copy=False))
                return s_cache[0]

            # 1. growth plan
            if m <= c.growth_months and c.hashrate_growth_ths_per_month > 0:
                capex = asic_px * ft(c.hashrate_growth_ths_per_month * tier)
                ok = (cash - capex) >= min_cash
                cash -= np.where(ok, capex, zeros)
                h_owned += ok.astype(ft) * ft(c.hashrate_growth_ths_per_month)
            h_active = h_owned - lost

            # 2. operations
            flow = market.hashprice_usd_per_th_day[:, t] * ft(rev_per_th)
            power_price = market.power_price_factor[:, t] * ft(p_var)
            power_price += ft(p_fixed)
            flow -= power_price * ft(mwh_per_th)
            np.maximum(flow, 0, out=flow)  # rigs that lose money on power are switched off that month
            flow *= h_active
            if c.ai_revenue_usd_per_month > 0:
                flow += ai_ok * ft(c.ai_revenue_usd_per_month * min(1.0, m / c.ai_ramp_months))
            fixed_out = c.other_opex_usd_per_month + (c.ai_capex_usd_per_month if m <= c.ai_capex_months else 0.0)

            # 3. debt service
            claims: list[npt.NDArray[np.floating]] = []  # creditor payments that end a balance this month
            for bal, a in asic:
                flow -= bal * ft(a.rate_annual_frac / 12.0)
                pay = np.minimum(bal, ft(a.principal_usd / a.term_months))
                bal -= pay
                flow -= pay
                if m == a.term_months:
                    claims.append(pay)
            if stale:  # balances that change only on events: their interest is summed once per change
                interest[:] = 0
                for bal, _coll, b in btcl:
                    interest += bal * ft(b.rate_annual_frac / 12.0)
                for bal, v in conv:
                    interest += bal * ft(v.coupon_annual_frac / 12.0)
                for bal, d in term:
                    if d.amortisation_usd_per_month <= 0:
                        interest += bal * ft(d.rate_annual_frac / 12.0)
                interest += refi_bal * ft(refi_rate_m)
                stale = False
            flow -= interest
            for bal, d in term:
                if d.amortisation_usd_per_month > 0:
                    flow -= bal * ft(d.rate_annual_frac / 12.0)
                    if m < d.maturity_month:
                        pay = np.minimum(bal, ft(d.amortisation_usd_per_month))
                        bal -= pay
                        flow -= pay
            cash += flow
            cash -= ft(fixed_out)
            due = None  # principal falling due this month (refinanceable)

            # 4. BTC loans
            for bal, coll, b in btcl:
                if m == b.maturity_month:
                    cash -= bal
                    due = bal.copy() if due is None else due + bal
                    btc += coll
                    bal[:] = 0
                    coll[:] = 0
                    stale = True
                    continue
                call = bal > ft(b.margin_call_ltv_frac) * coll * price
                if call.any():
                    # margin call: top up from treasury BTC towards the reset LTV
                    need = bal / (ft(b.reset_ltv_frac) * price) - coll
                    top = np.where(call, np.clip(need, 0, btc), zeros)
                    btc -= top
                    coll += top
                    coll_value = coll * price
                    liq = bal > ft(b.liquidation_ltv_frac) * coll_value
                    if liq.any():
                        # still above the liquidation LTV: the lender sells the collateral
                        cash += np.where(liq, coll_value - bal, zeros)  # excess back, or deficiency owed
                        claims.append(np.where(liq, bal, zeros))
                        liq_month[liq & alive & (liq_month == 0)] = m
                        bal[liq] = 0
                        coll[liq] = 0
                        stale = True
                    # between the thresholds: pay the rest of the gap down in cash
                    gap = np.where(call & ~liq, np.maximum(bal - ft(b.reset_ltv_frac) * coll_value, 0), zeros)
                    bal -= gap
                    cash -= gap
                    claims.append(gap)
                    stale = True

            # 5. ASIC loan covenants (collateral marked to the ASIC price)
            for bal, a in asic:
                limit = asic_px * ft(a.max_ltv_frac * a.collateral_hashrate_ths * tier)
                breach = bal > limit
                if breach.any():
                    cure = np.where(breach, bal - limit, zeros)
                    can = (cash - cure) >= min_cash
                    cured = breach & can
                    cash -= np.where(cured, cure, zeros)
                    bal -= np.where(cured, cure, zeros)
                    repo = breach & ~can & alive  # a defaulted estate is frozen
                    if pol.repossession_recourse:
                        # the rigs settle their market value; the deficiency is owed at once, unsecured
                        deficiency = np.where(repo, np.maximum(bal - limit / ft(a.max_ltv_frac), 0), zeros)
                        cash -= deficiency
                        claims.append(deficiency)
                        due = deficiency if due is None else due + deficiency
                    bal[repo] = 0
                    lost += repo.astype(ft) * ft(a.collateral_hashrate_ths)
                    first = repo & alive & (repo_month == 0)
                    repo_month[first] = m

            # 6. convertibles, term debt, refinanced debt
            for bal, v in conv:
                if v.put_month is not None and m == v.put_month:
                    put = share_price() < ft(v.conversion_price_usd)
                    amount = np.where(put, bal, zeros)
                    cash -= amount
                    due = amount if due is None else due + amount
                    bal -= amount
                    stale = True
                if m == v.maturity_month:
                    converts = share_price() > ft(v.conversion_price_usd)
                    shares += np.where(converts, bal / ft(v.conversion_price_usd), zeros)
                    repay = np.where(converts, zeros, bal)
                    cash -= repay
                    due = repay if due is None else due + repay
                    bal[:] = 0
                    stale = True
            for bal, d in term:
                if m == d.maturity_month:
                    cash -= bal
                    due = bal.copy() if due is None else due + bal
                    bal[:] = 0
                    stale = True
            if refi_bal.any():
                falls = refi_due == m
                if falls.any():
                    amount = np.where(falls, refi_bal, zeros)
                    cash -= amount
                    due = amount if due is None else due + amount
                    refi_bal -= amount
                    stale = True

            # 7. funding of the shortfall
            short = ft(min_cash) - cash
            if (short > 0).any():
                np.maximum(short, 0, out=short)
                if not all_short_seen:
                    needs = (short > 0) & alive & (short_month == 0)
                    short_month[needs] = m
                    all_short_seen = bool(np.all(short_month > 0))
                if btc_left and np.any(btc > 0):
                    net_px = price * ft(1.0 - pol.btc_sale_haircut_frac)
                    sale = np.minimum(short, btc * net_px)
                    btc -= sale / net_px
                    cash += sale
                    short -= sale
                sp = share_price()
                # market access is sized on the original share count: the exogenous price does not react to
                # the company's own issuance, so counting new shares would let dilution buy more access
                mcap = sp * ft(shares0)
                if due is not None:
                    amount = np.minimum(short, due)
                    ok = mcap >= amount * ft(pol.refinance_min_market_cap_multiple)
                    refi = np.where(ok, amount, zeros)
                    refi_bal += refi
                    stale = True
                    refi_due[refi > 0] = m + pol.refinance_term_months
                    cash += refi
                    short -= refi
                if pol.equity_capacity_frac_per_month > 0:
                    issue = np.minimum(short, mcap * ft(pol.equity_capacity_frac_per_month))
                    shares += issue / (sp * ft(1.0 - pol.equity_discount_frac))
                    cash += issue
                    short -= issue
                unfunded = short > ft(1.0)  # funded amounts are subtracted exactly: 0 when funded
                if unfunded.any():
                    # with no debt there is no creditor to default to: costs are cut instead
                    debt_free = unfunded & (total_debt() <= 0)
                    for owed in [*claims, *([due] if due is not None else [])]:
                        debt_free &= owed <= 0
                    cash[debt_free] = ft(min_cash)
                    unfunded &= ~debt_free
                new_default = unfunded & alive
                if new_default.any():
                    default_month[new_default] = m
                    alive &= ~new_default
                    dil_at_def[new_default] = (1.0 - shares0 / shares[new_default]).astype(np.float32)
                    idx = np.flatnonzero(new_default)
                    hdr_at_def[idx] = debt_ratio(asic_px, idx)
                    cash[new_default] = ft(min_cash)  # the estate is frozen; keep the arithmetic finite

            if m in snap_index:
                k = snap_index[m]
                ratio = debt_ratio(asic_px)
                dil[:, k] = np.where(alive, (1.0 - shares0 / shares).astype(np.float32), dil_at_def)
                hdr[:, k] = np.where(alive, ratio, hdr_at_def)

    repossessed = (lost / ft(c.hashrate_ths)) if c.hashrate_ths > 0 else np.zeros(n, dtype=ft)
    return CompanyPaths(
        ticker=c.ticker, snapshot_months=snaps, default_month=default_month, repossession_month=repo_month,
        shortfall_month=short_month, liquidation_month=liq_month, dilution_frac=dil, hashrate_debt_ratio=hdr,
        repossessed_hashrate_frac=np.asarray(repossessed, dtype=np.float32),
    )
