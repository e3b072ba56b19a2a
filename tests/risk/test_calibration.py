"""Calibration of the market model: hand-computed statistics, the shared history, the shipped fallback."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import shared_file

from hashstack.config import Settings
from hashstack.errors import DataFileError, InputError, MissingDataError
from hashstack.risk.calibration import MarketCalibration, monthly_log_returns, overlapping_log_returns, split_jumps
from hashstack.risk.history import choose_market_calibration, read_market_calibration, shipped_market_calibration

HISTORY = ("bitcoin", "btc_daily_merged_2009-01-03_2025-12-29.csv")


def test_monthly_log_returns_by_hand() -> None:
    price = np.exp(np.arange(61) * 0.01)  # +1 % log per day
    r = monthly_log_returns(price, days_per_step=30)
    np.testing.assert_allclose(r, [0.30, 0.30], atol=1e-12)
    o = overlapping_log_returns(price, days=30)
    assert o.shape == (31,)
    np.testing.assert_allclose(o, 0.30, atol=1e-12)


def test_split_jumps_finds_planted_jumps() -> None:
    # bounded noise: U(-0.1, 0.1) has MAD 0.05, robust s.d. 0.074, threshold 0.185: no noise is flagged
    rng = np.random.default_rng(3)
    r = rng.uniform(-0.1, 0.1, 600)
    r[::50] += 1.5  # 12 jumps of +1.5
    diffusion_sd, intensity, jump_mean, jump_sd = split_jumps(r)
    assert intensity == pytest.approx(12 / 600, abs=1e-12)
    assert diffusion_sd == pytest.approx(0.2 / np.sqrt(12), rel=0.08)  # s.d. of U(-a, a) = a / sqrt(3)
    assert jump_mean == pytest.approx(1.5, abs=0.06)
    assert jump_sd < 0.1


def test_split_jumps_needs_a_year() -> None:
    with pytest.raises(InputError):
        split_jumps(np.zeros(5))


@pytest.mark.shared_data
def test_history_calibration_is_plausible() -> None:
    cal = read_market_calibration(shared_file(*HISTORY))
    assert cal.start_date == "2015-01-01"
    assert 0.12 < cal.btc_log_return_sd_per_month < 0.35  # BTC monthly vol 2015-2025
    assert cal.btc_diffusion_sd_per_month < cal.btc_log_return_sd_per_month
    assert 0 < cal.btc_jump_intensity_per_month < 0.2
    assert 5e8 < cal.network_hashrate_last_ths < 2e9  # about 1 ZH/s at end of 2025
    assert cal.bootstrap_log_returns_30d is not None and cal.bootstrap_log_returns_30d.size > 3000


@pytest.mark.shared_data
def test_shipped_parameters_are_the_history_statistics() -> None:
    """The shipped fallback is exactly the (rounded) statistics of the history, so it is documented data."""
    cal = read_market_calibration(shared_file(*HISTORY))
    shipped = shipped_market_calibration()
    for name, value in cal.parameters().items():
        if isinstance(value, str):
            assert getattr(shipped, name) == value
        else:
            assert getattr(shipped, name) == pytest.approx(value, rel=1e-4), name


def test_shipped_file_names_source_and_window() -> None:
    params = json.loads(resources.files("hashstack.risk").joinpath("data", "market_calibration.json").read_text())
    assert "btc_daily_merged" in params["source"] and "Coin Metrics" in params["_note"]
    assert MarketCalibration.from_parameters(params).bootstrap_log_returns_30d is None


def test_fallback_is_announced(tmp_path: Path) -> None:
    choice = choose_market_calibration(Settings(data_dir=tmp_path))
    assert not choice.from_history
    assert "SHIPPED" in choice.note and "2015-01-01" in choice.note
    with pytest.raises(MissingDataError):
        choose_market_calibration(Settings(data_dir=tmp_path), require_history=True)


def test_bad_history_names_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bitcoin"
    bad.mkdir()
    rows = ["date,price_usd,difficulty_mean,hashrate_ehs,fees_btc,blocks"]
    for i in range(500):
        day = np.datetime64("2020-01-01") + i
        price = "" if i == 41 else "100"
        rows.append(f"{day},{price},1e13,100,1.0,144")
    path = bad / "btc_daily_merged_x.csv"
    path.write_text("\n".join(rows))
    with pytest.raises(DataFileError) as err:
        choose_market_calibration(Settings(data_dir=tmp_path))
    assert err.value.row == 42 and err.value.field == "price_usd"
    path.write_text("date,price_usd\n2020-01-01,1\n")
    with pytest.raises(DataFileError) as err:
        read_market_calibration(path)
    assert err.value.field == "difficulty_mean"
