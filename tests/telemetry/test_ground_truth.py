"""Simulator ground truth -> the store's failures table (idempotent, errors name the line)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hashstack.errors import DataFileError
from hashstack.store.duckdb_store import DuckDBStore
from hashstack.telemetry.ground_truth import failure_records_from_simulator, import_ground_truth
from hashstack.telemetry.simulator.failures import FailureRecord as SimFailure

SIM = SimFailure(failure_id="7-fan2", miner_index=7, miner_address="127.1.0.8", model="Antminer S21",
                 component="fan", component_index=2, mode="bearing_stall", onset_ts_utc_s=1_767_225_600.0,
                 failure_ts_utc_s=1_767_830_400.0, precursor_strength=0.6, detail={"rpm_at_stall": 0})


def test_mapping() -> None:
    (r,) = failure_records_from_simulator([SIM], port=4028)
    assert (r.failure_id, r.miner_id, r.failure_kind) == ("7-fan2", "127.1.0.8:4028", "bearing_stall")
    assert r.onset_ts_utc == datetime(2026, 1, 1, tzinfo=UTC)
    assert r.failure_ts_utc == datetime(2026, 1, 8, tzinfo=UTC)
    d = json.loads(r.details)
    assert d["component"] == "fan" and d["component_index"] == 2 and d["rpm_at_stall"] == 0


def test_import_is_idempotent_and_errors_name_the_line(tmp_path: Path) -> None:
    p = tmp_path / "truth.jsonl"
    p.write_text(json.dumps(SIM.to_dict()) + "\n")
    with DuckDBStore(tmp_path / "s.duckdb") as store:
        assert import_ground_truth(store, p) == 1
        assert import_ground_truth(store, p) == 0
        assert list(store.read_table("failures").failure_id) == ["7-fan2"]
        p.write_text(json.dumps(SIM.to_dict()) + "\n{\"bogus\": 1}\n")
        with pytest.raises(DataFileError, match="row 2"):
            import_ground_truth(store, p)
