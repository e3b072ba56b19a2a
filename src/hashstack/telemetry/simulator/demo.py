"""Demo section: a small simulated fleet on loopback, read and controlled over the wire, then stopped.

Also runs the pure failure model (no sockets) for a few hundred miners over simulated months, to show
the ground-truth log the maintenance models are scored against.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

from hashstack.config import Settings
from hashstack.console import print_record, print_table

DEMO_FIRST_ADDRESS = "127.11.0.1"
DEMO_SITE = Path(__file__).resolve().parents[3].parent / "examples" / "site.toml"


def _query(address: str, command: str, parameter: str | None = None, port: int = 4028,
           source: str | None = None) -> dict[str, Any]:
    req = {"command": command} if parameter is None else {"command": command, "parameter": parameter}
    with socket.create_connection((address, port), timeout=5,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(json.dumps(req).encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return json.loads(data.rstrip(b"\x00"))


def _row(address: str) -> dict[str, Any]:
    r = _query(address, "version+stats+power+config+fans")
    st = r["stats"][0]["STATS"][1]
    n_boards = st["miner_count"]
    chips = [st[f"chain_acn{k}"] for k in range(1, n_boards + 1)]
    chip_max = max(max(int(x) for x in st[f"temp_chip{k}"].split("-") if x) for k in range(1, n_boards + 1))
    return {
        "address": address, "model": r["version"][0]["VERSION"][0]["Type"],
        "hashrate_ths": round(float(st["GHS 5s"]) / 1e3, 1), "power_w": r["power"][0]["POWER"][0]["Watts"],
        "profile": r["config"][0]["CONFIG"][0]["Profile"], "chips": "/".join(str(c) for c in chips),
        "temp_chip_max_c": chip_max,
        "fan_speed_rpm": "/".join(str(f["RPM"]) for f in r["fans"][0].get("FANS", [])),
    }


def _failure_model_figures() -> dict[str, Any]:
    from hashstack.telemetry.simulator.failures import FailureSettings
    from hashstack.telemetry.simulator.fleet_model import FleetModel
    from hashstack.telemetry.simulator.process import specs_for

    model = FleetModel(specs_for(200, model="Antminer S21"), seed=7, start_ts_utc_s=1_767_225_600.0,
                       failures=FailureSettings(acceleration=10.0, precursor_strength=0.6), max_substep_s=3600.0)
    for _ in range(90 * 24):
        model.step(3600.0)
    counts: dict[str, int] = {}
    leads: dict[str, list[float]] = {}
    for rec in model.records:
        counts[rec.component] = counts.get(rec.component, 0) + 1
        leads.setdefault(rec.component, []).append((rec.failure_ts_utc_s - rec.onset_ts_utc_s) / 86400)
    return {"miners": 200, "days": 90, "ageing_acceleration": 10.0, "failures": counts,
            "median_precursor_days": {k: round(sorted(v)[len(v) // 2], 1) for k, v in leads.items()},
            "degrading_at_end": len(model.degrading())}


def demo_section(settings: Settings, workdir: Path, quiet: bool) -> dict[str, Any]:
    """Start 6 simulated miners (the example site's model mix), read two over the wire, cap one, stop."""
    from hashstack.telemetry.simulator.process import specs_for, start_fleet_thread
    from hashstack.telemetry.simulator.server import FleetConfig

    site = DEMO_SITE if DEMO_SITE.exists() else None
    config = FleetConfig(specs=specs_for(6, site=site), first_address=DEMO_FIRST_ADDRESS, seed=1, speed=60.0,
                         tick_s=0.25, start_ts_utc_s=1_767_268_800.0, ground_truth_path=workdir / "sim_truth.jsonl")
    with start_fleet_thread(config) as fleet:
        time.sleep(1.0)  # a few ticks (about a simulated minute) so temperatures settle from the inlet value
        before = [_row(a) for a in fleet.addresses[:2]]
        target = fleet.addresses[0]
        sid = _query(target, "logon")["SESSION"][0]["SessionID"]
        answer = _query(target, "profileset", f"{sid},3000W")
        _query(target, "logoff", sid)
        refused = _query(target, "logon", source="127.12.0.1")["STATUS"][0]["Msg"]  # a read-only client
        time.sleep(0.6)
        after = _row(target)
        served = fleet.addresses
    failures = _failure_model_figures()
    result = {
        "addresses": f"{served[0]} - {served[-1]}", "miners": len(served), "readings": before,
        "power_cap": {"request": "profileset 3000W", "status": answer["STATUS"][0]["Msg"],
                      "profile": answer["PROFILE"][0]["Profile"], "after": after},
        "read_only_client_logon": refused,
        "failure_model": failures,
    }
    if not quiet:
        print_record({"miners": len(served), "addresses": result["addresses"], "dialect": "LuxOS / CGMiner API",
                      "speed": "60x", "logon from a read-only address": refused}, title="Simulated fleet on loopback")
        print_table([*before, after], title="Two miners read over the wire; the last row is miner 1 after "
                                            "'profileset 3000W' (power cap)")
        print_record({**{f"failures_{k}": v for k, v in failures["failures"].items()},
                      **{f"median_precursor_days_{k}": v for k, v in failures["median_precursor_days"].items()}},
                     title="Failure model: 200 S21s, 90 simulated days, ageing x10 (ground truth)")
    return result
