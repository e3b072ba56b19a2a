"""Wear-out and failure of a simulated fleet's components: fans, hash boards, temperature sensors, PSUs.

A mixin of :class:`~hashstack.telemetry.simulator.fleet_model.FleetModel` holding the state of every
failure process of :mod:`.failures`: each component's age and drawn life, the onset of its precursor,
the stepwise chip loss of a dying board, stuck sensors, and the ground-truth records written when a
component fails.  The fleet model ages the components in its substep (their ageing depends on its
temperatures and duty) and calls :meth:`ComponentWear._advance_failures` with the precursor progress.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashstack.telemetry.simulator.failures import (
    SENSOR_FAULT_VALUES_C,
    FailureRecord,
    FailureSettings,
    precursor_progress,
    weibull_lives_h,
)
from hashstack.telemetry.simulator.records import DEAD
from hashstack.telemetry.simulator.specs import MinerSpec

MAX_LOSS_STEPS = 4
"""Most steps of chip loss a board goes through before it dies (at full precursor strength)."""


class ComponentWear:
    """Component ages, lives, onsets and failures (see the module docstring); state set by :meth:`_init_wear`."""

    # set by the host model before :meth:`_init_wear`
    rng: np.random.Generator
    failures: FailureSettings
    specs: list[MinerSpec]
    addresses: list[str]
    now_ts_utc_s: float
    mode: npt.NDArray[np.int8]
    chips: npt.NDArray[np.int64]
    chips_per_board: npt.NDArray[np.int64]
    board_present: npt.NDArray[np.bool_]
    fan_present: npt.NDArray[np.bool_]
    fan_rpm: npt.NDArray[np.float64]
    hw: npt.NDArray[np.float64]
    psu_v: npt.NDArray[np.float64]

    def _init_wear(self, n: int, nb: int, nf: int) -> None:
        """Draw every component's life (the order of draws is part of the seeded trajectory)."""
        rng = self.rng
        fs = self.failures
        self.fan_age = np.zeros((n, nf))
        self.fan_life = weibull_lives_h(rng, (n, nf), fs.fan_weibull_shape, fs.fan_life_h)
        self.fan_failed = np.zeros((n, nf), dtype=bool)
        self.fan_onset = np.full((n, nf), np.nan)
        self.board_age = np.zeros((n, nb))
        self.board_life = weibull_lives_h(rng, (n, nb), fs.board_weibull_shape, fs.board_life_h)
        self.board_dead = np.zeros((n, nb), dtype=bool)
        self.board_onset = np.full((n, nb), np.nan)
        self.loss_at = np.sort(rng.uniform(0.15, 0.95, (n, nb, MAX_LOSS_STEPS)), axis=2)
        self.loss_chips = np.maximum(1, np.round(
            self.chips_per_board[:, None, None] * rng.uniform(0.005, 0.03, (n, nb, MAX_LOSS_STEPS)))).astype(int)
        n_steps = round(MAX_LOSS_STEPS * fs.precursor_strength)
        self.loss_done = np.zeros((n, nb, MAX_LOSS_STEPS), dtype=bool)
        self.loss_done[:, :, n_steps:] = True  # steps beyond the strength setting never happen
        self.sensor_age = np.zeros((n, nb, 4))
        self.sensor_life = rng.exponential(fs.sensor_mtbf_h, (n, nb, 4))
        self.sensor_failed = np.zeros((n, nb, 4), dtype=bool)
        self.sensor_onset = np.full((n, nb, 4), np.nan)
        self.sensor_value = np.asarray(SENSOR_FAULT_VALUES_C)[rng.integers(0, 3, (n, nb, 4))]
        self.psu_age = np.zeros(n)
        self.psu_life = weibull_lives_h(rng, (n,), fs.psu_weibull_shape, fs.psu_life_h)
        self.psu_onset = np.full(n, np.nan)
        self.records: list[FailureRecord] = []
        self._new_records: list[FailureRecord] = []

    def _record(self, i: int, component: str, idx: int, mode: str, onset: float, detail: dict) -> None:
        rec = FailureRecord(
            failure_id=f"m{i}-{component}{idx}", miner_index=int(i), miner_address=self.addresses[i],
            model=self.specs[i].model, component=component, component_index=int(idx), mode=mode,
            onset_ts_utc_s=float(onset if np.isfinite(onset) else self.now_ts_utc_s),
            failure_ts_utc_s=self.now_ts_utc_s, precursor_strength=self.failures.precursor_strength,
            detail=detail)
        self.records.append(rec)
        self._new_records.append(rec)

    def _advance_failures(self, p_fan: np.ndarray, p_board: np.ndarray, p_psu: np.ndarray) -> None:
        fs = self.failures
        now = self.now_ts_utc_s
        alive = self.mode != DEAD
        # onsets (the precursor phase starts)
        for onset, prog, mask in ((self.fan_onset, p_fan, self.fan_present & ~self.fan_failed),
                                  (self.board_onset, p_board, self.board_present & ~self.board_dead)):
            new = mask & (prog > 0) & np.isnan(onset) & alive.reshape((-1,) + (1,) * (mask.ndim - 1))
            onset[new] = now
        new = np.isnan(self.psu_onset) & (p_psu > 0) & alive
        self.psu_onset[new] = now
        p_sensor = precursor_progress(self.sensor_age, self.sensor_life, fs.sensor_lead_h * fs.acceleration)
        new = np.isnan(self.sensor_onset) & (p_sensor > 0) & self.board_present[:, :, None]
        self.sensor_onset[new] = now

        # chip loss in steps during the board precursor
        due = (~self.loss_done) & (p_board[:, :, None] >= self.loss_at) & ~self.board_dead[:, :, None]
        if due.any():
            for i, b, k in zip(*np.nonzero(due), strict=True):
                self.chips[i, b] = max(self.chips[i, b] - self.loss_chips[i, b, k], 1)
                self.loss_done[i, b, k] = True

        # failures
        for i, f in zip(*np.nonzero(self.fan_present & ~self.fan_failed & (self.fan_age >= self.fan_life)
                                    & alive[:, None]), strict=True):
            self.fan_failed[i, f] = True
            self._record(i, "fan", f, "bearing_stall", self.fan_onset[i, f],
                         {"rpm_before_stall": round(float(self.fan_rpm[i, f]))})
        for i, b in zip(*np.nonzero(self.board_present & ~self.board_dead & (self.board_age >= self.board_life)
                                    & alive[:, None]), strict=True):
            lost = int(self.chips_per_board[i] - self.chips[i, b])
            self.board_dead[i, b] = True
            self.chips[i, b] = 0
            self._record(i, "hashboard", b, "board_death", self.board_onset[i, b],
                         {"chips_lost_before_death": lost, "hw_errors": int(self.hw[i, b])})
        for i, b, k in zip(*np.nonzero(self.board_present[:, :, None] & ~self.sensor_failed
                                       & (self.sensor_age >= self.sensor_life) & alive[:, None, None]),
                           strict=True):
            self.sensor_failed[i, b, k] = True
            self._record(i, "temp_sensor", b * 4 + k, "sensor_stuck", self.sensor_onset[i, b, k],
                         {"board": int(b), "position": int(k), "stuck_value_c": float(self.sensor_value[i, b, k])})
        for i in np.flatnonzero(alive & (self.psu_age >= self.psu_life)):
            self._record(int(i), "psu", 0, "psu_failure", self.psu_onset[i],
                         {"voltage_before_failure_v": round(float(self.psu_v[i]), 3)})
            self.mode[i] = DEAD
        # intermittent sensor glitches before the sensor dies
        glitch_p = 0.3 * fs.precursor_strength * p_sensor
        self.sensor_glitch = (self.rng.random(p_sensor.shape) < glitch_p) & ~self.sensor_failed

    def drain_new_records(self) -> list[FailureRecord]:
        """Ground-truth records added since the last call (the server writes them out)."""
        out, self._new_records = self._new_records, []
        return out

    def degrading(self) -> list[dict[str, object]]:
        """Components in their precursor phase that have not failed yet (right-censored truth)."""
        out: list[dict[str, object]] = []
        for i, f in zip(*np.nonzero(~np.isnan(self.fan_onset) & ~self.fan_failed), strict=True):
            out.append({"miner_index": int(i), "component": "fan", "component_index": int(f),
                        "onset_ts_utc_s": float(self.fan_onset[i, f])})
        for i, b in zip(*np.nonzero(~np.isnan(self.board_onset) & ~self.board_dead), strict=True):
            out.append({"miner_index": int(i), "component": "hashboard", "component_index": int(b),
                        "onset_ts_utc_s": float(self.board_onset[i, b])})
        for i, b, k in zip(*np.nonzero(~np.isnan(self.sensor_onset) & ~self.sensor_failed), strict=True):
            out.append({"miner_index": int(i), "component": "temp_sensor", "component_index": int(b * 4 + k),
                        "onset_ts_utc_s": float(self.sensor_onset[i, b, k])})
        for i in np.flatnonzero(~np.isnan(self.psu_onset) & (self.mode != DEAD)):
            out.append({"miner_index": int(i), "component": "psu", "component_index": 0,
                        "onset_ts_utc_s": float(self.psu_onset[i])})
        return out
