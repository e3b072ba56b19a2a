"""Convertible-note valuation with QuantLib's binomial convertible engine.

The note is priced with :class:`QuantLib.BinomialCRRConvertibleEngine` (Cox-Ross-Rubinstein tree on
the share price, Tsiveriotis-Fernandes split of the note into an equity part discounted at the risk-free
rate and a debt part discounted at risk-free + credit spread), with American conversion from the
valuation date to maturity, the issuer's provisional (soft) calls with their share-price trigger, holder
puts at par, discrete cash dividends and a continuous dividend yield.

Outputs per USD 1,000 of face:

* ``fair_value_usd``: the engine's NPV.
* ``delta``: dV/dS by central finite difference (spot bumped by +/-1 %, tree re-priced) [USD per USD];
  ``delta_shares_frac`` = delta / conversion rate (0 = pure bond, 1 = pure equity).
* ``bond_floor_usd``: the same note with conversion removed (coupons and redemption discounted at
  risk-free + credit spread, puts and calls ignored).
* ``parity_usd``: conversion rate x spot.
* ``conversion_probability_frac``: the risk-neutral probability that the share price ends above the
  conversion price at maturity, ``N(d2)`` with ``d2 = (ln(S/K) + (r - q - sigma^2/2) T) / (sigma sqrt T)``
  (discrete dividends enter by lowering S by their present value). This ignores early conversion,
  calls and default: it is the probability that the conversion option finishes in the money, the
  figure a CFO asks ("will these notes convert or must we repay them?").

References
----------
Tsiveriotis, K. and Fernandes, C. (1998), "Valuing convertible bonds with credit risk", Journal of Fixed
Income 8(2), 95-102. Cox, Ross and Rubinstein (1979), "Option pricing: a simplified approach", JFE 7.
Hull, J., *Options, Futures and Other Derivatives*, ch. 15 (N(d2) as the risk-neutral exercise probability).
QuantLib reference: ``ConvertibleFixedCouponBond``, ``BinomialConvertibleEngine``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import QuantLib as ql
from scipy.stats import norm

from hashstack.capital.records import Instrument, InstrumentType
from hashstack.errors import InputError

FACE_USD = 1000.0
_QL_FACE = 100.0


@dataclass(frozen=True, slots=True)
class ConvertibleTerms:
    """Contract terms of a convertible note, per USD 1,000 of face.

    Attributes
    ----------
    issue_date, maturity_date : dates
    coupon_frac : annual coupon [fraction], paid ``coupon_frequency_per_year`` times a year
    conversion_rate_per_1000_usd : shares received per USD 1,000 of face [shares]
    call_dates : dates from which the issuer may redeem at par, each with the share-price trigger as a
        multiple of the conversion price (``call_trigger_frac``; None = hard call, callable at any price)
    put_dates : dates holders may put the note at par
    """

    issue_date: date
    maturity_date: date
    coupon_frac: float
    conversion_rate_per_1000_usd: float
    call_dates: tuple[date, ...] = ()
    call_trigger_frac: float | None = None
    put_dates: tuple[date, ...] = ()
    coupon_frequency_per_year: int = 2

    @property
    def conversion_price_usd(self) -> float:
        """Conversion price = USD 1,000 / conversion rate [USD/share]."""
        return FACE_USD / self.conversion_rate_per_1000_usd

    def __post_init__(self) -> None:
        if self.maturity_date <= self.issue_date:
            raise InputError("maturity_date must be after issue_date")
        if self.conversion_rate_per_1000_usd <= 0:
            raise InputError("conversion_rate_per_1000_usd must be positive")
        if not 0 <= self.coupon_frac < 1:
            raise InputError(f"coupon_frac must be in [0, 1), got {self.coupon_frac}")


def convertible_terms(instrument: Instrument, call_every_months: int = 3) -> ConvertibleTerms:
    """Terms of a convertible :class:`Instrument` (calls every ``call_every_months`` from the first call).

    Raises
    ------
    InputError : not a convertible, or the issue date, maturity date, coupon or conversion terms are unknown.
    """
    if instrument.instrument_type is not InstrumentType.CONVERTIBLE:
        raise InputError(f"{instrument.id} is not a convertible ({instrument.instrument_type})")
    rate = instrument.conversion_rate_per_1000_usd
    if rate is None and instrument.conversion_price_usd:
        rate = FACE_USD / instrument.conversion_price_usd
    missing = [n for n, v in (("issue_date", instrument.issue_date), ("maturity_date", instrument.maturity_date),
                              ("coupon_frac", instrument.coupon_frac), ("conversion terms", rate)) if v is None]
    if missing:
        raise InputError(f"{instrument.id}: cannot value, unknown {', '.join(missing)}")
    assert instrument.issue_date and instrument.maturity_date and rate and instrument.coupon_frac is not None
    calls: list[date] = []
    if instrument.issuer_call_date is not None:
        d = instrument.issuer_call_date
        while d < instrument.maturity_date:
            calls.append(d)
            m = d.month - 1 + call_every_months
            d = _safe_date(d.year + m // 12, m % 12 + 1, d.day)
    return ConvertibleTerms(
        issue_date=instrument.issue_date, maturity_date=instrument.maturity_date,
        coupon_frac=instrument.coupon_frac, conversion_rate_per_1000_usd=rate, call_dates=tuple(calls),
        call_trigger_frac=instrument.call_trigger_frac, put_dates=instrument.holder_put_dates,
    )


def _safe_date(y: int, m: int, d: int) -> date:
    import calendar

    return date(y, m, min(d, calendar.monthrange(y, m)[1]))


@dataclass(frozen=True, slots=True)
class ConvertibleValuation:
    """Valuation of a convertible per USD 1,000 face (see module docstring for each figure)."""

    fair_value_usd: float
    bond_floor_usd: float
    parity_usd: float
    delta: float
    delta_shares_frac: float
    conversion_probability_frac: float
    conversion_price_usd: float
    years_to_maturity: float
    time_steps: int


def _qd(d: date) -> ql.Date:
    return ql.Date(d.day, d.month, d.year)


@contextmanager
def _evaluation_date(d: date) -> Iterator[None]:
    """QuantLib keeps the evaluation date in a global; set it for one valuation and restore it."""
    settings = ql.Settings.instance()
    old = settings.evaluationDate
    settings.evaluationDate = _qd(d)
    try:
        yield
    finally:
        settings.evaluationDate = old


def conversion_probability_frac(spot_usd: float, conversion_price_usd: float, years: float, vol_frac: float,
                                risk_free_frac: float, dividend_yield_frac: float = 0.0) -> float:
    """Risk-neutral probability that the share ends above the conversion price: ``N(d2)`` [fraction].

    ``d2 = (ln(S/K) + (r - q - sigma^2/2) T) / (sigma sqrt(T))`` (continuous rates). At zero volatility
    the limit is 1 when the forward ``S e^{(r-q)T}`` exceeds K, else 0.

    References
    ----------
    Hull, *Options, Futures and Other Derivatives*, ch. 15.
    """
    if years <= 0:
        return 1.0 if spot_usd > conversion_price_usd else 0.0
    drift = (risk_free_frac - dividend_yield_frac) * years
    if vol_frac <= 0:
        return 1.0 if math.log(spot_usd / conversion_price_usd) + drift > 0 else 0.0
    d2 = (math.log(spot_usd / conversion_price_usd) + drift - 0.5 * vol_frac**2 * years) / (
        vol_frac * math.sqrt(years))
    return float(norm.cdf(d2))


def value_convertible(terms: ConvertibleTerms, valuation_date: date, spot_usd: float, vol_frac: float,
                      risk_free_frac: float, credit_spread_frac: float, dividend_yield_frac: float = 0.0,
                      dividends_usd: Sequence[tuple[date, float]] = (), time_steps: int = 400,
                      ) -> ConvertibleValuation:
    """Value a convertible note (per USD 1,000 face) with QuantLib's binomial CRR convertible engine.

    Parameters
    ----------
    terms : contract terms
    valuation_date : pricing date (must be before maturity)
    spot_usd : share price [USD]
    vol_frac : equity volatility, annualised [fraction]
    risk_free_frac : risk-free rate, continuous [fraction/year]
    credit_spread_frac : issuer credit spread over risk-free, continuous [fraction/year]
    dividend_yield_frac : continuous dividend yield [fraction/year]
    dividends_usd : discrete cash dividends per share, ``(ex-date, USD)``
    time_steps : tree steps

    Raises
    ------
    InputError : valuation date on or after maturity, non-positive spot, negative volatility.
    """
    if valuation_date >= terms.maturity_date:
        raise InputError(f"valuation date {valuation_date} is not before maturity {terms.maturity_date}")
    if spot_usd <= 0 or vol_frac < 0 or time_steps < 10:
        raise InputError("spot must be positive, volatility non-negative and time_steps >= 10")
    years = (terms.maturity_date - valuation_date).days / 365.0
    with _evaluation_date(valuation_date):
        npv = _npv(terms, valuation_date, spot_usd, vol_frac, risk_free_frac, credit_spread_frac,
                   dividend_yield_frac, dividends_usd, time_steps)
        h = 0.01 * spot_usd
        up = _npv(terms, valuation_date, spot_usd + h, vol_frac, risk_free_frac, credit_spread_frac,
                  dividend_yield_frac, dividends_usd, time_steps)
        dn = _npv(terms, valuation_date, spot_usd - h, vol_frac, risk_free_frac, credit_spread_frac,
                  dividend_yield_frac, dividends_usd, time_steps)
    scale = FACE_USD / _QL_FACE
    delta = (up - dn) / (2 * h) * scale
    floor = _bond_floor(terms, valuation_date, risk_free_frac + credit_spread_frac)
    pv_divs = sum(a * math.exp(-risk_free_frac * (d - valuation_date).days / 365.0)
                  for d, a in dividends_usd if valuation_date < d <= terms.maturity_date)
    prob = conversion_probability_frac(max(spot_usd - pv_divs, 1e-12), terms.conversion_price_usd, years,
                                       vol_frac, risk_free_frac, dividend_yield_frac)
    return ConvertibleValuation(
        fair_value_usd=npv * scale, bond_floor_usd=floor, parity_usd=terms.conversion_rate_per_1000_usd * spot_usd,
        delta=delta, delta_shares_frac=delta / terms.conversion_rate_per_1000_usd,
        conversion_probability_frac=prob, conversion_price_usd=terms.conversion_price_usd,
        years_to_maturity=years, time_steps=time_steps,
    )


def _bond_floor(terms: ConvertibleTerms, valuation_date: date, rate_frac: float) -> float:
    """Straight-bond value per USD 1,000 [USD]: remaining coupons and redemption at ``rate_frac`` (continuous)."""
    freq = terms.coupon_frequency_per_year
    months = 12 // freq
    pays: list[date] = []
    d = terms.maturity_date
    while d > valuation_date:
        pays.append(d)
        m = d.month - 1 - months
        d = _safe_date(d.year + m // 12, m % 12 + 1, terms.maturity_date.day)
    pv = 0.0
    for p in pays:
        t = (p - valuation_date).days / 365.0
        pv += FACE_USD * terms.coupon_frac / freq * math.exp(-rate_frac * t)
    t_m = (terms.maturity_date - valuation_date).days / 365.0
    return pv + FACE_USD * math.exp(-rate_frac * t_m)


def _npv(terms: ConvertibleTerms, valuation_date: date, spot_usd: float, vol_frac: float,
         risk_free_frac: float, credit_spread_frac: float, dividend_yield_frac: float,
         dividends_usd: Sequence[tuple[date, float]], time_steps: int) -> float:
    day_count = ql.Actual365Fixed()
    cal = ql.NullCalendar()
    today = _qd(valuation_date)
    spot = ql.QuoteHandle(ql.SimpleQuote(spot_usd))
    rf = ql.YieldTermStructureHandle(ql.FlatForward(today, risk_free_frac, day_count, ql.Continuous))
    dy = ql.YieldTermStructureHandle(ql.FlatForward(today, dividend_yield_frac, day_count, ql.Continuous))
    vol = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, cal, max(vol_frac, 1e-6), day_count))
    process = ql.BlackScholesMertonProcess(spot, dy, rf, vol)
    divs = [ql.FixedDividend(a, _qd(d)) for d, a in dividends_usd if valuation_date < d <= terms.maturity_date]
    engine = ql.BinomialCRRConvertibleEngine(process, time_steps,
                                             ql.QuoteHandle(ql.SimpleQuote(credit_spread_frac)), divs)
    callability = ql.CallabilitySchedule()
    for d in terms.call_dates:
        if d <= valuation_date:
            continue
        price = ql.BondPrice(_QL_FACE, ql.BondPrice.Clean)
        if terms.call_trigger_frac is not None:
            callability.append(ql.SoftCallability(price, _qd(d), terms.call_trigger_frac))
        else:
            callability.append(ql.Callability(price, ql.Callability.Call, _qd(d)))
    for d in terms.put_dates:
        if valuation_date < d < terms.maturity_date:
            callability.append(ql.Callability(ql.BondPrice(_QL_FACE, ql.BondPrice.Clean), ql.Callability.Put,
                                              _qd(d)))
    period = ql.Period(12 // terms.coupon_frequency_per_year, ql.Months)
    schedule = ql.Schedule(_qd(terms.issue_date), _qd(terms.maturity_date), period, cal, ql.Unadjusted,
                           ql.Unadjusted, ql.DateGeneration.Backward, False)
    exercise = ql.AmericanExercise(today, _qd(terms.maturity_date))
    ratio = terms.conversion_rate_per_1000_usd * _QL_FACE / FACE_USD
    bond = ql.ConvertibleFixedCouponBond(exercise, ratio, callability, _qd(terms.issue_date), 0,
                                         [terms.coupon_frac], day_count, schedule, _QL_FACE)
    bond.setPricingEngine(engine)
    return float(bond.NPV())
