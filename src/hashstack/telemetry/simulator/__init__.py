"""Fleet simulator: virtual ASICs on loopback answering the CGMiner RPC API in the LuxOS dialect.

Science (no sockets): :mod:`.specs` (what a machine is made of), :mod:`.physics` (airflow, heat,
fan control, site inlet air), :mod:`.failures` (lifetimes, stress acceleration, precursors, the
ground-truth record), :mod:`.fleet_model` (the seeded fleet state machine), :mod:`.luxos` (the
dialect: request bytes -> reply bytes) and :mod:`.access` (cgminer ``--api-allow`` rules).
Edges: :mod:`.server` (asyncio listeners, tick loop, truth log writer), :mod:`.process` (start and stop
a fleet in a thread or a subprocess), :mod:`.cli` (``hashstack sim fleet``) and :mod:`.demo`.

The public API is importable from here lazily (importing this package does not import asyncio)::

    from hashstack.telemetry.simulator import start_fleet_subprocess
    with start_fleet_subprocess(100, "127.1.0.1", seed=1, speed=60) as fleet:
        fleet.addresses  # ['127.1.0.1', ..., '127.1.0.100'], each answering on port 4028
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    "MinerSpec": "specs", "spec_from_catalog": "specs", "HARDWARE_LAYOUTS": "specs",
    "AmbientProfile": "physics", "TempControl": "physics",
    "FailureSettings": "failures", "FailureRecord": "failures",
    "FleetModel": "fleet_model", "MinerReading": "records", "Profile": "records",
    "LuxosDialect": "luxos", "parse_api_allow": "access",
    "FleetConfig": "server", "FleetServer": "server", "read_truth_jsonl": "server", "address_range": "server",
    "start_fleet_subprocess": "process", "start_fleet_thread": "process", "specs_for": "process",
    "FleetProcess": "process", "FleetThread": "process",
    "simulate_history": "history", "FleetHistory": "history",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
