"""The gridstatus live adapter, replaying a recorded answer (no network)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hashstack.energy.live import get_ercot_spp, gridstatus_ercot
from hashstack.errors import InputError, LiveDataError

RECORDED = Path(__file__).resolve().parents[1] / "data" / "energy" / "gridstatus_ercot_dam_2023-11-05.csv"


class ReplayClient:
    """Stands in for gridstatus.Ercot: returns the recorded answer and remembers the call."""

    def __init__(self, frame: pd.DataFrame | None = None, error: Exception | None = None) -> None:
        self.frame = frame
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def get_spp(self, date: Any, end: Any = None, market: Any = None, locations: Any = "ALL",
                location_type: Any = "ALL", verbose: bool = False) -> pd.DataFrame:
        self.calls.append({"date": date, "end": end, "market": market, "locations": locations})
        if self.error is not None:
            raise self.error
        assert self.frame is not None
        return self.frame.copy()


def _recorded() -> pd.DataFrame:
    raw = pd.read_csv(RECORDED)
    for col in ("Time", "Interval Start", "Interval End"):
        raw[col] = pd.to_datetime(raw[col], utc=True).dt.tz_convert("US/Central")
    return raw


def test_recorded_answer_is_normalized_to_utc_and_units() -> None:
    client = ReplayClient(_recorded())
    out = get_ercot_spp("2023-11-05", nodes=("HB_WEST", "LZ_WEST"), client=client)
    assert client.calls[0]["market"] == "DAY_AHEAD_HOURLY"
    assert client.calls[0]["locations"] == ["HB_WEST", "LZ_WEST"]
    assert list(out.columns) == ["node", "price_usd_per_mwh"]
    assert str(out.index.tz) == "UTC" and out.index.name == "interval_start_utc"
    west = out[out["node"] == "HB_WEST"]
    assert len(west) == 25  # fall-back day
    assert west.index[0] == pd.Timestamp("2023-11-05T05:00Z")
    assert west.loc[pd.Timestamp("2023-11-05T06:00Z"), "price_usd_per_mwh"] == pytest.approx(24.46)
    assert west.loc[pd.Timestamp("2023-11-05T07:00Z"), "price_usd_per_mwh"] == pytest.approx(27.37)
    assert out.attrs["gaps"] == {"HB_WEST": [], "LZ_WEST": []}


def test_gap_in_answer_is_reported() -> None:
    raw = _recorded()
    raw = raw.drop(index=[3, 4])
    out = get_ercot_spp("2023-11-05", nodes=("HB_WEST",), client=ReplayClient(raw))
    gaps = out.attrs["gaps"]["HB_WEST"]
    assert len(gaps) == 1 and gaps[0].n_intervals == 2


def test_client_failure_becomes_live_data_error() -> None:
    with pytest.raises(LiveDataError, match="failed"):
        get_ercot_spp("2023-11-05", client=ReplayClient(error=ConnectionError("timed out")))


def test_unexpected_payload_is_a_live_data_error() -> None:
    with pytest.raises(LiveDataError, match="SPP"):
        get_ercot_spp("2023-11-05", client=ReplayClient(_recorded().drop(columns=["SPP"])))
    with pytest.raises(LiveDataError, match="no rows for HB_NORTH"):
        get_ercot_spp("2023-11-05", nodes=("HB_NORTH",), client=ReplayClient(_recorded()))
    with pytest.raises(LiveDataError, match="no ERCOT"):
        get_ercot_spp("2023-11-05", client=ReplayClient(_recorded().iloc[0:0]))


def test_bad_arguments() -> None:
    with pytest.raises(InputError):
        get_ercot_spp("2023-11-05", market="intraday", client=ReplayClient(_recorded()))


@pytest.mark.skipif(importlib.util.find_spec("gridstatus") is not None, reason="gridstatus is installed")
def test_missing_extra_is_explained() -> None:
    with pytest.raises(LiveDataError, match="pip install"):
        gridstatus_ercot()
