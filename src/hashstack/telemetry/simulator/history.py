"""Offline fleet history: step the model without sockets and record what a collector would see.

For the maintenance models: months of per-miner telemetry and the matching ground truth in seconds,
with the same physics, failure processes and firmware-reported values (stuck sensor readings
included) as the served fleet. Pure science module (numpy and pandas, no I/O).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashstack.errors import InputError
from hashstack.telemetry.simulator.failures import FailureSettings
from hashstack.telemetry.simulator.fleet_model import FleetModel
from hashstack.telemetry.simulator.physics import AmbientProfile
from hashstack.telemetry.simulator.specs import MinerSpec

TELEMETRY_COLUMNS = (
    "ts_utc", "miner_index", "model", "mode", "hashrate_ths", "power_w", "power_limit_w", "temp_inlet_c",
    "temp_board_max_c", "temp_chip_max_c", "fan_speed_rpm_min", "fan_speed_rpm_mean", "fan_pct", "chips_alive",
    "chips_expected", "hw_errors", "accepted", "rejected", "psu_voltage_v", "frequency_mhz",
)


@dataclass(frozen=True, slots=True)
class FleetHistory:
    """Telemetry samples and ground truth of one offline run.

    Attributes
    ----------
    telemetry : one row per miner and sample time, columns :data:`TELEMETRY_COLUMNS`; counters
        (``hw_errors``, ``accepted``, ``rejected``) are cumulative as firmware reports them; temperatures
        are what firmware reports (a stuck sensor shows 0, -40 or 255); ``ts_utc`` is tz-aware UTC
    failures : one row per failure (:class:`~.failures.FailureRecord` fields, ``detail`` as a dict)
    degrading_at_end : components in their precursor phase that had not failed when the run ended
    """

    telemetry: pd.DataFrame
    failures: pd.DataFrame
    degrading_at_end: pd.DataFrame


def _sample(model: FleetModel) -> dict[str, np.ndarray]:
    bad = model.sensor_failed | model.sensor_glitch
    present = model.board_present[:, :, None] & ~model.board_dead[:, :, None]
    pcb = np.where(bad, model.sensor_value, model.pcb_c + model.sensor_offset_c)
    chip = np.where(bad, model.sensor_value, model.chip_c + model.sensor_offset_c)
    board_max = np.where(present, pcb, -np.inf).max(axis=(1, 2))
    chip_max = np.where(present, chip, -np.inf).max(axis=(1, 2))
    n_fans = model.fan_present.sum(axis=1)
    rpm_min = np.where(model.fan_present, model.fan_rpm, np.inf).min(axis=1)
    rpm_mean = np.where(model.fan_present, model.fan_rpm, 0.0).sum(axis=1) / np.maximum(n_fans, 1)
    no_fans = n_fans == 0
    snap = model._snapshot()
    return {
        "mode": np.asarray(snap["mode"]), "hashrate_ths": np.asarray(snap["hashrate"]),
        "power_w": model.power_w.copy(), "power_limit_w": np.asarray(snap["power_limit"]),
        "temp_inlet_c": model.inlet_c(), "temp_board_max_c": np.where(np.isfinite(board_max), board_max, np.nan),
        "temp_chip_max_c": np.where(np.isfinite(chip_max), chip_max, np.nan),
        "fan_speed_rpm_min": np.where(no_fans, np.nan, rpm_min),
        "fan_speed_rpm_mean": np.where(no_fans, np.nan, rpm_mean), "fan_pct": model.fan_pct.copy(),
        "chips_alive": model.chips.sum(axis=1), "chips_expected": model.chips_per_board * model.n_boards.astype(int),
        "hw_errors": model.hw.sum(axis=1).astype(np.int64), "accepted": model.accepted.astype(np.int64),
        "rejected": model.rejected.astype(np.int64), "psu_voltage_v": model.psu_v.copy(),
        "frequency_mhz": model.freq.astype(np.int64),
    }


def simulate_history(specs: Sequence[MinerSpec], *, days: float, sample_every_s: float = 3600.0, seed: int = 0,
                     start_ts_utc_s: float = 1_767_225_600.0, ambient: AmbientProfile | None = None,
                     failures: FailureSettings | None = None, max_substep_s: float = 600.0,
                     on_progress: Callable[[int, int], None] | None = None) -> FleetHistory:
    """Run the fleet model for ``days`` and sample every miner every ``sample_every_s`` seconds.

    Parameters
    ----------
    specs : one spec per miner
    days : simulated span [days]
    sample_every_s : sampling (and model step) interval [s]
    max_substep_s : longest internal model step [s] (the thermal lag is exact for any step; the fan loop
        and the failure processes are resolved at this interval)
    seed : seed of the model
    start_ts_utc_s : simulated start [s since epoch, UTC]; default 2026-01-01T00:00Z
    ambient, failures : site air and failure settings (defaults as the served fleet)
    on_progress : called with ``(steps_done, steps_total)`` (the CLI's progress bar)

    Returns
    -------
    FleetHistory with ``len(specs) * n_samples`` telemetry rows, ``n_samples = floor(days*86400 /
    sample_every_s)``.
    """
    if days <= 0 or sample_every_s <= 0:
        raise InputError("days and sample_every_s must be > 0")
    n_steps = int(days * 86400.0 // sample_every_s)
    if n_steps < 1:
        raise InputError(f"{days} days is shorter than one sample interval of {sample_every_s} s")
    model = FleetModel(specs, seed=seed, start_ts_utc_s=start_ts_utc_s, ambient=ambient, failures=failures,
                       max_substep_s=max_substep_s)
    n = model.n
    frames: dict[str, list[np.ndarray]] = {c: [] for c in TELEMETRY_COLUMNS}
    for k in range(n_steps):
        model.step(sample_every_s)
        cols = _sample(model)
        frames["ts_utc"].append(np.full(n, model.now_ts_utc_s))
        frames["miner_index"].append(np.arange(n))
        for name, arr in cols.items():
            frames[name].append(arr)
        if on_progress is not None:
            on_progress(k + 1, n_steps)
    models = np.array([s.model for s in specs])
    data = {c: np.concatenate(frames[c]) for c in TELEMETRY_COLUMNS if c != "model"}
    data["model"] = np.tile(models, n_steps)
    tel = pd.DataFrame(data, columns=list(TELEMETRY_COLUMNS))
    tel["ts_utc"] = pd.to_datetime(tel["ts_utc"], unit="s", utc=True)
    fail = pd.DataFrame([r.to_dict() for r in model.records])
    if not fail.empty:
        for col in ("onset_ts_utc_s", "failure_ts_utc_s"):
            fail[col.replace("_ts_utc_s", "_utc")] = pd.to_datetime(fail[col], unit="s", utc=True)
    deg = pd.DataFrame(model.degrading())
    return FleetHistory(telemetry=tel, failures=fail, degrading_at_end=deg)
