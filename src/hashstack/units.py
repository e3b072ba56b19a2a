"""Unit conversions: the one place where a quantity changes unit.

The core works in one canonical unit per dimension (TH/s, W, USD/MWh, BTC, seconds, UTC).
Display layers convert with these helpers; nothing else multiplies by 1e3 or 1e6.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

Numeric: TypeAlias = "float | npt.NDArray[np.float64] | pd.Series[float]"
"""A scalar, a numpy array or a pandas Series: the three shapes every science function accepts."""

SATS_PER_BTC = 100_000_000
SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
HOURS_PER_DAY = 24
TARGET_BLOCK_INTERVAL_S = 600
TH_PER_PH = 1_000
TH_PER_EH = 1_000_000
TH_PER_ZH = 1_000_000_000
HASHES_PER_TH = 1e12
W_PER_MW = 1e6
KWH_PER_MWH = 1_000
KW_PER_MW = 1_000


def ths_from_ehs(hashrate_ehs: Numeric) -> Numeric:
    """EH/s -> TH/s."""
    return hashrate_ehs * TH_PER_EH


def ehs_from_ths(hashrate_ths: Numeric) -> Numeric:
    """TH/s -> EH/s."""
    return hashrate_ths / TH_PER_EH


def phs_from_ths(hashrate_ths: Numeric) -> Numeric:
    """TH/s -> PH/s."""
    return hashrate_ths / TH_PER_PH


def ths_from_phs(hashrate_phs: Numeric) -> Numeric:
    """PH/s -> TH/s."""
    return hashrate_phs * TH_PER_PH


def usd_per_ph_day_from_usd_per_th_day(value_usd_per_th_day: Numeric) -> Numeric:
    """Hashprice quoted per TH/s -> per PH/s (the industry's quote)."""
    return value_usd_per_th_day * TH_PER_PH


def usd_per_th_day_from_usd_per_ph_day(value_usd_per_ph_day: Numeric) -> Numeric:
    """Hashprice quoted per PH/s -> per TH/s (the core's unit)."""
    return value_usd_per_ph_day / TH_PER_PH


def usd_per_mwh_from_usd_per_kwh(price_usd_per_kwh: Numeric) -> Numeric:
    """Retail electricity price USD/kWh -> USD/MWh."""
    return price_usd_per_kwh * KWH_PER_MWH


def usd_per_kwh_from_usd_per_mwh(price_usd_per_mwh: Numeric) -> Numeric:
    """USD/MWh -> USD/kWh."""
    return price_usd_per_mwh / KWH_PER_MWH


def mw_from_w(power_w: Numeric) -> Numeric:
    """W -> MW."""
    return power_w / W_PER_MW


def w_from_mw(power_mw: Numeric) -> Numeric:
    """MW -> W."""
    return power_mw * W_PER_MW


def kw_from_w(power_w: Numeric) -> Numeric:
    """W -> kW (demand charges are priced per kW)."""
    return power_w * KW_PER_MW / W_PER_MW


def mwh_per_day_from_w(power_w: Numeric) -> Numeric:
    """Constant power in W -> energy per day in MWh."""
    return power_w * HOURS_PER_DAY / W_PER_MW


def btc_from_sat(amount_sat: int) -> float:
    """Satoshis (exact integer) -> BTC (float, for analytics)."""
    return amount_sat / SATS_PER_BTC
