"""Bitcoin chain facts: block subsidy, halvings, difficulty and network hash rate.

Pure functions. Heights and satoshi amounts are exact integers; rates are floats.

References
----------
.. [1] Bitcoin Core, ``GetBlockSubsidy`` in ``src/validation.cpp``: subsidy = 50 BTC >> (height / 210000),
   zero once the shift reaches 64.
.. [2] Bitcoin wiki, "Difficulty": expected hashes per block = difficulty x 2^32 (the difficulty-1 target
   is 0x00000000FFFF0000...; the 2^32 form is the standard approximation used by every pool and index).
.. [3] Bitcoin Core ``pow.cpp``: retarget every 2016 blocks toward a 600 s block interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashstack.errors import InputError
from hashstack.units import HASHES_PER_TH, SATS_PER_BTC, SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

HALVING_INTERVAL_BLOCKS = 210_000
INITIAL_SUBSIDY_SAT = 50 * SATS_PER_BTC
RETARGET_INTERVAL_BLOCKS = 2016
HASHES_PER_DIFFICULTY = 2**32
MAX_HALVINGS = 64  # a right shift of 64 or more zeroes the subsidy (GetBlockSubsidy)


@overload
def block_subsidy_sat(height: int) -> int: ...
@overload
def block_subsidy_sat(height: npt.ArrayLike) -> npt.NDArray[np.int64]: ...
def block_subsidy_sat(height: int | npt.ArrayLike) -> int | npt.NDArray[np.int64]:
    """Block subsidy at ``height`` in satoshis, by the exact integer halving rule [1]_.

    Parameters
    ----------
    height : block height [blocks], an int or an array of ints (>= 0)

    Returns
    -------
    int or ndarray of int64 : subsidy [sat]
    """
    if isinstance(height, (int, np.integer)):
        h = int(height)
        if h < 0:
            raise InputError(f"block height must be >= 0, got {h}")
        halvings = h // HALVING_INTERVAL_BLOCKS
        return 0 if halvings >= MAX_HALVINGS else INITIAL_SUBSIDY_SAT >> halvings
    heights: npt.NDArray[Any] = np.asarray(height)
    if heights.dtype.kind not in "iu":
        if not np.all(np.equal(np.mod(heights, 1), 0)):
            raise InputError("block heights must be whole numbers")
        heights = heights.astype(np.int64)
    if np.any(heights < 0):
        raise InputError("block heights must be >= 0")
    era = heights // HALVING_INTERVAL_BLOCKS
    shifted = np.right_shift(np.int64(INITIAL_SUBSIDY_SAT), np.minimum(era, 63).astype(np.int64))
    return np.where(era >= MAX_HALVINGS, 0, shifted).astype(np.int64)


def block_subsidy_btc(height: int | npt.ArrayLike) -> float | npt.NDArray[np.float64]:
    """Block subsidy at ``height`` in BTC (float, for analytics); see :func:`block_subsidy_sat`."""
    sat = block_subsidy_sat(height)
    if isinstance(sat, int):
        return sat / SATS_PER_BTC
    return sat / SATS_PER_BTC


def total_supply_sat() -> int:
    """Every satoshi the subsidy schedule will ever issue: just under 21M BTC (20,999,999.9769 BTC)."""
    return sum(HALVING_INTERVAL_BLOCKS * (INITIAL_SUBSIDY_SAT >> k) for k in range(MAX_HALVINGS))


def halving_heights(count: int = 33) -> list[int]:
    """Heights of the first ``count`` halvings (210,000, 420,000, ...) [blocks]."""
    return [HALVING_INTERVAL_BLOCKS * k for k in range(1, count + 1)]


def next_halving_height(height: int) -> int:
    """The first halving height strictly above ``height`` [blocks]."""
    if height < 0:
        raise InputError(f"block height must be >= 0, got {height}")
    return (height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS


@dataclass(frozen=True, slots=True)
class HalvingEstimate:
    """An upcoming halving and when it is expected."""

    halving_number: int
    height: int
    blocks_remaining: int
    estimated_ts_utc: datetime
    subsidy_after_btc: float


def estimate_halvings(height: int, now_utc: datetime, block_interval_s: float = TARGET_BLOCK_INTERVAL_S,
                      count: int = 3) -> list[HalvingEstimate]:
    """Estimate the dates of the next ``count`` halvings from the current height.

    Parameters
    ----------
    height : current tip height [blocks]
    now_utc : time of that tip (tz-aware UTC)
    block_interval_s : assumed mean block interval [s]; 600 s is the protocol target [3]_, recent
        history runs a little faster while the hash rate grows
    count : how many halvings to estimate
    """
    if now_utc.tzinfo is None:
        raise InputError("now_utc must be timezone-aware (UTC)")
    if block_interval_s <= 0:
        raise InputError(f"block_interval_s must be > 0, got {block_interval_s}")
    out = []
    h = next_halving_height(height)
    for _ in range(count):
        remaining = h - height
        out.append(HalvingEstimate(
            halving_number=h // HALVING_INTERVAL_BLOCKS,
            height=h,
            blocks_remaining=remaining,
            estimated_ts_utc=now_utc + timedelta(seconds=remaining * block_interval_s),
            subsidy_after_btc=block_subsidy_sat(h) / SATS_PER_BTC,
        ))
        h += HALVING_INTERVAL_BLOCKS
    return out


def network_hashrate_ths_from_difficulty(difficulty: Any, block_interval_s: float = TARGET_BLOCK_INTERVAL_S) -> Any:
    """Network hash rate implied by a difficulty [TH/s]: D x 2^32 / interval [2]_.

    Parameters
    ----------
    difficulty : network difficulty [-] (scalar, array or Series)
    block_interval_s : mean block interval [s], the 600 s target by default
    """
    return difficulty * HASHES_PER_DIFFICULTY / block_interval_s / HASHES_PER_TH


def difficulty_from_network_hashrate_ths(network_hashrate_ths: Any,
                                         block_interval_s: float = TARGET_BLOCK_INTERVAL_S) -> Any:
    """Difficulty at which ``network_hashrate_ths`` finds blocks every ``block_interval_s`` [-]."""
    return network_hashrate_ths * HASHES_PER_TH * block_interval_s / HASHES_PER_DIFFICULTY


def expected_blocks_per_th_day(difficulty: Any) -> Any:
    """Expected blocks found per day by 1 TH/s at ``difficulty`` [blocks/(TH/s)/day].

    86,400 s x 1e12 H/s / (D x 2^32) [2]_. Independent of the actual block interval.
    """
    return SECONDS_PER_DAY * HASHES_PER_TH / (difficulty * HASHES_PER_DIFFICULTY)


def btc_per_th_day(difficulty: Any, reward_per_block_btc: Any) -> Any:
    """Expected BTC earned per TH/s per day: blocks per TH-day x reward per block [BTC/(TH/s)/day].

    Parameters
    ----------
    difficulty : network difficulty [-]
    reward_per_block_btc : subsidy plus fees per block [BTC]
    """
    return expected_blocks_per_th_day(difficulty) * reward_per_block_btc


def network_hashrate_from_epochs(epochs: pd.DataFrame) -> pd.DataFrame:
    """Realised network hash rate per difficulty epoch from a difficulty history.

    Each epoch's 2016 blocks needed ``D x 2^32 x 2016`` hashes; dividing by the time the epoch took
    (next epoch's start minus this one's) gives the hash rate the network actually delivered, which
    differs from the difficulty-implied rate whenever blocks came faster or slower than 600 s.

    Parameters
    ----------
    epochs : DataFrame with ``height`` [blocks], ``ts_utc`` (tz-aware) and ``difficulty`` [-], one row per
        retarget, sorted by height

    Returns
    -------
    DataFrame : ``height``, ``ts_utc``, ``difficulty``, ``epoch_duration_s``, ``block_interval_s``,
    ``network_hashrate_ths`` (realised) and ``implied_hashrate_ths`` (at 600 s); the last epoch, still
    open, has NaN realised values.
    """
    missing = {"height", "ts_utc", "difficulty"} - set(epochs.columns)
    if missing:
        raise InputError(f"difficulty history lacks column(s) {sorted(missing)}")
    df = epochs.sort_values("height").reset_index(drop=True).copy()
    blocks = df["height"].diff().shift(-1)
    duration_s = (df["ts_utc"].shift(-1) - df["ts_utc"]).dt.total_seconds()
    df["epoch_duration_s"] = duration_s
    df["block_interval_s"] = duration_s / blocks
    df["network_hashrate_ths"] = df["difficulty"] * HASHES_PER_DIFFICULTY * blocks / duration_s / HASHES_PER_TH
    df["implied_hashrate_ths"] = network_hashrate_ths_from_difficulty(df["difficulty"])
    return df
