"""The simulated fleet as a pure, seeded state machine: ``FleetModel.step(dt_s)`` advances every miner.

No sockets, no clock reads: the server edge (:mod:`hashstack.telemetry.simulator.server`) calls
:meth:`FleetModel.step` on its tick and answers RPC requests from :meth:`FleetModel.reading`. The same
seed, start time, specs and sequence of steps and control calls give the same trajectory.

Per miner and step: the site inlet temperature (:mod:`.physics`), the operating point from the active
profile (hash rate proportional to clock, power from the catalogue tuning curve), board and chip
temperatures (thermal-resistance model with a first-order lag), the fan controller, hardware errors
and share counts, and every failure process of :mod:`.failures` with its precursor (component state
and failure bookkeeping in :mod:`.wear`).

Arrays are shaped ``(n_miners,)``, ``(n_miners, n_boards_max)``, ``(n_miners, n_fans_max)`` or
``(n_miners, n_boards_max, 4)`` (four sensors per board); machines with fewer boards or fans are
masked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.telemetry.simulator.failures import (
    FailureSettings,
    arrhenius_acceleration,
    capacitor_acceleration,
    cycle_damage_h,
    fan_acceleration,
    precursor_progress,
)
from hashstack.telemetry.simulator.physics import (
    FAN_POWER_OFF_PCT,
    FAN_RPM_MAX,
    AmbientProfile,
    TempControl,
    airflow_frac,
    diurnal_inlet_c,
    fan_command_pct,
    lag_toward,
    ou_step,
    steady_board_temps_c,
)
from hashstack.telemetry.simulator.records import DEAD, MINING, SLEEPING, MinerReading, Profile
from hashstack.telemetry.simulator.specs import PSU_NOMINAL_V, MinerSpec, build_profiles
from hashstack.telemetry.simulator.wear import ComponentWear

MODE_NAMES = {MINING: "mining", SLEEPING: "sleeping", DEAD: "dead"}

REBOOT_S = 120.0
"""Simulated time a controller needs to reboot and come back on the API [s]."""

SLEEP_POWER_W = 25.0
"""Wall power of a sleeping LuxOS machine (control board only; LuxOS advertises ~25 W) [W]."""

REBOOT_POWER_W = 60.0
"""Wall power while the controller boots (control board and fans) [W]."""

POOL_DIFFICULTY = 65536.0
"""Share difficulty the simulated pool assigns [-]."""

HW_ERRORS_PER_CHIP_HOUR = 0.02
"""Base rate of hardware (nonce/CRC) errors of a healthy chip at 75 C [1/h]."""

REJECT_FRAC = 0.002
"""Share of submitted work the pool rejects for a healthy miner (stales) [-]."""

MIN_FANS = 1
"""LuxOS ``MinFans`` default: fewer working fans and the machine stops hashing."""



class FleetModel(ComponentWear):
    """Seeded simulation of ``len(specs)`` miners.

    Parameters
    ----------
    specs : one :class:`MinerSpec` per miner
    seed : seed of the model's ``np.random.Generator``
    start_ts_utc_s : simulated UNIX time at start [s]
    ambient : site inlet temperature profile
    failures : failure-process parameters, including ``precursor_strength``
    temp_control : LuxOS temperature thresholds
    addresses : the miners' addresses, used only to label ground-truth records
    max_substep_s : longest internal step [s]; a call to :meth:`step` is split into at most 48 substeps
    """

    def __init__(self, specs: Sequence[MinerSpec], *, seed: int, start_ts_utc_s: float,
                 ambient: AmbientProfile | None = None, failures: FailureSettings | None = None,
                 temp_control: TempControl | None = None, addresses: Sequence[str] | None = None,
                 max_substep_s: float = 30.0) -> None:
        if len(specs) == 0:
            raise InputError("a fleet needs at least one miner")
        if addresses is not None and len(addresses) != len(specs):
            raise InputError("addresses and specs must have the same length")
        self.specs = list(specs)
        self.addresses = list(addresses) if addresses is not None else [""] * len(specs)
        self.ambient = ambient or AmbientProfile()
        self.failures = failures or FailureSettings()
        self.temp_control = temp_control or TempControl()
        self.max_substep_s = max_substep_s
        self.rng = np.random.default_rng(seed)
        self.now_ts_utc_s = float(start_ts_utc_s)
        self.start_ts_utc_s = float(start_ts_utc_s)
        n = len(specs)
        self.n = n
        nb = max(s.n_boards for s in specs)
        nf = max(max(s.n_fans for s in specs), 1)
        rng = self.rng

        self._model_specs: list[MinerSpec] = []
        model_of: dict[str, int] = {}
        ids = []
        for s in specs:
            key = f"{s.model}|{s.tuning_frac}"
            if key not in model_of:
                model_of[key] = len(self._model_specs)
                self._model_specs.append(s)
            ids.append(model_of[key])
        self.model_id = np.asarray(ids)
        self._profiles = [build_profiles(s) for s in self._model_specs]

        self.board_present = np.array([[b < s.n_boards for b in range(nb)] for s in specs])
        self.fan_present = np.array([[f < s.n_fans for f in range(nf)] for s in specs])
        self.liquid = np.array([s.cooling != "air" for s in specs])
        self.chips_per_board = np.array([s.chips_per_board for s in specs])
        self.chips = np.where(self.board_present, self.chips_per_board[:, None], 0)
        self.h_nom = np.array([s.hashrate_nominal_ths for s in specs])
        self.p_nom = np.array([s.power_nominal_w for s in specs])
        self.n_boards = np.array([s.n_boards for s in specs], dtype=float)
        self.f0 = np.array([s.nominal_frequency_mhz for s in specs], dtype=float)
        self.profile_idx = np.zeros(n, dtype=int)
        for i, s in enumerate(specs):
            profs = self._profiles[self.model_id[i]]
            want = s.nominal_frequency_mhz * s.tuning_frac
            self.profile_idx[i] = int(np.argmin([abs(p.frequency_mhz - want) for p in profs]))
        self.freq = np.array([self._profiles[self.model_id[i]][self.profile_idx[i]].frequency_mhz
                              for i in range(n)], dtype=float)
        # silicon lottery: unit-to-unit spread of hash rate and power around the model's curve
        self.hash_var = 1.0 + 0.01 * rng.standard_normal(n)
        self.power_var = 1.0 + 0.02 * rng.standard_normal(n)
        self.rack_offset_c = self.ambient.rack_offset_sd_c * rng.standard_normal(n)
        self.sensor_offset_c = 0.8 * rng.standard_normal((n, nb, 4))
        self.psu_v0 = PSU_NOMINAL_V + 0.05 * rng.standard_normal(n)
        self.weather_c = np.zeros(1)

        self.mode = np.full(n, MINING, dtype=np.int8)
        self.overtemp = np.zeros(n, dtype=bool)
        self.reboot_until = np.zeros(n)
        self.boot_ts = np.full(n, self.now_ts_utc_s)
        self.fan_pct = np.full(n, 60.0)
        self.fan_rpm = np.where(self.fan_present, FAN_RPM_MAX * 0.6, 0.0)

        self._init_wear(n, nb, nf)

        inlet = self.inlet_c()
        self.pcb_c = np.repeat(np.repeat(inlet[:, None, None], nb, axis=1), 4, axis=2).astype(float)
        self.chip_c = self.pcb_c.copy()
        self.sleep_chip_c = np.full(n, np.nan)
        self.sleep_min_chip_c = np.full(n, np.nan)

        self.hw = np.zeros((n, nb))
        self.accepted = np.zeros(n)
        self.rejected = np.zeros(n)
        self.work_th = np.zeros(n)  # integral of hash rate over mining time [TH]
        self.mining_s = np.zeros(n)
        self.board_hash_ths = np.zeros((n, nb))
        self.power_w = np.zeros(n)
        self.psu_v = self.psu_v0.copy()
        self.noise = np.ones(n)
        self.sensor_glitch = np.zeros((n, nb, 4), dtype=bool)
        self.tick = 0
        self.version = 0
        self._snap: dict[str, list] = {}
        self._snap_version = -1
        self._operating_point()
        self._settle()

    def _settle(self, n_iter: int = 120) -> None:
        """Start from thermal equilibrium: iterate steady temperatures and the fan controller at t0.

        Deterministic (no random draws); a simulated machine starts as one that has been running,
        not as a cold box.
        """
        inlet = self.inlet_c()
        for _ in range(n_iter):
            self._operating_point()
            flow = airflow_frac(self.fan_rpm, self.fan_present)
            self.pcb_c, self.chip_c = steady_board_temps_c(inlet, self.board_w.sum(axis=1), self.board_w,
                                                           self.p_nom, self.n_boards, flow, self.liquid)
            hottest = np.where(self.board_present[:, :, None], self.pcb_c, -np.inf).max(axis=(1, 2))
            self.fan_pct = fan_command_pct(self.fan_pct, hottest, self.temp_control, 30.0)
            self.fan_rpm = np.where(self.fan_present, FAN_RPM_MAX * self.fan_pct[:, None] / 100.0, 0.0)

    # ---- inputs ------------------------------------------------------------------------------
    def inlet_c(self) -> npt.NDArray[np.float64]:
        """Inlet air temperature of every miner now, ``(n,)`` [C]."""
        return diurnal_inlet_c(self.ambient, self.now_ts_utc_s) + self.weather_c[0] + self.rack_offset_c

    def profiles(self, i: int) -> tuple[Profile, ...]:
        """The profile list of miner ``i``."""
        return self._profiles[self.model_id[i]]

    def active_profile(self, i: int) -> Profile:
        """The profile miner ``i`` runs."""
        return self.profiles(i)[self.profile_idx[i]]

    # ---- controls ----------------------------------------------------------------------------
    def _check_alive(self, i: int) -> None:
        if not 0 <= i < self.n:
            raise InputError(f"no miner {i} (fleet of {self.n})")
        if self.mode[i] == DEAD:
            raise InputError(f"miner {i} is dead")

    def set_profile(self, i: int, name: str) -> Profile:
        """Switch miner ``i`` to profile ``name``; :class:`InputError` when there is none."""
        self._check_alive(i)
        for k, p in enumerate(self.profiles(i)):
            if p.name.lower() == name.strip().lower():
                self.profile_idx[i] = k
                self.freq[i] = p.frequency_mhz
                self._operating_point()
                return p
        raise InputError(f"miner {i} has no profile {name!r}")

    def sleep(self, i: int) -> None:
        """Curtail miner ``i``: boards and PSU off, control board on."""
        self._check_alive(i)
        if self.mode[i] == SLEEPING:
            return
        live = self.board_present[i] & ~self.board_dead[i]
        self.sleep_chip_c[i] = float(self.chip_c[i][live].mean()) if live.any() else np.nan
        self.sleep_min_chip_c[i] = self.sleep_chip_c[i]
        self.mode[i] = SLEEPING
        self._operating_point()

    def wake(self, i: int) -> None:
        """Wake miner ``i``; the chip temperature swing since sleep counts as one thermal cycle."""
        self._check_alive(i)
        if self.mode[i] != SLEEPING:
            return
        swing = self.sleep_chip_c[i] - self.sleep_min_chip_c[i]
        if np.isfinite(swing):
            live = self.board_present[i] & ~self.board_dead[i]
            self.board_age[i, live] += float(cycle_damage_h(swing, self.failures)) * self.failures.acceleration
        self.sleep_chip_c[i] = np.nan
        self.mode[i] = MINING
        self._operating_point()

    def reboot(self, i: int) -> None:
        """Reboot miner ``i``'s controller: off the API for :data:`REBOOT_S`, uptime restarts."""
        self._check_alive(i)
        self.reboot_until[i] = self.now_ts_utc_s + REBOOT_S
        self.boot_ts[i] = self.now_ts_utc_s + REBOOT_S
        self._operating_point()

    def api_up(self) -> npt.NDArray[np.bool_]:
        """Which controllers answer on the API now, ``(n,)``."""
        rebooting = self.reboot_until > self.now_ts_utc_s
        return (self.mode != DEAD) & ~rebooting

    # ---- dynamics ----------------------------------------------------------------------------
    def _operating_point(self) -> None:
        """Hash rate and power of every board from mode, profile, chips and protections."""
        self.version += 1
        fs = self.failures
        rebooting = self.reboot_until > self.now_ts_utc_s
        hashing = (self.mode == MINING) & ~self.overtemp & ~rebooting
        working_fans = (self.fan_present & ~self.fan_failed).sum(axis=1)
        hashing &= self.liquid | (working_fans >= MIN_FANS)
        board_ok = self.board_present & ~self.board_dead & ~self.sensor_failed.all(axis=2)
        h_set = self.h_nom * self.freq / self.f0
        p_curve = np.empty(self.n)
        for m, spec in enumerate(self._model_specs):
            sel = self.model_id == m
            p_curve[sel] = spec.power_w(h_set[sel])
        chip_frac = self.chips / np.maximum(self.chips_per_board[:, None], 1)
        on = (hashing[:, None] & board_ok).astype(float)
        self.board_hash_ths = on * (h_set * self.hash_var / self.n_boards)[:, None] * chip_frac
        # clock-independent draw: control board 2% of nominal plus fans 3% at 70% speed, cube law (fan
        # affinity: power ~ speed^3); 5% at typical speed, the tuning curve's overhead share
        fan_w = self.p_nom * (0.02 + 0.03 * (self.fan_pct / 70.0) ** 3)
        boards_nominal_w = np.maximum(p_curve - 0.05 * self.p_nom, 0.0) * self.power_var
        self.board_w = on * (boards_nominal_w / self.n_boards)[:, None] * chip_frac
        p_psu = precursor_progress(self.psu_age, self.psu_life, fs.psu_lead_h * fs.acceleration)
        eff_loss = 1.0 - 0.03 * fs.precursor_strength * p_psu
        wall = (self.board_w.sum(axis=1) + fan_w) / eff_loss
        wall = np.where(self.mode == SLEEPING, SLEEP_POWER_W, wall)
        wall = np.where(rebooting & (self.mode == MINING), REBOOT_POWER_W, wall)
        self.power_w = np.where(self.mode == DEAD, 0.0, wall)
        self.psu_v = np.where(self.mode == MINING, self.psu_v0 - 0.8 * fs.precursor_strength * p_psu**2, 0.0)

    def step(self, dt_s: float) -> None:
        """Advance the whole fleet by ``dt_s`` simulated seconds (split into substeps)."""
        if dt_s <= 0:
            return
        n_sub = min(max(1, math.ceil(dt_s / self.max_substep_s)), 48)
        sub = dt_s / n_sub
        for _ in range(n_sub):
            self._substep(sub)
        self.noise = 1.0 + 0.015 * self.rng.standard_normal(self.n)
        self.tick += 1
        self.version += 1

    def _substep(self, dt: float) -> None:
        fs = self.failures
        s = fs.precursor_strength
        rng = self.rng
        self.now_ts_utc_s += dt
        now = self.now_ts_utc_s
        # controllers that finished rebooting (a sleeping machine stays asleep: LuxOS keeps curtailment)
        self.reboot_until[(self.reboot_until > 0) & (self.reboot_until <= now)] = 0.0
        self.weather_c = ou_step(self.weather_c, dt, self.ambient.weather_tau_s, self.ambient.weather_sd_c, rng)
        inlet = self.inlet_c()
        self._operating_point()

        # temperatures
        flow = airflow_frac(self.fan_rpm, self.fan_present)
        pcb_ss, chip_ss = steady_board_temps_c(inlet, self.board_w.sum(axis=1), self.board_w, self.p_nom,
                                               self.n_boards, flow, self.liquid)
        self.pcb_c = lag_toward(self.pcb_c, pcb_ss, dt)
        self.chip_c = lag_toward(self.chip_c, chip_ss, dt)
        sleeping = self.mode == SLEEPING
        if sleeping.any():
            live = self.board_present & ~self.board_dead
            cur = np.where(live, np.where(live[:, :, None], self.chip_c, np.nan).mean(axis=2), np.nan)
            with np.errstate(all="ignore"):
                cur_mean = np.nanmean(np.where(live, cur, np.nan), axis=1)
            self.sleep_min_chip_c = np.where(sleeping, np.fmin(self.sleep_min_chip_c, cur_mean),
                                             self.sleep_min_chip_c)

        # fan control on the hottest valid board sensor
        valid = self.board_present[:, :, None] & ~self.board_dead[:, :, None] & ~self.sensor_failed
        with np.errstate(all="ignore"):
            hottest = np.where(valid, self.pcb_c, -np.inf).max(axis=(1, 2))
        hottest = np.where(np.isfinite(hottest), hottest, np.nan)
        cmd = fan_command_pct(self.fan_pct, hottest, self.temp_control, dt)
        cmd = np.where(sleeping, FAN_POWER_OFF_PCT, cmd)
        self.fan_pct = np.where(self.mode == DEAD, 0.0, cmd)
        p_fan = precursor_progress(self.fan_age, self.fan_life, fs.fan_lead_h * fs.acceleration)
        health = 1.0 - 0.35 * s * p_fan**2
        jitter = 1.0 + (0.01 + 0.08 * s * p_fan) * rng.standard_normal(self.fan_rpm.shape)
        rpm = FAN_RPM_MAX * (self.fan_pct / 100.0)[:, None] * health * jitter
        self.fan_rpm = np.where(self.fan_present & ~self.fan_failed, np.maximum(rpm, 0.0), 0.0)

        # protections (LuxOS: overtemp at "dangerous", recover below hot - 5 K)
        self.overtemp = np.where(hottest >= self.temp_control.dangerous_c, True,
                                 np.where(hottest < self.temp_control.hot_c - 5.0, False, self.overtemp))

        # ageing
        dt_h = dt / 3600.0 * fs.acceleration
        air_out = inlet + 0.9 * (self.pcb_c[:, :, 2:].mean(axis=(1, 2)) - inlet) * 0.7
        spinning = self.fan_present & ~self.fan_failed
        self.fan_age += np.where(spinning, dt_h * fan_acceleration(air_out[:, None], self.fan_rpm / FAN_RPM_MAX), 0.0)
        hashing_boards = self.board_hash_ths > 0
        chip_mean = self.chip_c.mean(axis=2)
        self.board_age += np.where(hashing_boards, dt_h * arrhenius_acceleration(
            chip_mean, fs.board_ref_chip_c, fs.board_ea_ev), 0.0)
        self.sensor_age += np.where(self.board_present[:, :, None], dt_h, 0.0)
        psu_on = self.mode == MINING
        load = self.power_w / np.maximum(self.p_nom, 1.0)
        self.psu_age += np.where(psu_on, dt_h * capacitor_acceleration(inlet + 10.0 + 10.0 * load, fs.psu_ref_c), 0.0)

        # work, shares and hardware errors
        h_tot = self.board_hash_ths.sum(axis=1)
        self.work_th += h_tot * dt
        self.mining_s += np.where(h_tot > 0, dt, 0.0)
        shares = h_tot * 1e12 * dt / (POOL_DIFFICULTY * 2.0**32)
        p_board = precursor_progress(self.board_age, self.board_life, fs.board_lead_h * fs.acceleration)
        p_psu = precursor_progress(self.psu_age, self.psu_life, fs.psu_lead_h * fs.acceleration)
        rej = REJECT_FRAC * (1.0 + 0.5 * s * p_board.max(axis=1))
        self.accepted += shares * (1.0 - rej)
        self.rejected += shares * rej
        rate = (HW_ERRORS_PER_CHIP_HOUR * self.chips * np.exp((chip_mean - 75.0) / 15.0)
                * (1.0 + 200.0 * s * p_board**2) * (1.0 + 30.0 * s * p_psu[:, None] ** 2)
                * (self.freq / self.f0)[:, None])
        self.hw += rng.poisson(np.where(hashing_boards, rate * dt / 3600.0, 0.0))

        self._advance_failures(p_fan, p_board, p_psu)

    # ---- readings ----------------------------------------------------------------------------
    def _snapshot(self) -> dict[str, list]:
        """Every miner's reportable values as Python lists, built once per state version (vectorised)."""
        if self._snap_version == self.version:
            return self._snap
        bad = self.sensor_failed | self.sensor_glitch
        boards = self.board_hash_ths * self.noise[:, None]
        rebooting = self.reboot_until > self.now_ts_utc_s
        mode = np.where(rebooting, "rebooting", np.array(["mining", "sleeping", "", "dead"])[self.mode])
        prof_w = np.array([self._profiles[m][k].power_w for m, k in zip(self.model_id, self.profile_idx, strict=True)])
        self._snap = {
            "mode": mode.tolist(), "overtemp": self.overtemp.tolist(),
            "uptime": np.maximum(self.now_ts_utc_s - self.boot_ts, 0.0).tolist(),
            "hashrate": boards.sum(axis=1).tolist(),
            "avg": np.where(self.mining_s > 0, self.work_th / np.maximum(self.mining_s, 1e-9), 0.0).tolist(),
            "ideal": np.where(self.mode == MINING, self.h_nom * self.freq / self.f0, 0.0).tolist(),
            "boards": boards.tolist(), "chips": self.chips.tolist(),
            "pcb": np.where(bad, self.sensor_value, self.pcb_c + self.sensor_offset_c).round(1).tolist(),
            "chip": np.where(bad, self.sensor_value, self.chip_c + self.sensor_offset_c).round(1).tolist(),
            "hw": self.hw.astype(np.int64).tolist(), "hw_total": self.hw.sum(axis=1).astype(np.int64).tolist(),
            "rpm": np.rint(self.fan_rpm).astype(np.int64).tolist(),
            "fan_pct": np.rint(self.fan_pct).astype(np.int64).tolist(),
            "power": self.power_w.tolist(), "power_limit": prof_w.tolist(), "psu_v": self.psu_v.tolist(),
            "inlet": self.inlet_c().tolist(), "accepted": self.accepted.astype(np.int64).tolist(),
            "rejected": self.rejected.astype(np.int64).tolist(), "freq": self.freq.astype(np.int64).tolist(),
        }
        self._snap_version = self.version
        return self._snap

    def reading(self, i: int) -> MinerReading:
        """What miner ``i``'s controller reports now."""
        spec = self.specs[i]
        nb, nf = spec.n_boards, spec.n_fans
        s = self._snapshot()
        return MinerReading(
            index=i, model=spec.model, mode=s["mode"][i], overtemp=s["overtemp"][i], ts_utc_s=self.now_ts_utc_s,
            uptime_s=s["uptime"][i], hashrate_ths=s["hashrate"][i], hashrate_avg_ths=s["avg"][i],
            hashrate_ideal_ths=s["ideal"][i], board_hashrate_ths=tuple(s["boards"][i][:nb]),
            board_chips=tuple(s["chips"][i][:nb]), chips_per_board=spec.chips_per_board,
            board_pcb_c=tuple(tuple(row) for row in s["pcb"][i][:nb]),
            board_chip_c=tuple(tuple(row) for row in s["chip"][i][:nb]),
            board_hw_errors=tuple(s["hw"][i][:nb]), fan_rpm=tuple(s["rpm"][i][:nf]), fan_pct=s["fan_pct"][i],
            power_w=s["power"][i], power_limit_w=s["power_limit"][i], psu_voltage_v=s["psu_v"][i],
            inlet_c=s["inlet"][i], hw_errors=s["hw_total"][i], accepted=s["accepted"][i],
            rejected=s["rejected"][i], profile=self.active_profile(i).name, frequency_mhz=s["freq"][i],
        )
