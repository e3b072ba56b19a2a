"""ERCOT loaders: DST days, gaps reported, bad cells named by row and column."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import shared_file
from hashstack.energy.ercot import ERCOT_TZ, hourly_mean_price, read_ercot_dam, read_ercot_rtm
from hashstack.energy.prices import daily_profile_24h, find_gaps
from hashstack.errors import DataFileError, InputError, MissingDataError

RTM = ("electricity", "ercot", "ercot_rtm_hub_spp_15min_2010-12-01_2023-12-31.csv.gz")
RTM_LZ = ("electricity", "ercot", "ercot_rtm_lz_spp_15min_2023-01-01_2023-12-31.csv.gz")
DAM = ("electricity", "ercot", "ercot_dam_spp_hourly_2021-01-01_2023-12-31.csv.gz")


def _rtm_file(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "rtm.csv.gz"
    body = "interval_start_utc,interval_start_local,HB_WEST\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    with gzip.open(path, "wt") as fh:
        fh.write(body)
    return path


def _synthetic_rtm_rows(start_utc: str, n: int) -> list[tuple[str, str, str]]:
    utc = pd.date_range(start_utc, periods=n, freq="15min", tz="UTC")
    local = utc.tz_convert(ERCOT_TZ)
    return [(u.strftime("%Y-%m-%dT%H:%MZ"), lo.strftime("%Y-%m-%dT%H:%M%z"), f"{i * 0.25:.2f}")
            for i, (u, lo) in enumerate(zip(utc, local, strict=True))]


def test_rtm_spring_forward_day_has_92_intervals_and_fall_back_100(tmp_path: Path) -> None:
    # 2023-03-12 (23-hour day) and 2023-11-05 (25-hour day), synthetic file in the real layout
    rows = _synthetic_rtm_rows("2023-03-11T06:00Z", 4 * 24 * 3)
    rows += _synthetic_rtm_rows("2023-11-04T05:00Z", 4 * 24 * 3)
    frame = read_ercot_rtm(_rtm_file(tmp_path, rows), "HB_WEST", "2023-03-12", "2023-03-13")
    assert len(frame) == 92
    assert frame["interval_start_local"].iloc[8].hour == 3  # 02:00 local does not exist that day
    frame = read_ercot_rtm(_rtm_file(tmp_path, rows), "HB_WEST", "2023-11-05", "2023-11-06")
    assert len(frame) == 100
    hours = frame["interval_start_local"].dt.hour.to_numpy()
    assert (hours == 1).sum() == 8  # 01:00-01:59 happens twice
    assert str(frame.index.tz) == "UTC" and frame.index.name == "interval_start_utc"


def test_rtm_local_time_disagreeing_with_utc_is_an_error_naming_the_row(tmp_path: Path) -> None:
    rows = _synthetic_rtm_rows("2023-01-01T06:00Z", 8)
    rows[5] = (rows[5][0], "2023-01-01T01:15-0500", rows[5][2])  # wrong offset
    with pytest.raises(DataFileError) as err:
        read_ercot_rtm(_rtm_file(tmp_path, rows))
    assert err.value.row == 6 and err.value.field == "interval_start_local"


def test_rtm_non_numeric_price_is_an_error_naming_row_and_node(tmp_path: Path) -> None:
    rows = _synthetic_rtm_rows("2023-01-01T06:00Z", 8)
    rows[2] = (rows[2][0], rows[2][1], "n/a")
    with pytest.raises(DataFileError) as err:
        read_ercot_rtm(_rtm_file(tmp_path, rows))
    assert err.value.row == 3 and err.value.field == "HB_WEST"


def test_rtm_gaps_raise_by_default_and_are_reported_on_request(tmp_path: Path) -> None:
    rows = _synthetic_rtm_rows("2023-01-01T06:00Z", 12)
    del rows[4:6]  # two missing timestamps
    rows[8] = (rows[8][0], rows[8][1], "")  # one empty cell
    path = _rtm_file(tmp_path, rows)
    with pytest.raises(MissingDataError, match="2 gap"):
        read_ercot_rtm(path)
    frame = read_ercot_rtm(path, on_gap="report")
    gaps = frame.attrs["gaps"]
    assert [(g.kind, g.n_intervals) for g in gaps] == [("missing_timestamps", 2), ("empty_values", 1)]
    assert gaps[0].start_utc == pd.Timestamp("2023-01-01T07:00Z")


def test_unknown_node_names_the_available_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="HB_WEST"):
        read_ercot_rtm(_rtm_file(tmp_path, _synthetic_rtm_rows("2023-01-01T06:00Z", 4)), "HB_NOPE")


def test_find_gaps_hand_case() -> None:
    idx = pd.DatetimeIndex(["2023-01-01T00:00Z", "2023-01-01T01:00Z", "2023-01-01T04:00Z"])
    gaps = find_gaps(idx, np.array([1.0, np.nan, 2.0]), "1h")
    assert [(g.kind, g.n_intervals, g.start_utc.hour, g.end_utc.hour) for g in gaps] == [
        ("empty_values", 1, 1, 1), ("missing_timestamps", 2, 2, 3)]


def test_daily_profile_interpolates_spring_hour_and_averages_fall_hour() -> None:
    utc = pd.date_range("2023-03-12T06:00Z", "2023-03-13T05:00Z", freq="1h")  # 23 local hours
    spring = pd.Series(np.arange(len(utc), dtype=float), index=utc)
    prof = daily_profile_24h(spring, ERCOT_TZ)
    assert prof.shape == (1, 24)
    assert prof.iloc[0, 2] == pytest.approx((prof.iloc[0, 1] + prof.iloc[0, 3]) / 2)
    utc = pd.date_range("2023-11-05T05:00Z", periods=25, freq="1h")  # a 25-hour local day
    fall = pd.Series(np.arange(len(utc), dtype=float), index=utc)
    prof = daily_profile_24h(fall, ERCOT_TZ)
    assert prof.iloc[0, 1] == pytest.approx(1.5)  # mean of the two 01:00 hours (values 1 and 2)
    assert prof.iloc[0, 23] == pytest.approx(24.0)


@pytest.mark.shared_data
def test_real_rtm_2023_dst_days_and_no_gaps() -> None:
    frame = read_ercot_rtm(shared_file(*RTM), "HB_WEST", "2023-01-01", "2024-01-01")
    days = frame["interval_start_local"].dt.date.value_counts()
    assert days[pd.Timestamp("2023-03-12").date()] == 92
    assert days[pd.Timestamp("2023-11-05").date()] == 100
    assert len(frame) == 35040 and frame.attrs["gaps"] == []
    hourly = hourly_mean_price(frame)
    assert (hourly["n_intervals"] == 4).all() and len(hourly) == 8760


@pytest.mark.shared_data
def test_real_rtm_2013_is_reported_as_a_gap() -> None:
    with pytest.raises(MissingDataError, match="empty_values"):
        read_ercot_rtm(shared_file(*RTM), "HB_WEST", "2013-06-01", "2013-06-02")


@pytest.mark.shared_data
def test_real_rtm_load_zone_file() -> None:
    frame = read_ercot_rtm(shared_file(*RTM_LZ), "LZ_WEST")
    assert len(frame) == 35040
    assert frame["price_usd_per_mwh"].mean() == pytest.approx(59.44, abs=0.01)  # PROVENANCE table


@pytest.mark.shared_data
def test_real_dam_2023_dst_days() -> None:
    frame = read_ercot_dam(shared_file(*DAM), "HB_WEST", "2023-01-01", "2024-01-01")
    per_day = frame.groupby("delivery_date").size()
    assert per_day[pd.Timestamp("2023-03-12").date()] == 23
    assert per_day[pd.Timestamp("2023-11-05").date()] == 25
    assert len(frame) == 8760
    uri = read_ercot_dam(shared_file(*DAM), "HB_WEST", "2021-02-14", "2021-02-16")
    assert uri.loc[pd.Timestamp("2021-02-15T00:00Z"), "price_usd_per_mwh"] == pytest.approx(7000.01)
