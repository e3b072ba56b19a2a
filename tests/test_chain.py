"""Chain facts: subsidy schedule, halvings, difficulty and hash rate."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from tests.conftest import shared_file

from hashstack import chain
from hashstack.errors import InputError


@pytest.mark.parametrize(("height", "sat"), [
    (0, 5_000_000_000), (209_999, 5_000_000_000), (210_000, 2_500_000_000), (420_000, 1_250_000_000),
    (630_000, 625_000_000), (840_000, 312_500_000), (1_050_000, 156_250_000),
    (6_510_000, 2),  # era 31: 5e9 / 2^31 = 2.33, floored by the shift
    (6_720_000, 1),  # era 32: the last satoshi subsidy
    (6_930_000, 0), (13_440_000, 0), (10**9, 0),  # era 33 on, and the >= 64 shift guard
])
def test_subsidy_by_exact_integer_rule(height: int, sat: int) -> None:
    assert chain.block_subsidy_sat(height) == sat


def test_subsidy_vectorised_matches_scalar() -> None:
    heights = np.array([0, 209_999, 210_000, 840_000, 6_929_999, 6_930_000, 20_000_000])
    vec = chain.block_subsidy_sat(heights)
    assert vec.tolist() == [chain.block_subsidy_sat(int(h)) for h in heights]
    assert chain.block_subsidy_btc(840_000) == 3.125


def test_total_supply_just_under_21_million() -> None:
    total = chain.total_supply_sat()
    assert total == 2_099_999_997_690_000  # the well-known 20,999,999.9769 BTC
    assert total < 21_000_000 * 100_000_000


def test_negative_height_rejected() -> None:
    with pytest.raises(InputError):
        chain.block_subsidy_sat(-1)


def test_halving_dates_from_height_and_interval() -> None:
    now = datetime(2026, 4, 21, tzinfo=UTC)
    est = chain.estimate_halvings(946_080, now, block_interval_s=600, count=2)
    assert [e.height for e in est] == [1_050_000, 1_260_000]
    assert est[0].blocks_remaining == 103_920
    assert (est[0].estimated_ts_utc - now).total_seconds() == 103_920 * 600
    assert est[0].subsidy_after_btc == 1.5625
    with pytest.raises(InputError):
        chain.estimate_halvings(1, datetime(2026, 1, 1), 600)


def test_difficulty_hashrate_round_trip() -> None:
    # D x 2^32 / 600 s: difficulty 1.355e14 -> ~970 EH/s
    h = chain.network_hashrate_ths_from_difficulty(135594876535256.5)
    assert h == pytest.approx(135594876535256.5 * 2**32 / 600 / 1e12)
    assert h / 1e6 == pytest.approx(970.63, abs=0.01)
    assert chain.difficulty_from_network_hashrate_ths(h) == pytest.approx(135594876535256.5)


def test_btc_per_th_day_hand_value() -> None:
    # D = 1e14, reward 3.125: 86400 * 1e12 / (1e14 * 2^32) * 3.125 BTC
    assert chain.btc_per_th_day(1e14, 3.125) == pytest.approx(86400e12 / (1e14 * 2**32) * 3.125, rel=1e-14)


def test_hashrate_from_difficulty_history_against_real_epochs() -> None:
    raw = pd.read_csv(shared_file("bitcoin", "difficulty_epochs_h0_to_2026-04.csv"))
    raw = raw[raw["unix_ts"].notna()]
    epochs = pd.DataFrame({"height": raw["height"].astype(int), "difficulty": raw["difficulty"],
                           "ts_utc": pd.to_datetime(raw["unix_ts"].astype(int), unit="s", utc=True)})
    out = chain.network_hashrate_from_epochs(epochs)
    recent = out[(out["height"] >= 800_000) & out["network_hashrate_ths"].notna()]
    # blocks come a little faster than 600 s while hash rate grows: realised >= implied on average, within 10%
    ratio = recent["network_hashrate_ths"] / recent["implied_hashrate_ths"]
    assert 0.9 < ratio.median() < 1.1
    assert (recent["block_interval_s"].between(450, 750)).all()
    assert np.isnan(out["network_hashrate_ths"].iloc[-1])  # the open epoch has no realised value
