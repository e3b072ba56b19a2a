"""Mining economics: hashprice, revenue, power cost, margin, breakevens, payback.

Every function works on scalars, numpy arrays and pandas Series alike (a whole history in one call):
they use only arithmetic and numpy ufuncs, which preserve the input's shape and index.

Definitions
-----------
Hashprice is the expected miner revenue per unit of hash rate per day [1]_:

    hashprice_btc_per_th_day = (subsidy + fees per block) x 86,400 x 1e12 / (difficulty x 2^32)

and in USD times the BTC price; the industry quotes it per PH/s per day. A miner running at
``hashrate_ths`` and ``power_w`` with pool fee ``f`` earns ``hashrate x hashprice x (1 - f)`` per day and
pays ``power_w x 24 h / 1e6 x price_usd_per_mwh`` for power.

References
----------
.. [1] Luxor Technology, Hashrate Index, "Hashprice" methodology (hashprice = expected value of 1 TH/s
   of hashing power per day, from difficulty, block subsidy, fees and BTC price).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hashstack.chain import (
    HALVING_INTERVAL_BLOCKS,
    block_subsidy_btc,
    block_subsidy_sat,
    btc_per_th_day,
    difficulty_from_network_hashrate_ths,
)
from hashstack.errors import InputError
from hashstack.units import HOURS_PER_DAY, SATS_PER_BTC, TH_PER_PH, W_PER_MW

# Energy one TH/s-worth of 1 J/TH consumes per day: 1 W x 24 h = 24 Wh = 24e-6 MWh.
MWH_PER_W_DAY = HOURS_PER_DAY / W_PER_MW


def hashprice_btc_per_th_day(difficulty: Any, reward_per_block_btc: Any) -> Any:
    """Hashprice in BTC: expected BTC per TH/s per day for a block reward (subsidy + fees) [BTC/(TH/s)/day].

    The chain fact :func:`hashstack.chain.btc_per_th_day` under the economics name.
    """
    return btc_per_th_day(difficulty, reward_per_block_btc)


@dataclass(frozen=True, slots=True)
class Hashprice:
    """Hashprice and its parts; fields are scalars or arrays/Series of one shape."""

    hashprice_usd_per_ph_day: Any
    hashprice_btc_per_ph_day: Any
    fee_share_frac: Any
    subsidy_btc_per_block: Any
    fees_btc_per_block: Any
    difficulty: Any

    @property
    def hashprice_usd_per_th_day(self) -> Any:
        """The core's unit: USD per TH/s per day."""
        return self.hashprice_usd_per_ph_day / TH_PER_PH

    @property
    def hashprice_btc_per_th_day(self) -> Any:
        """BTC per TH/s per day."""
        return self.hashprice_btc_per_ph_day / TH_PER_PH


def hashprice(
    btc_price_usd: Any,
    *,
    difficulty: Any = None,
    network_hashrate_ths: Any = None,
    fees_btc_per_block: Any = 0.0,
    height: Any = None,
    subsidy_btc_per_block: Any = None,
) -> Hashprice:
    """Hashprice from BTC price, difficulty (or network hash rate), subsidy and fees.

    Parameters
    ----------
    btc_price_usd : BTC price [USD]
    difficulty : network difficulty [-]; give this or ``network_hashrate_ths``
    network_hashrate_ths : network hash rate [TH/s]; converted to the difficulty that yields 600 s blocks
    fees_btc_per_block : mean transaction fees per block [BTC]
    height : block height [blocks], to take the subsidy from the halving schedule
    subsidy_btc_per_block : subsidy [BTC] when no height is given; defaults to the current era (3.125)

    Returns
    -------
    Hashprice : ``hashprice_usd_per_ph_day``, ``hashprice_btc_per_ph_day``, ``fee_share_frac`` and parts
    """
    if (difficulty is None) == (network_hashrate_ths is None):
        raise InputError("give exactly one of difficulty or network_hashrate_ths")
    if difficulty is None:
        difficulty = difficulty_from_network_hashrate_ths(network_hashrate_ths)
    if np.any(np.asarray(difficulty) <= 0):
        raise InputError("difficulty / network hash rate must be > 0")
    if np.any(np.asarray(fees_btc_per_block) < 0):
        raise InputError("fees_btc_per_block must be >= 0")
    if height is not None and subsidy_btc_per_block is not None:
        raise InputError("give height or subsidy_btc_per_block, not both")
    if height is not None:
        subsidy = block_subsidy_btc(height)
    elif subsidy_btc_per_block is not None:
        subsidy = subsidy_btc_per_block
    else:
        subsidy = 3.125
    reward = subsidy + fees_btc_per_block
    btc_per_th_day = hashprice_btc_per_th_day(difficulty, reward)
    return Hashprice(
        hashprice_usd_per_ph_day=btc_per_th_day * btc_price_usd * TH_PER_PH,
        hashprice_btc_per_ph_day=btc_per_th_day * TH_PER_PH,
        fee_share_frac=fees_btc_per_block / reward,
        subsidy_btc_per_block=subsidy,
        fees_btc_per_block=fees_btc_per_block,
        difficulty=difficulty,
    )


@dataclass(frozen=True, slots=True)
class DailyEconomics:
    """One miner's (or a group's) economics per day; all USD per day."""

    revenue_usd_per_day: Any
    pool_fee_usd_per_day: Any
    power_cost_usd_per_day: Any
    margin_usd_per_day: Any
    energy_mwh_per_day: Any


def miner_daily_economics(
    hashrate_ths: Any,
    power_w: Any,
    hashprice_usd_per_th_day: Any,
    price_usd_per_mwh: Any,
    pool_fee_frac: Any = 0.0,
    uptime_frac: Any = 1.0,
) -> DailyEconomics:
    """Revenue, pool fee, power cost and margin per day of a miner running ``uptime_frac`` of the day.

    Parameters
    ----------
    hashrate_ths : hash rate [TH/s]
    power_w : wall power [W]
    hashprice_usd_per_th_day : hashprice [USD/(TH/s)/day]
    price_usd_per_mwh : all-in electricity price [USD/MWh]
    pool_fee_frac : pool fee as a fraction of gross revenue [-]
    uptime_frac : fraction of the day hashing (and drawing power) [-]
    """
    gross = hashrate_ths * hashprice_usd_per_th_day * uptime_frac
    pool_fee = gross * pool_fee_frac
    energy = power_w * MWH_PER_W_DAY * uptime_frac
    cost = energy * price_usd_per_mwh
    return DailyEconomics(
        revenue_usd_per_day=gross - pool_fee,
        pool_fee_usd_per_day=pool_fee,
        power_cost_usd_per_day=cost,
        margin_usd_per_day=gross - pool_fee - cost,
        energy_mwh_per_day=energy,
    )


def breakeven_power_price_usd_per_mwh(efficiency_j_per_th: Any, hashprice_usd_per_th_day: Any,
                                      pool_fee_frac: Any = 0.0) -> Any:
    """Electricity price at which a miner's margin is zero [USD/MWh].

    ``hashprice x (1 - fee) / (efficiency x 24e-6)``: revenue per TH/s-day over the energy that TH/s uses.
    Falls as J/TH rises.
    """
    return hashprice_usd_per_th_day * (1 - pool_fee_frac) / (efficiency_j_per_th * MWH_PER_W_DAY)


def breakeven_hashprice_usd_per_th_day(efficiency_j_per_th: Any, price_usd_per_mwh: Any,
                                       pool_fee_frac: Any = 0.0) -> Any:
    """Hashprice at which a miner of this efficiency breaks even at this power price [USD/(TH/s)/day]."""
    return efficiency_j_per_th * MWH_PER_W_DAY * price_usd_per_mwh / (1 - pool_fee_frac)


def breakeven_btc_price_usd(efficiency_j_per_th: Any, price_usd_per_mwh: Any, hashprice_btc_per_th_day: Any,
                            pool_fee_frac: Any = 0.0) -> Any:
    """BTC price at which a miner breaks even, holding difficulty and fees fixed [USD]."""
    return breakeven_hashprice_usd_per_th_day(efficiency_j_per_th, price_usd_per_mwh,
                                              pool_fee_frac) / hashprice_btc_per_th_day


def shutoff_power_price_usd_per_mwh(best_efficiency_j_per_th: Any, hashprice_usd_per_th_day: Any,
                                    pool_fee_frac: Any = 0.0, other_variable_cost_usd_per_mwh: Any = 0.0) -> Any:
    """Power price above which a model should stop hashing [USD/MWh].

    A tunable machine does not stop at its stock breakeven: as power gets dearer it first underclocks
    towards its most efficient point, and stops only when even that point loses money. So the shut-off
    price is the breakeven at the tuning curve's best efficiency, less any other cost that scales with
    energy (hosting, maintenance per MWh). Sunk costs (the machine's price, debt) do not enter: only
    cash that hashing costs.
    """
    return (breakeven_power_price_usd_per_mwh(best_efficiency_j_per_th, hashprice_usd_per_th_day, pool_fee_frac)
            - other_variable_cost_usd_per_mwh)


@dataclass(frozen=True, slots=True)
class Payback:
    """Payback of an ASIC purchase over projected paths.

    Attributes
    ----------
    payback_days : days until cumulative margin covers the price, per path; NaN if never within the horizon
    roi_frac : (cumulative margin over the horizon - price) / price, per path
    cumulative_margin_usd : cumulative margin, shape ``(n_paths, n_days)``
    """

    payback_days: npt.NDArray[np.float64]
    roi_frac: npt.NDArray[np.float64]
    cumulative_margin_usd: npt.NDArray[np.float64]


def payback(price_usd: float, daily_margin_usd: npt.ArrayLike, allow_shutoff: bool = True) -> Payback:
    """Payback days and ROI of a purchase from daily margins over one or many paths.

    Parameters
    ----------
    price_usd : purchase price of the machine(s) [USD]
    daily_margin_usd : margin per day, shape ``(n_days,)`` or ``(n_paths, n_days)`` [USD/day]
    allow_shutoff : when True a day with negative margin counts as zero (the operator switches off)
    """
    if price_usd <= 0:
        raise InputError("price_usd must be > 0")
    m = np.atleast_2d(np.asarray(daily_margin_usd, dtype=float))
    if m.shape[1] == 0:
        raise InputError("payback needs at least one day of margins")
    if allow_shutoff:
        m = np.maximum(m, 0.0)
    cum = np.cumsum(m, axis=1)
    reached = cum >= price_usd
    first = np.argmax(reached, axis=1).astype(float) + 1.0
    payback_days = np.where(reached.any(axis=1), first, np.nan)
    roi = (cum[:, -1] - price_usd) / price_usd
    return Payback(payback_days=payback_days, roi_frac=roi, cumulative_margin_usd=cum)


def project_difficulty(difficulty0: float, growth_per_year_frac: npt.ArrayLike, n_days: int) -> npt.NDArray[np.float64]:
    """Difficulty paths growing at constant yearly rates, stepped every 14 days like retargets.

    Parameters
    ----------
    difficulty0 : difficulty today [-]
    growth_per_year_frac : yearly growth per path, shape ``(n_paths,)`` or scalar [-]
    n_days : horizon [days]

    Returns
    -------
    ndarray : shape ``(n_paths, n_days)``
    """
    g = np.atleast_1d(np.asarray(growth_per_year_frac, dtype=float))[:, None]
    if np.any(g <= -1):
        raise InputError("growth_per_year_frac must be > -1")
    epoch_start_day = (np.arange(n_days) // 14) * 14
    return difficulty0 * (1 + g) ** (epoch_start_day[None, :] / 365.0)


def subsidy_btc_by_day(height0: int, n_days: int, blocks_per_day: float = 144.0) -> npt.NDArray[np.float64]:
    """Mean subsidy per block on each coming day, crossing halvings on schedule [BTC].

    Day ``d`` holds the blocks from ``height0 + d x blocks_per_day`` up to the next day's first block, so
    a halving day averages the old and new subsidy by the blocks mined on each side.

    Parameters
    ----------
    height0 : tip height today [blocks]
    n_days : horizon [days], >= 1
    blocks_per_day : assumed blocks per day (144 at the 600 s target)
    """
    if n_days < 1 or blocks_per_day <= 0:
        raise InputError("subsidy_btc_by_day needs n_days >= 1 and blocks_per_day > 0")
    edges = height0 + np.round(np.arange(n_days + 1) * blocks_per_day).astype(np.int64)
    # cumulative subsidy up to each edge, by era: exact sums without iterating over every block
    cum = _cumulative_subsidy_sat(edges) - _cumulative_subsidy_sat(np.array([height0]))[0]
    per_day_sat = np.diff(cum)
    return per_day_sat / np.diff(edges) / SATS_PER_BTC


def _cumulative_subsidy_sat(heights: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Subsidy of all blocks below each height [sat] (float: sums exceed int64 only past the supply)."""
    total = np.zeros(heights.shape, dtype=float)
    for era in range(64):
        start = era * HALVING_INTERVAL_BLOCKS
        blocks = np.clip(heights - start, 0, HALVING_INTERVAL_BLOCKS)
        total += blocks * float(block_subsidy_sat(start))
    return total


def hashprice_usd_per_th_day_paths(btc_price_usd: npt.ArrayLike, difficulty: npt.ArrayLike,
                                   subsidy_btc: npt.ArrayLike, fees_btc_per_block: npt.ArrayLike) -> Any:
    """Hashprice over projected paths; inputs broadcast to ``(n_paths, n_days)`` [USD/(TH/s)/day]."""
    reward = np.asarray(subsidy_btc) + np.asarray(fees_btc_per_block)
    return hashprice_btc_per_th_day(np.asarray(difficulty), reward) * np.asarray(btc_price_usd)
