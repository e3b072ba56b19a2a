"""Records the simulator's science hands to its edges: a performance profile and a miner reading."""

from __future__ import annotations

from dataclasses import dataclass

MINING, SLEEPING, DEAD = 0, 1, 3
"""Operating modes of a simulated miner (``FleetModel.mode``)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """A LuxOS-style performance profile (frequency preset) with the firmware's estimates."""

    name: str
    frequency_mhz: int
    hashrate_ths: float
    power_w: float
    voltage_v: float
    is_default: bool


@dataclass(frozen=True, slots=True)
class MinerReading:
    """What one miner's controller knows at the current step (the dialect encodes it).

    Temperatures of failed sensors carry the stuck value (0, -40 or 255), as firmware reports them.
    """

    index: int
    model: str
    mode: str
    overtemp: bool
    ts_utc_s: float
    uptime_s: float
    hashrate_ths: float
    hashrate_avg_ths: float
    hashrate_ideal_ths: float
    board_hashrate_ths: tuple[float, ...]
    board_chips: tuple[int, ...]
    chips_per_board: int
    board_pcb_c: tuple[tuple[float, ...], ...]
    board_chip_c: tuple[tuple[float, ...], ...]
    board_hw_errors: tuple[int, ...]
    fan_rpm: tuple[int, ...]
    fan_pct: int
    power_w: float
    power_limit_w: float
    psu_voltage_v: float
    inlet_c: float
    hw_errors: int
    accepted: int
    rejected: int
    profile: str
    frequency_mhz: int
