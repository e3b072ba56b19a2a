"""Reading daily network history files: vectorised hashprice and errors naming file, row and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashstack.errors import DataFileError
from hashstack.network import hashprice_history, read_network_history

HEADER = "date,price_usd,difficulty_mean,hashrate_ehs,blocks,issuance_btc,fees_btc\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(header + body)
    return path


def test_hand_computed_day(tmp_path: Path) -> None:
    # 144 blocks, 450 BTC subsidy + 9 BTC fees -> 3.1875 BTC per block; D = 1e14:
    # BTC/TH/day = 3.1875 * 86400e12 / (1e14 * 2^32) = 6.4120e-4 ... per PH: x1000.
    path = write(tmp_path, "2025-01-01,100000,1e14,700,144,450,9\n2025-01-02,,1e14,700,144,450,9\n")
    hp = hashprice_history(read_network_history(path))
    expected_btc_ph = 3.1875 * 86400e12 / (1e14 * 2**32) * 1000
    assert hp["hashprice_btc_per_ph_day"].iloc[0] == pytest.approx(expected_btc_ph, rel=1e-12)
    assert hp["hashprice_usd_per_ph_day"].iloc[0] == pytest.approx(expected_btc_ph * 100000, rel=1e-12)
    assert hp["fee_share_frac"].iloc[0] == pytest.approx(9 / 459)
    assert np.isnan(hp["hashprice_usd_per_ph_day"].iloc[1])  # no price that day: missing, not zero


def test_missing_column_names_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "2025-01-01,1,1,1,1,1\n", header="date,price_usd,difficulty_mean,blocks,issuance_btc,x\n")
    with pytest.raises(DataFileError) as err:
        read_network_history(path)
    assert err.value.field == "fees_btc" and str(path) in str(err.value)


def test_non_numeric_cell_names_row_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "2025-01-01,100000,1e14,700,144,450,9\n2025-01-02,100000,abc,700,144,450,9\n")
    with pytest.raises(DataFileError) as err:
        read_network_history(path)
    assert (err.value.row, err.value.field) == (2, "difficulty_mean")
    assert "row 2" in str(err.value) and "'abc'" in str(err.value)


def test_bad_date_names_row(tmp_path: Path) -> None:
    path = write(tmp_path, "2025-13-01,100000,1e14,700,144,450,9\n")
    with pytest.raises(DataFileError) as err:
        read_network_history(path)
    assert (err.value.row, err.value.field) == (1, "date")


def test_whole_shared_history_in_one_call() -> None:
    from tests.conftest import shared_file

    history = read_network_history(shared_file("bitcoin", "btc_daily_merged_2009-01-03_2025-12-29.csv"))
    hp = hashprice_history(history)
    assert len(hp) == len(history) > 6000
    # halving 2024-04-20: the subsidy share of the reward halves; hashprice in BTC drops by ~half
    before = hp["hashprice_btc_per_ph_day"].loc["2024-04-10":"2024-04-18"].mean()
    after = hp["hashprice_btc_per_ph_day"].loc["2024-04-25":"2024-05-03"].mean()
    assert 0.4 < after / before < 0.65
