"""Computed hashprice against the published values in shared/data/bitcoin/hashprice_reference_values.csv.

Each row of that file gets one stated comparison below. Our series is computed from daily data (daily
close price, the day's block-weighted difficulty, the day's fees); published values come from Luxor's
Hashprice Index (intraday price, real-time difficulty) or press reports rounding it. Tolerances say why.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from tests.conftest import shared_file

from hashstack.economics import hashprice
from hashstack.network import hashprice_history, read_network_history


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    path = shared_file("bitcoin", "btc_daily_merged_2009-01-03_2025-12-29.csv")
    history = read_network_history(path)
    out = hashprice_history(history)
    out["hashrate_ehs"] = history["hashrate_ehs"]
    return out


def _hp(daily: pd.DataFrame, start: str, end: str | None = None) -> pd.Series:
    return daily["hashprice_usd_per_ph_day"].loc[start:end or start]


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def check_2021_mean(d: pd.DataFrame) -> None:
    # Annual mean of daily values vs the index's annual mean: averaging the same days, 0.5%.
    assert _rel(_hp(d, "2021-01-01", "2021-12-31").mean(), 314.61) < 0.005


def check_2021_high(d: pd.DataFrame) -> None:
    # Our highest daily value (2021-10-20) vs the index's yearly high: the index is intraday and its
    # daily close differs from a UTC-day close on the days of a price peak; 3%.
    assert _rel(_hp(d, "2021-01-01", "2021-12-31").max(), 412.57) < 0.03


def check_2021_08_07(d: pd.DataFrame) -> None:
    # Published 383.5 USD/PH/day with "BTC 24h $43,629; fee share 1.34%; difficulty ~14.5T". Our daily close
    # ($44,648) is 2.3% higher, so recompute from the published inputs: the index uses difficulty, not the
    # 7-day SMA hash rate (which would give 361). Within 0.5% of 383.5.
    fees = 6.25 * 0.0134 / (1 - 0.0134)
    ours = hashprice(43_629, difficulty=14.5e12, fees_btc_per_block=fees, subsidy_btc_per_block=6.25)
    assert _rel(float(ours.hashprice_usd_per_ph_day), 383.5) < 0.005
    # and our own daily value differs from it by the price gap alone (2.3%) plus < 1%
    assert _rel(_hp(d, "2021-08-07").iloc[0], 383.5) < 0.023 + 0.01


def check_2022_mean(d: pd.DataFrame) -> None:
    # Annual mean of daily values vs the index's annual mean; 0.5%.
    assert _rel(_hp(d, "2022-01-01", "2022-12-31").mean(), 123.88) < 0.005


def check_2022_low(d: pd.DataFrame) -> None:
    # All-time low after FTX (Nov 2022): our lowest daily value vs the index's intraday low; 1.5%.
    assert _rel(_hp(d, "2022-11-01", "2022-12-31").min(), 55.94) < 0.015


def check_2023_01_15(d: pd.DataFrame) -> None:
    # "78" (two significant figures) on the day BTC broke $21k: our value that day within 1%.
    assert _rel(_hp(d, "2023-01-15").iloc[0], 78) < 0.01


def check_2024_07_04(d: pd.DataFrame) -> None:
    # Record low 44.842 at 06:00 EDT: our UTC-day value within 0.6%.
    assert _rel(_hp(d, "2024-07-04").iloc[0], 44.842) < 0.006


def check_2024_10(d: pd.DataFrame) -> None:
    # "~$50, a two-month high" in mid/late October (Glassnode, rounded). Daily values are noisy (a fee
    # spike on 2024-08-22 tops 52), so compare 7-day means as such charts smooth: our mid/late-October
    # 7-day peak is within 2% of 50 and above every 7-day mean of the two months before.
    weekly = d["hashprice_usd_per_ph_day"].rolling(7).mean()
    peak = weekly.loc["2024-10-10":"2024-10-31"].max()
    assert _rel(peak, 50) < 0.02
    assert peak > weekly.loc["2024-08-10":"2024-10-09"].max()


def check_2025_01_17(d: pd.DataFrame) -> None:
    # "0.060 USD/TH/day" (rounded to 0.001 USD/TH, i.e. +-0.5 USD/PH): our value within rounding + 0.5%.
    assert abs(_hp(d, "2025-01-17").iloc[0] - 60) < 0.5 + 0.005 * 60


def check_2025_04(d: pd.DataFrame) -> None:
    # "0.044 USD/TH/day near a five-year low" in mid-April: 44 lies within our mid-April daily range.
    window = _hp(d, "2025-04-10", "2025-04-20")
    assert window.min() <= 44 <= window.max() + 0.5


def check_2025_09_hashrate(d: pd.DataFrame) -> None:
    # Network hash rate 1.03 ZH/s monthly average: our Sep-2025 mean within 1%.
    assert _rel(d["hashrate_ehs"].loc["2025-09"].mean() / 1000, 1.03) < 0.01


def check_2025_10(d: pd.DataFrame) -> None:
    # "Sub-$47" around mid/late October: our lowest daily value there is below 47.
    assert _hp(d, "2025-10-15", "2025-10-22").min() < 47


def check_2025_11_05(d: pd.DataFrame) -> None:
    # 43.1 "lowest since April" around 2025-11-05: within our daily range over 10-30..11-05.
    window = _hp(d, "2025-10-30", "2025-11-05")
    assert window.min() <= 43.1 <= window.max()


def check_2025_11_20(d: pd.DataFrame) -> None:
    # 38.2 five-year low around 2025-11-20, intraday while BTC fell $91k -> $85k: within 1% of our
    # daily range over 11-19..11-21.
    window = _hp(d, "2025-11-19", "2025-11-21")
    assert window.min() * 0.99 <= 38.2 <= window.max() * 1.01


COMPARISONS: dict[str, Callable[[pd.DataFrame], None]] = {
    "2021 (calendar-year average)": check_2021_mean,
    "2021 (high)": check_2021_high,
    "2021-08-07": check_2021_08_07,
    "2022 (calendar-year average)": check_2022_mean,
    "2022 (all-time low at the time; after FTX collapse Nov 2022)": check_2022_low,
    "2023-01-15": check_2023_01_15,
    "2024-07-04 06:00 EDT": check_2024_07_04,
    "2024-10 (~mid/late Oct)": check_2024_10,
    "2025-01-17": check_2025_01_17,
    "2025-04 (~mid April)": check_2025_04,
    "2025-09 (monthly average network hashrate)": check_2025_09_hashrate,
    "2025-10 (mid/late Oct)": check_2025_10,
    "~2025-11-05": check_2025_11_05,
    "~2025-11-20": check_2025_11_20,
}


def test_every_published_row_has_a_comparison() -> None:
    ref = pd.read_csv(shared_file("bitcoin", "hashprice_reference_values.csv"))
    assert set(ref["date_or_period"]) == set(COMPARISONS)


@pytest.mark.parametrize("row", sorted(COMPARISONS))
def test_published_value(row: str, daily: pd.DataFrame) -> None:
    COMPARISONS[row](daily)


def test_computed_series_matches_the_file_own_column(daily: pd.DataFrame) -> None:
    # The shared file carries a hashprice column computed upstream with the same definition.
    raw = pd.read_csv(shared_file("bitcoin", "btc_daily_merged_2009-01-03_2025-12-29.csv"))
    theirs = pd.Series(raw["hashprice_usd_per_ph_day"].to_numpy(), index=daily.index)
    both = theirs.notna() & daily["hashprice_usd_per_ph_day"].notna()
    assert both.sum() > 5000
    rel = (daily["hashprice_usd_per_ph_day"][both] / theirs[both] - 1).abs()
    assert rel.max() < 1e-6
