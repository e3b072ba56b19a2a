"""ERCOT 4CP model: loaders, hand-made cases, and the out-of-sample score on the shared data."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from conftest import shared_file
from hashstack.energy.ercot_load import read_4cp_intervals, read_ercot_load
from hashstack.energy.fourcp import (
    TRANSMISSION_RATE_USD_PER_KW_YEAR,
    FourCPModel,
    daily_features,
    label_days,
    out_of_sample_scores,
    score_year,
    threshold_for_value,
    value_per_mw_interval_usd,
)
from hashstack.errors import DataFileError

LOAD = ("electricity", "ercot_load", "ercot_native_load_hourly_2002-01-01_2023-12-31.csv.gz")
FOURCP = ("electricity", "ercot_load", "ercot_4cp_intervals_to_2023.csv")


def test_transmission_rate_by_summer():
    from hashstack.energy.fourcp import transmission_rate_for_summer

    assert transmission_rate_for_summer(2023) == (pytest.approx(66.756998), None)  # billing year 2024
    assert transmission_rate_for_summer(2024)[0] == pytest.approx(68.547301)
    rate, note = transmission_rate_for_summer(2019)
    assert rate == pytest.approx(66.756998) and "billing year 2020" in note and "2024 rate" in note


def test_value_of_an_avoided_interval():
    # 66.756998 USD/kW-yr x 1000 kW / 4 intervals
    assert value_per_mw_interval_usd() == pytest.approx(16_689.2495)
    assert TRANSMISSION_RATE_USD_PER_KW_YEAR == pytest.approx(66.756998)
    # 1.25 h window at 40 USD/MWh lost margin, window catches 95%: 50 / (16689.25 x 0.95)
    assert threshold_for_value(16_689.2495, 40.0, 1.25, 0.95) == pytest.approx(50 / (16_689.2495 * 0.95))


def test_bad_load_file_names_row_and_field(tmp_path):
    p = tmp_path / "load.csv.gz"
    with gzip.open(p, "wt") as f:
        f.write("interval_start_utc,ERCOT\n2023-06-01T05:00:00Z,50000\n2023-06-01T06:00:00Z,lots\n")
    with pytest.raises(DataFileError, match=r"row 2, field 'ERCOT'"):
        read_ercot_load(p)
    q = tmp_path / "4cp.csv"
    q.write_text("year,month,interval_end_utc,interval_basis,interval_start_local\n"
                 "2023,6,2023-06-27T22:00:00Z,official,2023-06-27T16:45:00-05:00\n"
                 "2023,5,2023-05-27T22:00:00Z,official,2023-05-27T16:45:00-05:00\n")
    with pytest.raises(DataFileError, match=r"row 2, field 'month'"):
        read_4cp_intervals(q)


def _synthetic_load(years=range(2010, 2018)):
    """Hourly load with an afternoon hump and one obvious peak day per summer month."""
    idx = pd.date_range(f"{min(years)}-01-01", f"{max(years) + 1}-01-01", freq="h", tz="UTC", inclusive="left")
    local = idx.tz_convert("America/Chicago")
    hour = local.hour.to_numpy()
    base = 40_000 + 10_000 * np.exp(-((hour - 16) ** 2) / 8.0)
    day = local.normalize().tz_localize(None)
    peak_days = []
    for y in years:
        for m, d in ((6, 20), (7, 17), (8, 14), (9, 11)):
            peak_days.append(pd.Timestamp(y, m, d))
    boost = np.where(np.isin(day, pd.DatetimeIndex(peak_days)), 1.15, 1.0)
    rng = np.random.default_rng(0)
    mw = base * boost * (1 + 0.01 * rng.standard_normal(idx.size))
    load = pd.DataFrame({"interval_start_local": local, "ercot_load_mw": mw}, index=idx)
    ends = [pd.Timestamp(d).tz_localize("America/Chicago") + pd.Timedelta(hours=17) for d in peak_days]
    iv = pd.DataFrame({
        "year": [e.year for e in ends], "month": [e.month for e in ends],
        "interval_end_utc": pd.DatetimeIndex(ends).tz_convert("UTC"),
    })
    iv["interval_start_utc"] = iv["interval_end_utc"] - pd.Timedelta(minutes=15)
    iv["interval_basis"] = "synthetic"
    return load, iv


def test_model_finds_obvious_peak_days_and_window():
    load, iv = _synthetic_load()
    f = daily_features(load)
    # features need 200 days of history (vs_year_peak): 2010 starts on 19 July, so it keeps Aug and Sep
    assert label_days(f, iv).sum() == 4 * 7 + 2
    model = FourCPModel.fit(f[f["year"] < 2017], iv)
    # every synthetic interval starts 16:45 local: slot 67, and the window is exactly that slot
    assert model.window_slots.tolist() == [67]
    assert model.window_catch_frac == pytest.approx(1.0)
    # intervals whose 15-minute start the source does not state are left out of the window (not a year bound)
    odd = iv.copy()
    odd["interval_start_known"] = True
    early = odd["year"] < 2012
    odd.loc[early, "interval_start_utc"] = odd.loc[early, "interval_start_utc"] - pd.Timedelta(hours=3)
    wide = FourCPModel.fit(f[f["year"] < 2017], odd)  # 2010-2011 (8 of 28 training intervals) 3 h earlier
    assert (wide.window_slots.min(), wide.window_slots.max()) == (55, 67)
    narrow = FourCPModel.fit(f[f["year"] < 2017], odd, window_coverage_frac=0.7)
    assert narrow.window_slots.tolist() == [67] and narrow.window_catch_frac == pytest.approx(20 / 28)
    odd.loc[early, "interval_start_known"] = False
    assert FourCPModel.fit(f[f["year"] < 2017], odd).window_slots.tolist() == [67]
    p = model.day_probability(f[f["year"] == 2017])
    top = p.groupby(pd.DatetimeIndex(p.index).month).idxmax()
    assert [d.day for d in top] == [20, 17, 14, 11]
    s = score_year(p >= 0.5, model.window_slots, iv, 2017)
    assert (s.intervals_avoided, s.intervals_total, s.days_curtailed) == (4, 4, 4)
    assert s.hours_curtailed == pytest.approx(1.0)
    assert s.avoided_value_usd_per_mw == pytest.approx(4 * value_per_mw_interval_usd())


@pytest.mark.slow
def test_out_of_sample_on_ercot_history():
    load = read_ercot_load(shared_file(*LOAD))
    iv = read_4cp_intervals(shared_file(*FOURCP))
    f = daily_features(load)
    years = list(range(2012, 2024))
    scores, _, _ = out_of_sample_scores(f, iv, years, threshold=0.02)
    avoided = sum(s.intervals_avoided for s in scores)
    hours = np.mean([s.hours_curtailed for s in scores])
    # bench/energy_schedule.py measured 46 of 48 at p >= 0.01 (62 h a year) and 44 at 0.05 (37 h); the bar
    # here (0.02) is set below that
    assert avoided >= 0.85 * 4 * len(years)
    assert hours < 100
    # the naive rule (curtail the same window on every summer weekday) costs far more hours
    window_h = scores[-1].hours_curtailed / scores[-1].days_curtailed
    weekdays_per_year = (f[f["year"].isin(years)]["weekday"] == 1.0).sum() / len(years)
    assert hours < 0.5 * weekdays_per_year * window_h


def test_fourcp_caps_for_a_backtest_period():
    from hashstack.config import Settings
    from hashstack.energy.curtailment_inputs import fourcp_caps

    load_path = shared_file(*LOAD)
    settings = Settings(data_dir=load_path.parents[2])
    idx = pd.date_range("2023-06-01 05:00", "2023-10-01 05:00", freq="15min", tz="UTC", inclusive="left")
    caps, actual, notes = fourcp_caps(settings, idx, floor_w=0.0)
    assert len(actual) == 4 and all(t in idx for t in actual)
    local = caps.index.tz_convert("America/Chicago")
    windows = caps.notna().to_numpy()
    assert windows.any()
    slots = (local.hour * 4 + local.minute // 15)[windows]
    assert slots.min() >= 14 * 4 and slots.max() < 19 * 4  # afternoon only
    assert (caps[windows] == 0.0).all()
    assert "2023: 4CP model fitted on 2002-2022" in notes[0]
    # out of sample, 2023's four coincident peaks all fall in flagged windows (bench: 0 MW in every one)
    assert (caps[pd.DatetimeIndex(actual)] == 0.0).all()
