"""Thermal and airflow physics of an air-cooled ASIC, its fan controller and the site's inlet air.

Pure science module: vectorised numpy functions over miners (and boards); no I/O, no clock reads.

Model
-----
Air is drawn through the machine by its fans. By the fan affinity law the volume (and mass) flow is
proportional to fan speed [1]_, so with ``r`` the speed as a fraction of maximum,
``m_dot(r) = m_dot_max * r``. The air warms by ``dT_air = P / (m_dot c_p)`` from inlet to outlet.
``m_dot_max`` is sized so the air warms by :data:`DT_AIR_FULL_K` at nominal power and full speed.

Each hashboard dissipates ``q = P_boards / n_boards``. Its heat sinks reject heat to the local air
through a convective resistance that falls with air velocity as ``h ~ Re^0.8`` (turbulent forced
convection, Dittus-Boelter [2]_), so ``R_sa(r) = R_sa_full * r^-0.8``; a chip sits ``q R_jc`` above
its heat sink. Four board (PCB) sensors and four chip sensors per board are modelled, two on the inlet
side (local air ``T_in + 0.25 dT_air``) and two on the outlet side (``T_in + 0.9 dT_air``):

    T_pcb  = T_air_local + q R_sa(r)
    T_chip = T_pcb + q R_jc

Calibration: ``R_sa_full = 8.8 K / q_nom`` and ``R_jc = 15 K / q_nom`` give, for an S21 at 25 C
inlet and 72% fans, outlet-side board sensors near 60 C and chips near 75 C, in the range stock and
LuxOS firmware report for S19/S21 machines (LuxOS shows board temperatures; chips run ~15 C hotter
[3]_). Temperatures follow their steady state with a first-order lag of time constant
:data:`THERMAL_TAU_S` (aluminium heat-sink mass).

The fan controller is an integral controller on the hottest valid board sensor, towards the LuxOS
``Target`` temperature; above ``Hot`` the fans go to 100% at once, as LuxOS does [3]_.

The site inlet temperature is a daily cosine around a mean with its peak in the afternoon, plus an
Ornstein-Uhlenbeck "weather" deviation and a fixed per-rack offset.

References
----------
.. [1] ASHRAE Handbook - HVAC Systems and Equipment, ch. 21 "Fans": fan laws (flow proportional to speed).
.. [2] F. Incropera et al., *Fundamentals of Heat and Mass Transfer*, 7th ed., eq. 8.60 (Dittus-Boelter,
   Nu ~ Re^0.8) and ch. 3 (thermal resistance networks).
.. [3] Luxor, "LuxOS Features - Temperature Settings" and "Fans and Temperature" configuration,
   docs.luxor.tech/firmware/features (target / hot / panic board temperatures; fans to 100% above target).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

CP_AIR_J_PER_KG_K = 1005.0
"""Specific heat of air at constant pressure [J/(kg K)]."""

DT_AIR_FULL_K = 20.0
"""Inlet-to-outlet air temperature rise at nominal power and full fan speed [K] (sizes m_dot_max)."""

R_SA_FULL_K = 8.8
"""Heat-sink-to-air temperature rise at nominal board power and full fan speed [K]."""

R_JC_K = 15.0
"""Chip-above-heat-sink temperature rise at nominal board power [K]."""

CONVECTION_EXPONENT = 0.8
"""Exponent of air velocity in the convective coefficient (Dittus-Boelter) [-]."""

THERMAL_TAU_S = 90.0
"""Time constant of the board temperature response [s]."""

MIN_AIRFLOW_FRAC = 0.05
"""Residual airflow with every fan stopped (natural draught, neighbours' fans) [-]."""

SENSOR_AIR_POSITION = np.array([0.25, 0.25, 0.9, 0.9])
"""Where each of the four sensors of a board sits along the air path (0 inlet, 1 outlet) [-]."""

FAN_RPM_MAX = 6000.0
"""Maximum speed of the 12038-size fans on S19/S21 machines [rpm]."""

FAN_MIN_PCT = 30.0
"""Lowest automatic fan power [%]."""

FAN_POWER_OFF_PCT = 20.0
"""Fan power while sleeping (LuxOS ``PowerOffSpeed`` default) [%]."""

FAN_GAIN_PCT_PER_K = 1.0
"""Integral gain of the fan controller per 30 s of simulated time [%/K]."""

LIQUID_DT_COOLANT_K = 10.0
"""Coolant temperature rise at nominal power for hydro and immersion machines [K]."""


@dataclass(frozen=True, slots=True)
class TempControl:
    """LuxOS ``tempctrl`` board-temperature thresholds [C]."""

    target_c: float = 60.0
    hot_c: float = 70.0
    dangerous_c: float = 80.0


@dataclass(frozen=True, slots=True)
class AmbientProfile:
    """Site inlet-air temperature over the day.

    Attributes
    ----------
    mean_c : daily mean inlet temperature [C]
    daily_amplitude_c : half the daily swing [C]
    peak_local_hour : local hour of the daily maximum [h]
    utc_offset_h : site's offset from UTC [h]
    weather_sd_c : standard deviation of the slow weather deviation [C]
    weather_tau_s : correlation time of the weather deviation [s]
    rack_offset_sd_c : standard deviation of the fixed per-miner (rack position) offset [C]
    """

    mean_c: float = 25.0
    daily_amplitude_c: float = 7.0
    peak_local_hour: float = 15.0
    utc_offset_h: float = 0.0
    weather_sd_c: float = 1.5
    weather_tau_s: float = 86_400.0
    rack_offset_sd_c: float = 1.5


def diurnal_inlet_c(profile: AmbientProfile, t_utc_s: float | FloatArray) -> FloatArray:
    """Deterministic part of the inlet temperature at UNIX time ``t_utc_s`` [C].

    ``T(t) = mean + amplitude * cos(2 pi (local_hour - peak_hour) / 24)``.
    """
    local_h = (np.asarray(t_utc_s, dtype=float) / 3600.0 + profile.utc_offset_h) % 24.0
    return profile.mean_c + profile.daily_amplitude_c * np.cos(
        2.0 * np.pi * (local_h - profile.peak_local_hour) / 24.0)


def ou_step(x: FloatArray, dt_s: float, tau_s: float, sd: float, rng: np.random.Generator) -> FloatArray:
    """Exact Ornstein-Uhlenbeck update of a zero-mean deviation with stationary s.d. ``sd``."""
    a = np.exp(-dt_s / tau_s)
    return x * a + sd * np.sqrt(1.0 - a * a) * rng.standard_normal(np.shape(x))


def airflow_frac(fan_rpm: FloatArray, fan_present: npt.NDArray[np.bool_]) -> FloatArray:
    """Airflow as a fraction of full flow from the fans' speeds, shape ``(n_miners,)`` [-].

    The fans of a machine push and pull in series through one duct; the flow follows their mean
    speed (fan law), with a floor of :data:`MIN_AIRFLOW_FRAC`.
    """
    n = np.maximum(fan_present.sum(axis=1), 1)
    r = (np.where(fan_present, fan_rpm, 0.0).sum(axis=1) / n) / FAN_RPM_MAX
    return np.maximum(r, MIN_AIRFLOW_FRAC)


def steady_board_temps_c(inlet_c: FloatArray, power_boards_w: FloatArray, board_power_w: FloatArray,
                         nominal_power_w: FloatArray, n_boards: FloatArray, flow_frac: FloatArray,
                         liquid: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """Steady-state board (PCB) and chip sensor temperatures.

    Parameters
    ----------
    inlet_c : inlet air (or coolant) temperature, ``(n,)`` [C]
    power_boards_w : heat from all boards of each miner, ``(n,)`` [W]
    board_power_w : heat of each board, ``(n, n_boards_max)`` [W]
    nominal_power_w : nominal wall power, ``(n,)`` [W]
    n_boards : boards per miner, ``(n,)``
    flow_frac : airflow fraction, ``(n,)`` [-]; ignored where ``liquid``
    liquid : hydro / immersion machines, ``(n,)``

    Returns
    -------
    pcb_c, chip_c : arrays ``(n, n_boards_max, 4)`` [C]
    """
    r = np.where(liquid, 1.0, flow_frac)
    dt_full = np.where(liquid, LIQUID_DT_COOLANT_K, DT_AIR_FULL_K)
    m_dot_max = nominal_power_w / (CP_AIR_J_PER_KG_K * dt_full)
    dt_air = power_boards_w / (m_dot_max * r * CP_AIR_J_PER_KG_K)
    q_nom = nominal_power_w / n_boards
    r_sa = (R_SA_FULL_K / q_nom) * r ** (-CONVECTION_EXPONENT)
    r_jc = R_JC_K / q_nom
    air = inlet_c[:, None, None] + dt_air[:, None, None] * SENSOR_AIR_POSITION[None, None, :]
    pcb = air + (board_power_w * r_sa[:, None])[:, :, None]
    chip = pcb + (board_power_w * r_jc[:, None])[:, :, None]
    return pcb, chip


def lag_toward(current: FloatArray, target: FloatArray, dt_s: float, tau_s: float = THERMAL_TAU_S) -> FloatArray:
    """Exact first-order step of ``current`` toward ``target`` over ``dt_s`` (stable for any step)."""
    return target + (current - target) * np.exp(-dt_s / tau_s)


def fan_command_pct(fan_pct: FloatArray, hottest_board_c: FloatArray, control: TempControl,
                    dt_s: float) -> FloatArray:
    """One step of the automatic fan controller, ``(n,)`` [%].

    Integral action toward ``control.target_c`` with gain :data:`FAN_GAIN_PCT_PER_K` per 30 s (capped
    at one gain step per call so large simulated steps stay stable), clipped to
    [:data:`FAN_MIN_PCT`, 100]; at or above ``control.hot_c`` the command jumps to 100%.
    NaN temperatures (no valid sensor) also give 100%.
    """
    k = FAN_GAIN_PCT_PER_K * min(dt_s / 30.0, 1.0)
    err = np.nan_to_num(hottest_board_c - control.target_c, nan=100.0)
    nxt = np.clip(fan_pct + k * err, FAN_MIN_PCT, 100.0)
    return np.where(np.isnan(hottest_board_c) | (hottest_board_c >= control.hot_c), 100.0, nxt)
