"""Simulator ground truth into the store: the failure log the maintenance models are scored against.

The fleet simulator appends one JSON line per failure to its ``--ground-truth`` file (see
:mod:`hashstack.telemetry.simulator.server`); this module maps those records onto the store's
``failures`` table.  Imports are idempotent on ``failure_id``, so the collector can re-read the growing
file every poll.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hashstack.errors import DataFileError
from hashstack.store.base import TelemetryStore
from hashstack.telemetry.records import FailureRecord


def failure_records_from_simulator(records: Iterable[Any], port: int = 4028) -> list[FailureRecord]:
    """Map simulator failure records (``failure_id``, ``miner_address``, ``mode``, ``onset_ts_utc_s``,
    ``failure_ts_utc_s``, ``component``, ``component_index``, ``model``, ``precursor_strength``,
    ``detail``) to store records; ``miner_id`` is ``<miner_address>:<port>``."""
    out = []
    for r in records:
        details = {"component": r.component, "component_index": r.component_index, "model": r.model,
                   "precursor_strength": r.precursor_strength, **dict(r.detail)}
        out.append(FailureRecord(
            failure_id=str(r.failure_id), miner_id=f"{r.miner_address}:{port}", failure_kind=str(r.mode),
            onset_ts_utc=datetime.fromtimestamp(float(r.onset_ts_utc_s), tz=UTC),
            failure_ts_utc=(datetime.fromtimestamp(float(r.failure_ts_utc_s), tz=UTC)
                            if r.failure_ts_utc_s is not None else None),
            details=json.dumps(details, sort_keys=True, default=str)))
    return out


def import_ground_truth(store: TelemetryStore, path: str | Path, port: int = 4028) -> int:
    """Import the simulator's ground-truth JSONL file into ``store``; returns new rows written.

    Raises
    ------
    DataFileError : the file is missing or a line is not a valid record (naming the line)
    """
    from hashstack.telemetry.simulator.failures import FailureRecord as SimFailure

    p = Path(path)
    if not p.exists():
        raise DataFileError(p, "ground-truth file not found")
    sims = []
    for line_no, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            sims.append(SimFailure(**json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise DataFileError(p, f"not a failure record: {exc}", row=line_no) from None
    return store.write_failures(failure_records_from_simulator(sims, port))
