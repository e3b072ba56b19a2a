"""Correlated monthly market scenarios for the stress engine (pure, seeded, vectorised over paths).

One scenario path holds, for months ``t = 1..n_months`` (value at the end of month ``t``; flows of month
``t`` use it): the BTC price, the network hash rate, fees per block, the block subsidy (halvings on the
protocol schedule), the hashprice, the ASIC price of the reference efficiency tier and a power-price
factor.  Shapes are ``(n_paths, n_months)`` (float32) unless stated.

Model (monthly step ``dt = 1`` month):

* BTC log return ``r_t``: either a **Merton jump diffusion**
  ``r = mu - lambda*m_J + sigma*z + sum_{k<=N} J_k``, ``N ~ Poisson(lambda)``, ``J ~ N(m_J, s_J)``
  (the drift is set so that E[r] equals the chosen drift), or a **moving-block bootstrap** of historical
  30-day log returns (blocks of ``bootstrap_block_months`` consecutive months, re-centred to the chosen drift).
* Network hash rate: ``dlog H_t = g + kappa * log(HP_{t-L} / HP_0) + s_H * e_H``: growth speeds up when the
  hashprice ``L`` months ago was above its starting level and stalls or reverses below it (miners plug in
  or switch off rigs with a lag).  ``e_H`` is correlated with the BTC shock.
* Fees per block: log AR(1) around the starting level, shock correlated with BTC.
* Block subsidy: :func:`hashstack.chain.block_subsidy_btc` at the projected height
  ``h_0 + blocks_per_month * t``.
* Hashprice: :func:`hashstack.chain.btc_per_th_day` x price [USD/TH/day].
* ASIC price (reference tier): ``log A_t = log A_0 + eta * log(HP_t/HP_0) - delta*t + s_A * e_A``
  (rig prices follow hashprice with elasticity ``eta`` > 1 and lose value with new generations).
* Power price factor: log AR(1) with mean 1, multiplying each company's contract price.

References
----------
Merton (1976), see :mod:`hashstack.risk.calibration`.
Kuensch (1989), moving-block bootstrap.
Hashrate Index ASIC Price Index tiers (2021-2022 values in the shared reference table) for the ASIC price
    falling further than hashprice in 2022 (-87% vs about -70%), hence ``eta`` > 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from hashstack.chain import (
    HALVING_INTERVAL_BLOCKS,
    block_subsidy_btc,
    btc_per_th_day,
    difficulty_from_network_hashrate_ths,
)
from hashstack.errors import InputError
from hashstack.risk.calibration import DAYS_PER_MONTH, MarketCalibration

BLOCKS_PER_MONTH = 144 * DAYS_PER_MONTH
"""Blocks per month at the 600 s target [blocks/month]."""

BtcModel = Literal["jump", "bootstrap"]

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class MarketParams:
    """Parameters of :func:`simulate_market`. Build with :func:`market_params_from_calibration`.

    Attributes
    ----------
    btc_price0_usd : BTC price at month 0 [USD]
    network_hashrate0_ths : network hash rate at month 0 [TH/s]
    start_height : block height at month 0 [blocks]
    fees_btc_per_block0 : fees per block at month 0 (long-run level) [BTC]
    asic_price0_usd_per_th : reference-tier ASIC price at month 0 [USD/TH]
    asic_reference_efficiency_j_per_th : efficiency of the reference tier [J/TH]
    btc_model : "jump" (Merton) or "bootstrap" (historical blocks)
    btc_drift_log_per_month : mean monthly BTC log return used in the simulation [1/month]
    btc_diffusion_sd_per_month : diffusion s.d. (jump model) [1/month]
    btc_jump_intensity_per_month, btc_jump_mean_log, btc_jump_sd_log : Merton jumps
    bootstrap_pool : overlapping 30-day historical log returns (bootstrap model) [-]
    bootstrap_block_months : months per bootstrap block
    network_growth_log_per_month : baseline log growth of the network at constant hashprice [1/month]
    network_response_per_log_hashprice : kappa, growth per unit of lagged log hashprice change [1/month]
    network_lag_months : L, lag of the response [months]
    network_noise_sd_per_month : s.d. of the network's monthly log growth shock [1/month]
    network_btc_corr, fees_btc_corr, asic_btc_corr, power_btc_corr : correlation with the BTC shock [-]
    fees_log_sd_per_month : s.d. of fee log shocks [1/month]
    fees_persistence : AR(1) coefficient of log fees [-]
    asic_hashprice_elasticity : eta [-]
    asic_noise_sd_per_month : s.d. of the ASIC price shock [1/month]
    asic_depreciation_log_per_month : delta, obsolescence [1/month]
    power_log_sd_per_month : s.d. of the power-price log shock [1/month]
    power_persistence : AR(1) coefficient of the log power factor [-]
    """

    btc_price0_usd: float
    network_hashrate0_ths: float
    start_height: int
    fees_btc_per_block0: float
    asic_price0_usd_per_th: float = 8.0
    asic_reference_efficiency_j_per_th: float = 17.0
    btc_model: BtcModel = "jump"
    btc_drift_log_per_month: float = 0.0
    btc_diffusion_sd_per_month: float = 0.17
    btc_jump_intensity_per_month: float = 0.045
    btc_jump_mean_log: float = 0.0
    btc_jump_sd_log: float = 0.6
    bootstrap_pool: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    bootstrap_block_months: int = 6
    network_growth_log_per_month: float = 0.019
    network_response_per_log_hashprice: float = 0.05
    network_lag_months: int = 3
    network_noise_sd_per_month: float = 0.048
    network_btc_corr: float = 0.3
    fees_log_sd_per_month: float = 0.5
    fees_persistence: float = 0.7
    fees_btc_corr: float = 0.3
    asic_hashprice_elasticity: float = 1.2
    asic_noise_sd_per_month: float = 0.05
    asic_depreciation_log_per_month: float = 0.01
    asic_btc_corr: float = 0.3
    power_log_sd_per_month: float = 0.08
    power_persistence: float = 0.8
    power_btc_corr: float = 0.0

    def __post_init__(self) -> None:
        for name in ("btc_price0_usd", "network_hashrate0_ths", "asic_price0_usd_per_th",
                     "asic_reference_efficiency_j_per_th"):
            if not getattr(self, name) > 0:
                raise InputError(f"MarketParams.{name} must be > 0, got {getattr(self, name)}")
        if self.btc_model not in ("jump", "bootstrap"):
            raise InputError(f"btc_model must be 'jump' or 'bootstrap', got {self.btc_model!r}")
        if self.btc_model == "bootstrap" and (self.bootstrap_pool is None or self.bootstrap_pool.size < 400):
            raise InputError("the bootstrap model needs the daily history (a pool of >= 400 30-day returns)")
        if self.network_lag_months < 0 or self.bootstrap_block_months < 1:
            raise InputError("network_lag_months must be >= 0 and bootstrap_block_months >= 1")
        for name in ("network_btc_corr", "fees_btc_corr", "asic_btc_corr", "power_btc_corr"):
            if not -1.0 <= getattr(self, name) <= 1.0:
                raise InputError(f"MarketParams.{name} must lie in [-1, 1]")


def market_params_from_calibration(cal: MarketCalibration, btc_model: BtcModel = "jump",
                                   btc_drift_log_per_month: float = 0.0, start_height: int | None = None,
                                   network_noise_scale: float = 0.5, **overrides: float) -> MarketParams:
    """Market parameters from a calibration.

    Parameters
    ----------
    cal : the calibration (history or shipped)
    btc_model : "jump" or "bootstrap" (needs ``cal.bootstrap_log_returns_30d``)
    btc_drift_log_per_month : drift used instead of the historical mean [1/month]; 0 by default, i.e. a
        flat median price, because the 2015-2025 mean (+4.3 %/month) would make every stress optimistic
    start_height : block height at month 0; by default estimated from ``cal.end_date`` (840,000 on
        2024-04-20 plus 144 blocks a day)
    network_noise_scale : share of the historical s.d. of monthly difficulty growth used as the network
        shock (the rest is explained by the modelled hashprice response and one-offs such as the 2021
        China ban) [-]
    overrides : any other :class:`MarketParams` field

    Notes
    -----
    The network's baseline growth is the historical difficulty growth *in excess of* the historical BTC
    drift, plus the chosen drift: ``g = g_hist - mu_hist + mu``.  Hash rate grew with the price; keeping
    the historical hash-rate growth while removing the price growth would crush the hashprice.
    """
    if start_height is None:
        days = (np.datetime64(cal.end_date, "D") - np.datetime64("2024-04-20", "D")).astype(int)
        start_height = int(840_000 + 144 * days)
    if btc_model == "bootstrap" and cal.bootstrap_log_returns_30d is None:
        raise InputError("the bootstrap model needs the daily history; the shipped parameters allow 'jump' only")
    kwargs: dict[str, object] = dict(
        btc_price0_usd=cal.btc_price_last_usd,
        network_hashrate0_ths=cal.network_hashrate_last_ths,
        start_height=start_height,
        fees_btc_per_block0=cal.fees_btc_per_block_mean,
        btc_model=btc_model,
        btc_drift_log_per_month=btc_drift_log_per_month,
        btc_diffusion_sd_per_month=cal.btc_diffusion_sd_per_month,
        btc_jump_intensity_per_month=cal.btc_jump_intensity_per_month,
        btc_jump_mean_log=cal.btc_jump_mean_log,
        btc_jump_sd_log=cal.btc_jump_sd_log,
        bootstrap_pool=cal.bootstrap_log_returns_30d if btc_model == "bootstrap" else None,
        network_growth_log_per_month=(cal.network_growth_log_per_month - cal.btc_log_return_mean_per_month
                                      + btc_drift_log_per_month),
        network_noise_sd_per_month=network_noise_scale * cal.network_growth_sd_per_month,
        fees_log_sd_per_month=cal.fees_log_sd_per_month,
    )
    kwargs.update(overrides)
    return MarketParams(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class MarketScenarios:
    """Simulated market paths; every array is ``(n_paths, n_months)`` float32 except ``subsidy_btc``.

    Attributes
    ----------
    btc_price_usd : BTC price at the end of each month [USD]
    btc_log_price_rel : ``log(P_t / P_0)`` [-] (drives miners' share prices)
    network_hashrate_ths : network hash rate [TH/s]
    fees_btc_per_block : fees per block [BTC]
    subsidy_btc : block subsidy by month, shape ``(n_months,)`` [BTC]
    hashprice_usd_per_th_day : revenue per TH/s per day [USD/TH/day]
    asic_price_usd_per_th : reference-tier ASIC price [USD/TH]
    power_price_factor : multiplier on contract power prices [-]
    hashprice0_usd_per_th_day : starting hashprice [USD/TH/day]
    asic_reference_efficiency_j_per_th : efficiency of the tier the ASIC price refers to [J/TH]
    asic_price0_usd_per_th : the reference-tier ASIC price at month 0 [USD/TH]
    """

    btc_price_usd: F32
    btc_log_price_rel: F32
    network_hashrate_ths: F32
    fees_btc_per_block: F32
    subsidy_btc: npt.NDArray[np.float64]
    hashprice_usd_per_th_day: F32
    asic_price_usd_per_th: F32
    power_price_factor: F32
    hashprice0_usd_per_th_day: float
    asic_reference_efficiency_j_per_th: float
    asic_price0_usd_per_th: float

    @property
    def shape(self) -> tuple[int, int]:
        n_paths, n_months = self.btc_price_usd.shape
        return int(n_paths), int(n_months)


def hashprice_usd_per_th_day(btc_price_usd: npt.ArrayLike, network_hashrate_ths: npt.ArrayLike,
                             reward_per_block_btc: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Hashprice from price, network hash rate and reward per block [USD/TH/day].

    ``btc_per_th_day(difficulty(H), reward) * price`` with the difficulty at which ``H`` finds blocks
    every 600 s (:func:`hashstack.chain.difficulty_from_network_hashrate_ths`).
    """
    difficulty = difficulty_from_network_hashrate_ths(np.asarray(network_hashrate_ths, dtype=np.float64))
    return np.asarray(btc_per_th_day(difficulty, np.asarray(reward_per_block_btc)) * np.asarray(btc_price_usd))


def subsidy_by_month_btc(start_height: int, n_months: int) -> npt.NDArray[np.float64]:
    """Block subsidy in the middle of each month 1..n_months on the protocol schedule [BTC]."""
    heights = start_height + (np.arange(1, n_months + 1) - 0.5) * BLOCKS_PER_MONTH
    return np.asarray(block_subsidy_btc(heights.astype(np.int64)), dtype=np.float64)


def _btc_log_returns(p: MarketParams, n_paths: int, n_months: int, rng: np.random.Generator
                     ) -> tuple[F32, F32]:
    """BTC monthly log returns and their standardised shock, month-major ``(n_months, n_paths)``."""
    shape = (n_months, n_paths)
    if p.btc_model == "jump":
        r = rng.standard_normal(shape, dtype=np.float32)
        n_jumps = rng.poisson(p.btc_jump_intensity_per_month, shape)
        z_jump = rng.standard_normal(shape, dtype=np.float32)
        mu = p.btc_drift_log_per_month - p.btc_jump_intensity_per_month * p.btc_jump_mean_log
        r *= np.float32(p.btc_diffusion_sd_per_month)
        r += np.float32(mu)
        has = n_jumps > 0
        if has.any():
            k = n_jumps[has].astype(np.float32)
            r[has] += k * np.float32(p.btc_jump_mean_log) + np.sqrt(k) * np.float32(p.btc_jump_sd_log) * z_jump[has]
        total_var = p.btc_diffusion_sd_per_month**2 + p.btc_jump_intensity_per_month * (
            p.btc_jump_sd_log**2 + p.btc_jump_mean_log**2)
    else:
        pool = np.asarray(p.bootstrap_pool, dtype=np.float64)
        pool = (pool - pool.mean() + p.btc_drift_log_per_month).astype(np.float32)
        step = 30
        span = step * (p.bootstrap_block_months - 1)
        n_blocks = -(-n_months // p.bootstrap_block_months)
        starts = rng.integers(0, pool.size - span, (n_blocks, n_paths))
        offsets = step * np.arange(p.bootstrap_block_months)
        idx = (starts[:, None, :] + offsets[None, :, None]).reshape(-1, n_paths)[:n_months]
        r = pool[idx]
        total_var = float(pool.astype(np.float64).var())
    sd = float(np.sqrt(total_var))
    z_btc = (r - np.float32(p.btc_drift_log_per_month)) * np.float32(1.0 / sd) if sd > 0 else np.zeros_like(r)
    return r, z_btc


def _correlated(z_btc: F32, corr: float, rng: np.random.Generator) -> F32:
    """A shock with correlation ``corr`` to ``z_btc`` (unit variance when z_btc has unit variance)."""
    e = rng.standard_normal(z_btc.shape, dtype=np.float32)
    e *= np.float32(np.sqrt(1.0 - corr * corr))
    if corr != 0.0:
        e += np.float32(corr) * z_btc
    return e


def simulate_market(params: MarketParams, n_paths: int, n_months: int, rng: np.random.Generator
                    ) -> MarketScenarios:
    """Simulate correlated monthly market paths.

    Parameters
    ----------
    params : model parameters
    n_paths : number of paths
    n_months : horizon [months], 1..120
    rng : the random generator (the only source of randomness)

    Returns
    -------
    MarketScenarios with float32 arrays shaped ``(n_paths, n_months)``.  They are transposed views of
    month-major storage, so that ``x[:, t]`` (all paths in month ``t``, the waterfall's access) is
    contiguous.

    Notes
    -----
    The hashprice is computed once at month 0 with :func:`hashstack.chain.btc_per_th_day` and then
    scaled, since it is proportional to price x reward per block / network hash rate:
    ``HP_t = HP_0 * (P_t/P_0) * (R_t/R_0) * (H_0/H_t)``.
    """
    if not 1 <= n_months <= 120:
        raise InputError(f"n_months must be within 1..120 (1-10 years), got {n_months}")
    if n_paths < 1:
        raise InputError(f"n_paths must be >= 1, got {n_paths}")
    p = params
    f32 = np.float32
    r, z_btc = _btc_log_returns(p, n_paths, n_months, rng)
    e_net = _correlated(z_btc, p.network_btc_corr, rng)
    e_fee = _correlated(z_btc, p.fees_btc_corr, rng)
    e_asic = _correlated(z_btc, p.asic_btc_corr, rng)
    e_pow = _correlated(z_btc, p.power_btc_corr, rng)

    log_price_rel = np.cumsum(r, axis=0, out=r)
    price = np.exp(log_price_rel)
    price *= f32(p.btc_price0_usd)
    subsidy = subsidy_by_month_btc(p.start_height, n_months)
    subsidy0 = float(block_subsidy_btc(p.start_height))
    reward0 = subsidy0 + p.fees_btc_per_block0
    hp0 = float(hashprice_usd_per_th_day(p.btc_price0_usd, p.network_hashrate0_ths, reward0))

    # fees and power: log AR(1) recursions (in place over the shocks)
    e_fee *= f32(p.fees_log_sd_per_month)
    e_pow *= f32(p.power_log_sd_per_month)
    for t in range(1, n_months):
        e_fee[t] += f32(p.fees_persistence) * e_fee[t - 1]
        e_pow[t] += f32(p.power_persistence) * e_pow[t - 1]
    fees = np.exp(e_fee, out=e_fee)
    fees *= f32(p.fees_btc_per_block0)
    power = np.exp(e_pow, out=e_pow)

    # network: growth responds to the hashprice L months earlier (months <= 0 have the month-0 hashprice)
    log_h = np.empty((n_months, n_paths), dtype=f32)
    log_hp_rel = np.empty((n_months, n_paths), dtype=f32)
    lh = np.zeros(n_paths, dtype=f32)  # log(H_t / H_0)
    e_net *= f32(p.network_noise_sd_per_month)
    e_net += f32(p.network_growth_log_per_month)
    kappa = f32(p.network_response_per_log_hashprice)
    for t in range(n_months):
        src = t - p.network_lag_months
        lh = lh + e_net[t]
        if src >= 1:
            lh += kappa * log_hp_rel[src - 1]
        log_h[t] = lh
        # log(HP_t/HP_0) = log(P_t/P_0) + log(R_t/R_0) - log(H_t/H_0)
        rew = fees[t] + f32(subsidy[t])
        log_hp_rel[t] = log_price_rel[t] + np.log(rew * f32(1.0 / reward0)) - lh
    hashprice = np.exp(log_hp_rel)
    hashprice *= f32(hp0)
    months = np.arange(1, n_months + 1, dtype=f32)[:, None]
    e_asic *= f32(p.asic_noise_sd_per_month)
    e_asic += f32(p.asic_hashprice_elasticity) * log_hp_rel
    e_asic -= f32(p.asic_depreciation_log_per_month) * months
    asic = np.exp(e_asic, out=e_asic)
    asic *= f32(p.asic_price0_usd_per_th)
    net = np.exp(log_h, out=log_h)
    net *= f32(p.network_hashrate0_ths)
    return MarketScenarios(
        btc_price_usd=price.T,
        btc_log_price_rel=log_price_rel.T,
        network_hashrate_ths=net.T,
        fees_btc_per_block=fees.T,
        subsidy_btc=subsidy,
        hashprice_usd_per_th_day=hashprice.T,
        asic_price_usd_per_th=asic.T,
        power_price_factor=power.T,
        hashprice0_usd_per_th_day=hp0,
        asic_reference_efficiency_j_per_th=p.asic_reference_efficiency_j_per_th,
        asic_price0_usd_per_th=p.asic_price0_usd_per_th,
    )


def next_halving_month(start_height: int) -> float:
    """Months from ``start_height`` to the next halving at the 600 s target [months]."""
    nxt = (start_height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS
    return (nxt - start_height) / BLOCKS_PER_MONTH


def asic_price_for_efficiency_usd_per_th(reference_price_usd_per_th: float,
                                         reference_efficiency_j_per_th: float, efficiency_j_per_th: float,
                                         tier_exponent: float = 1.0) -> float:
    """Price of rigs of a given efficiency from the reference-tier price [USD/TH].

    ``A(e) = A_ref * (e_ref / e) ** gamma``.  With the Hashrate Index tier values of 2022-12-25
    (under 38 J/TH: 15.71, 38-68: 10.23, over 68: 4.72 USD/TH; shared reference table) and tier
    midpoints of about 30, 50 and 80 J/TH, ``gamma`` is 0.84 (first pair) to 1.23 (first and last);
    1.0 is the default.

    Parameters
    ----------
    reference_price_usd_per_th : price of the reference tier [USD/TH]
    reference_efficiency_j_per_th : efficiency of the reference tier [J/TH]
    efficiency_j_per_th : efficiency of the rigs priced [J/TH]
    tier_exponent : gamma [-]
    """
    if not (efficiency_j_per_th > 0 and reference_efficiency_j_per_th > 0):
        raise InputError("efficiencies must be > 0")
    factor = float((reference_efficiency_j_per_th / efficiency_j_per_th) ** tier_exponent)
    return float(reference_price_usd_per_th) * factor
