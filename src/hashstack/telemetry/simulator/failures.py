"""How simulated ASICs fail: lifetimes, stress acceleration, precursors and the ground-truth record.

Pure science module (numpy only).

Each wear-out component carries an *effective age* that grows by ``dt * AF`` where the acceleration
factor ``AF`` depends on its stress (temperature, speed, thermal cycles). Its life, in effective hours
at reference stress, is drawn once from a Weibull distribution (two-parameter, shape ``beta``, scale
``eta``) [1]_. A degradation *precursor* starts ``lead`` effective hours before the end of life; its
visible strength scales with the ``precursor_strength`` setting (0: failures come without warning,
1: strong, easy-to-learn warnings).

Failure modes (parameters are :class:`FailureSettings` fields):

fan bearing wear -> stall
    Ball-bearing fan life is set by grease life; it halves for every ~15 K of bearing temperature
    rise and scales with revolutions [2]_ [3]_: ``AF = 2^((T_air - 40)/15) * r``. Precursor: the fan
    falls short of its commanded speed (up to ``35% * strength`` at the end) and its speed jitters;
    then it stalls at 0 rpm.
hashboard chip loss -> board death
    Chip and solder-joint wear follows Arrhenius in chip temperature with ``Ea = 0.7 eV`` [4]_, plus
    Coffin-Manson fatigue per thermal cycle, ``damage ~ (dT/dT_ref)^n`` with ``n = 2.5`` [5]_ (the
    cycles come from curtailment: each sleep-wake is one cycle of the chip temperature swing).
    Precursor: CRC / hardware errors rise (up to ``1 + 200 * strength`` times the base rate) and
    chips drop off the chain in steps; at the end the board stops hashing (0 chips).
temperature-sensor fault
    Constant hazard (exponential life). Precursor: intermittent bad readings whose frequency grows;
    then the sensor is stuck at one of the values real firmware reports for a dead sensor: 0, -40
    (NTC/ADC open) or 255 (0xFF from a failed I2C read).
PSU ageing -> voltage sag -> PSU failure
    Electrolytic capacitor life halves for every 10 K (Arrhenius "10-degree rule") [6]_. Precursor:
    the output voltage sags (up to ``0.8 V * strength``), efficiency drops and chips starved of voltage
    make more hardware errors; then the PSU dies and the whole machine goes dark (no API).

References
----------
.. [1] W. Weibull, "A statistical distribution function of wide applicability", J. Appl. Mech. 18 (1951).
.. [2] IPC-9591 (2006), *Performance Parameters for Air Moving Devices*: L10 life rating of fans and its
   temperature dependence.
.. [3] M. Tian, "Fan reliability", Proc. IEEE RAMS / Intel white paper (bearing grease life halves per
   ~15 C).
.. [4] JEDEC JEP122H, *Failure Mechanisms and Models for Semiconductor Devices* (Arrhenius, Ea 0.7 eV for
   electromigration-class mechanisms; Coffin-Manson for solder fatigue).
.. [5] N. Norris, R. Landzberg, "Reliability of controlled collapse interconnections", IBM J. Res. Dev. 13
   (1969) (Coffin-Manson exponent ~2-2.5 for solder joints).
.. [6] Nichicon / Rubycon application notes on aluminium electrolytic capacitor life (L = L0 * 2^((T0-T)/10)).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError

FloatArray = npt.NDArray[np.float64]

BOLTZMANN_EV_PER_K = 8.617333262e-5
"""Boltzmann constant [eV/K]."""

SENSOR_FAULT_VALUES_C = (0.0, -40.0, 255.0)
"""Readings firmware reports for a dead temperature sensor [C]."""

HOURS_PER_YEAR = 8766.0


@dataclass(frozen=True, slots=True)
class FailureSettings:
    """Parameters of every failure process (lives in effective hours at reference stress).

    ``precursor_strength`` in [0, 1] scales every precursor signal; ``acceleration`` multiplies every
    ageing rate (use it to see failures in a short simulated span; 1 is realistic) but not the precursor
    leads, which stay ``*_lead_h`` of simulated time at reference stress (the model scales the lead in
    effective age by ``acceleration``), so "errors rise weeks before death" holds at any acceleration.
    """

    precursor_strength: float = 0.6
    acceleration: float = 1.0
    fan_weibull_shape: float = 3.0
    fan_life_h: float = 3.0 * HOURS_PER_YEAR
    fan_lead_h: float = 14 * 24.0
    board_weibull_shape: float = 1.5
    board_life_h: float = 6.0 * HOURS_PER_YEAR
    board_lead_h: float = 28 * 24.0
    board_ea_ev: float = 0.7
    board_ref_chip_c: float = 75.0
    cycle_life_n: float = 3000.0
    cycle_ref_dt_k: float = 40.0
    cycle_exponent: float = 2.5
    sensor_mtbf_h: float = 60.0 * HOURS_PER_YEAR
    sensor_lead_h: float = 7 * 24.0
    psu_weibull_shape: float = 2.5
    psu_life_h: float = 7.0 * HOURS_PER_YEAR
    psu_lead_h: float = 21 * 24.0
    psu_ref_c: float = 45.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.precursor_strength <= 1.0:
            raise InputError(f"precursor_strength must be in [0, 1], got {self.precursor_strength}")
        if self.acceleration <= 0:
            raise InputError(f"acceleration must be > 0, got {self.acceleration}")


@dataclass(frozen=True, slots=True)
class FailureRecord:
    """One failure in the ground-truth log.

    Attributes
    ----------
    failure_id : unique within the run, ``"<miner>-<component><index>"``
    miner_index : index of the miner in the fleet
    miner_address : the miner's IPv4 address ("" when the model runs without a server)
    model : catalogue model name
    component : ``fan``, ``hashboard``, ``temp_sensor`` or ``psu``
    component_index : fan, board or sensor number (sensor: ``board * 4 + position``); 0 for the PSU
    mode : ``bearing_stall``, ``board_death``, ``sensor_stuck``, ``psu_failure``
    onset_ts_utc_s : UNIX time the precursor began [s]
    failure_ts_utc_s : UNIX time of the failure [s]
    precursor_strength : the setting in force [-]
    detail : mode-specific facts (stuck value, chips lost, voltage sag...)
    """

    failure_id: str
    miner_index: int
    miner_address: str
    model: str
    component: str
    component_index: int
    mode: str
    onset_ts_utc_s: float
    failure_ts_utc_s: float
    precursor_strength: float
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready)."""
        return asdict(self)


def weibull_lives_h(rng: np.random.Generator, shape: tuple[int, ...], beta: float, eta_h: float) -> FloatArray:
    """Draw lives from Weibull(shape ``beta``, scale ``eta_h``), array of ``shape`` [h]."""
    return eta_h * rng.weibull(beta, size=shape)


def fan_acceleration(air_c: FloatArray, speed_frac: FloatArray) -> FloatArray:
    """Fan bearing ageing rate relative to 40 C air at full speed [-] (ref. [2], [3])."""
    return np.power(2.0, (air_c - 40.0) / 15.0) * np.clip(speed_frac, 0.0, 1.2)


def arrhenius_acceleration(temp_c: FloatArray, ref_c: float, ea_ev: float) -> FloatArray:
    """Arrhenius acceleration ``exp(Ea/k (1/T_ref - 1/T))`` [-] (ref. [4])."""
    t = np.asarray(temp_c, dtype=float) + 273.15
    return np.exp(ea_ev / BOLTZMANN_EV_PER_K * (1.0 / (ref_c + 273.15) - 1.0 / t))


def cycle_damage_h(delta_t_k: FloatArray, settings: FailureSettings) -> FloatArray:
    """Board wear of one thermal cycle of amplitude ``delta_t_k``, in effective hours (Coffin-Manson).

    ``cycle_life_n`` cycles of ``cycle_ref_dt_k`` consume one characteristic board life.
    """
    dt = np.maximum(np.asarray(delta_t_k, dtype=float), 0.0)
    return settings.board_life_h / settings.cycle_life_n * (dt / settings.cycle_ref_dt_k) ** settings.cycle_exponent


def capacitor_acceleration(temp_c: FloatArray, ref_c: float) -> FloatArray:
    """Capacitor ageing rate by the 10-degree rule, ``2^((T - T_ref)/10)`` [-] (ref. [6])."""
    return np.power(2.0, (np.asarray(temp_c, dtype=float) - ref_c) / 10.0)


def precursor_progress(age_h: FloatArray, life_h: FloatArray, lead_h: float) -> FloatArray:
    """How far a component is into its precursor phase, 0 before onset to 1 at failure [-]."""
    return np.clip((age_h - (life_h - lead_h)) / max(lead_h, 1e-9), 0.0, 1.0)
