"""What one simulated machine is made of: tuning curve, hashboards, chips, fans, nominal clock.

The catalogue (:mod:`hashstack.catalog`) gives each model's stock hash rate, wall power, cooling and
tuning curve. It does not say how many hashboards, chips per board and fans a machine has; those come
from :data:`HARDWARE_LAYOUTS`, a small fact table whose counts are the ones pyasic's device
definitions hold for the same models (so a simulated S21 reports exactly the chips pyasic expects).

Pure science/records module: no I/O beyond reading the packaged catalogue through
:func:`spec_from_catalog`.

References
----------
.. [1] pyasic 0.79, ``pyasic/miners/device/models/antminer/X19/S19.py`` and ``X21/S21.py``, ``X21/T21.py``
   (``expected_hashboards``, ``expected_chips``, ``expected_fans`` per model; Apache-2.0).
.. [2] Luxor, "LuxOS Features - Preset Profiles", docs.luxor.tech/firmware/features: built-in profiles
   step 25 MHz from the EEPROM nominal clock; example S19j Pro 104T nominal 545 MHz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashstack.errors import InputError
from hashstack.telemetry.simulator.records import Profile

PROFILE_STEP_MHZ = 25
"""Clock step between LuxOS built-in profiles [MHz] (ref. [2])."""

PSU_NOMINAL_V = 13.6
"""Nominal hashboard supply voltage of the simulated APW-class PSUs [V]."""


@dataclass(frozen=True, slots=True)
class HardwareLayout:
    """Boards, chips and fans of one model, with the source of the counts."""

    n_boards: int
    chips_per_board: int
    n_fans: int
    nominal_frequency_mhz: int
    source: str


_PYASIC = "pyasic 0.79 device definition (expected_hashboards/chips/fans)"
_CLOCK_ASSUMED = "; nominal clock 500 MHz assumed (not published)"

HARDWARE_LAYOUTS: dict[str, HardwareLayout] = {
    "antminer s19": HardwareLayout(3, 76, 4, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s19 pro": HardwareLayout(3, 114, 4, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s19j pro": HardwareLayout(3, 126, 4, 545, _PYASIC + "; 545 MHz nominal from LuxOS docs"),
    "antminer s19 xp": HardwareLayout(3, 110, 4, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s19k pro": HardwareLayout(3, 77, 4, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s21": HardwareLayout(3, 108, 4, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s21 pro": HardwareLayout(3, 65, 4, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s21 xp": HardwareLayout(3, 91, 4, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s21 hydro": HardwareLayout(3, 216, 0, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer s21+ hydro": HardwareLayout(3, 95, 0, 500, _PYASIC + _CLOCK_ASSUMED),
    "antminer t21": HardwareLayout(3, 108, 4, 500, _PYASIC + _CLOCK_ASSUMED),
}
"""Layouts keyed by lower-case catalogue model name."""

DEFAULT_LAYOUT_AIR = HardwareLayout(3, 100, 4, 500, "generic air-cooled layout (model not in the table)")
DEFAULT_LAYOUT_LIQUID = HardwareLayout(3, 100, 0, 500, "generic liquid-cooled layout (model not in the table)")

LUXOS_MODELS = frozenset({
    "antminer s19", "antminer s19 pro", "antminer s19j pro", "antminer s19 xp", "antminer s19k pro",
    "antminer s21", "antminer s21 pro", "antminer t21",
})
"""Models pyasic 0.79 maps to a dedicated LuxOS class (``MINER_CLASSES[LUX_OS]``); others fall back
to its generic ``LUXMiner`` class, which reads no boards or fans."""


@dataclass(frozen=True, slots=True)
class MinerSpec:
    """Everything the physics needs about one model.

    Attributes
    ----------
    model : catalogue model name (reported as the miner ``Type``)
    manufacturer : maker name
    cooling : ``air``, ``hydro`` or ``immersion``
    hashrate_nominal_ths : stock hash rate [TH/s]
    power_nominal_w : stock wall power [W]
    curve_hashrate_ths, curve_power_w : tuning-curve points, increasing [TH/s], [W]
    n_boards, chips_per_board, n_fans : hardware layout
    nominal_frequency_mhz : stock chip clock [MHz]; hash rate is proportional to clock
    tuning_frac : the site's tuned operating point as a fraction of stock hash rate [-]
    """

    model: str
    manufacturer: str
    cooling: str
    hashrate_nominal_ths: float
    power_nominal_w: float
    curve_hashrate_ths: tuple[float, ...]
    curve_power_w: tuple[float, ...]
    n_boards: int
    chips_per_board: int
    n_fans: int
    nominal_frequency_mhz: int
    tuning_frac: float = 1.0

    def __post_init__(self) -> None:
        h = np.asarray(self.curve_hashrate_ths)
        p = np.asarray(self.curve_power_w)
        if h.size < 2 or h.size != p.size:
            raise InputError(f"{self.model}: tuning curve needs >= 2 matching points")
        if np.any(np.diff(h) <= 0) or np.any(np.diff(p) <= 0):
            raise InputError(f"{self.model}: tuning curve must be strictly increasing")
        if self.n_boards < 1 or self.chips_per_board < 1 or self.n_fans < 0:
            raise InputError(f"{self.model}: bad hardware layout")
        lo, hi = self.hashrate_min_ths, self.hashrate_max_ths
        if not lo <= self.hashrate_nominal_ths * self.tuning_frac <= hi:
            raise InputError(f"{self.model}: tuning_frac {self.tuning_frac} outside the tuning curve")

    @property
    def hashrate_min_ths(self) -> float:
        """Lowest tunable hash rate [TH/s]."""
        return float(self.curve_hashrate_ths[0])

    @property
    def hashrate_max_ths(self) -> float:
        """Highest tunable hash rate [TH/s]."""
        return float(self.curve_hashrate_ths[-1])

    def power_w(self, hashrate_ths: float | np.ndarray) -> np.ndarray:
        """Wall power at a tuned hash rate by the tuning curve, clamped to its range [W]."""
        return np.asarray(np.interp(hashrate_ths, self.curve_hashrate_ths, self.curve_power_w))

    def profile_frequencies_mhz(self) -> list[int]:
        """LuxOS-style built-in profile clocks: 25 MHz steps around nominal inside the curve [MHz].

        Ref. [2]: up to 16 steps down and 8 up; steps outside the tuning curve's hash-rate range are
        dropped (the curve encodes where firmware keeps boards stable).
        """
        f0 = self.nominal_frequency_mhz
        out = []
        for k in range(-16, 9):
            f = f0 + k * PROFILE_STEP_MHZ
            h = self.hashrate_nominal_ths * f / f0
            if f > 0 and self.hashrate_min_ths - 1e-9 <= h <= self.hashrate_max_ths + 1e-9:
                out.append(f)
        return out


def layout_for(model: str, cooling: str = "air") -> HardwareLayout:
    """The hardware layout of ``model`` (generic layout when the model is not in the table)."""
    found = HARDWARE_LAYOUTS.get(model.strip().lower())
    if found is not None:
        return found
    return DEFAULT_LAYOUT_AIR if cooling == "air" else DEFAULT_LAYOUT_LIQUID


def spec_from_catalog(model: str, tuning_frac: float = 1.0, catalog: object | None = None) -> MinerSpec:
    """Build a :class:`MinerSpec` for a catalogue model.

    Parameters
    ----------
    model : catalogue model name (case-insensitive)
    tuning_frac : operating point as a fraction of stock hash rate [-]
    catalog : a :class:`hashstack.catalog.Catalog`; the packaged one when ``None``

    Raises
    ------
    UnknownModelError : the model is not in the catalogue.
    """
    from hashstack.catalog import load_catalog, tuning_curve

    cat = load_catalog() if catalog is None else catalog
    asic = cat.get(model)  # type: ignore[attr-defined]
    curve = tuning_curve(asic)
    h, p = curve.operating_points(41)
    lay = layout_for(asic.model, asic.cooling)
    return MinerSpec(
        model=asic.model, manufacturer=asic.manufacturer, cooling=asic.cooling,
        hashrate_nominal_ths=float(asic.hashrate_ths), power_nominal_w=float(asic.power_w),
        curve_hashrate_ths=tuple(float(x) for x in h), curve_power_w=tuple(float(x) for x in p),
        n_boards=lay.n_boards, chips_per_board=lay.chips_per_board, n_fans=lay.n_fans,
        nominal_frequency_mhz=lay.nominal_frequency_mhz, tuning_frac=tuning_frac,
    )


def build_profiles(spec: MinerSpec) -> tuple[Profile, ...]:
    """The profile list of a model: ``default`` at the nominal clock, ``<f>MHz`` for the others."""
    out = []
    f0 = spec.nominal_frequency_mhz
    for f in spec.profile_frequencies_mhz():
        h = spec.hashrate_nominal_ths * f / f0
        # LuxOS steps voltage 0.1 V per 25 MHz step around the EEPROM value (docs: Preset Profiles).
        v = round(PSU_NOMINAL_V + 0.1 * (f - f0) / 25.0, 2)
        out.append(Profile(name="default" if f == f0 else f"{f}MHz", frequency_mhz=f,
                           hashrate_ths=round(h, 2), power_w=round(float(spec.power_w(h)), 0),
                           voltage_v=v, is_default=f == f0))
    return tuple(out)
