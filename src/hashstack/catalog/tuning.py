"""Tuning curves: an ASIC's power as a function of the hash rate it is tuned to.

Physical basis
--------------
An ASIC's hash rate is proportional to its chip clock frequency ``f``. The chips' dynamic (switching)
power is ``P_dyn = alpha C V^2 f`` [1]_, and the supply voltage ``V`` needed for a stable clock rises
with frequency [2]_. Firmware autotuners (Braiins OS, LuxOS, VNish) therefore lower voltage together
with frequency when they underclock, so power falls faster than hash rate and J/TH improves; an
overclock raises both and J/TH worsens. A machine also draws a part that does not scale with clock
(fans, control board, PSU no-load losses).

With ``h = hashrate / nominal hashrate`` and the voltage linearised around the nominal point,
``V(h)/V_nom = 1 + k (h - 1)``:

    P(h) = P_nom x [ s + (1 - s) x h x (1 + k (h - 1))^2 ]

``s`` is the clock-independent share of nominal power and ``k`` the normalised voltage-frequency
slope. ``P`` is increasing and strictly convex in ``h`` for ``k > 0`` (``d2P/dh2 = P_nom (1-s)
(4 k V + 2 k^2 h) > 0``), which is what a power allocator needs.

Calibration: ``s = 0.05`` (fans and control board, ~150-200 W of a 3.5 kW machine). ``k = 0.374``
reproduces the one published stock/overclock pair in the catalogue's sources: Bitmain's T21 at
190 TH/s, 19 J/TH and its overclock mode at 233 TH/s, 22 J/TH (DMG Blockchain press release, see the
catalogue's source column): with these values the curve gives 22.01 J/TH at 233 TH/s. At half clock it
gives a 27% better J/TH than stock; that end of the curve is an extrapolation of the same physics, not
a fitted point.

Range: ``h`` from 0.5 (below that hashboards lose voltage-domain stability and firmware refuses) up to
1.25 for air-cooled machines (the T21's published overclock mode is 1.23x stock) and 1.3 for hydro
and immersion (more thermal headroom).

References
----------
.. [1] N. Weste, D. Harris, *CMOS VLSI Design*, 4th ed., section 5.1 (dynamic power alpha C V^2 f).
.. [2] T. Burd, R. Brodersen, "Energy efficient CMOS microprocessor design", HICSS 1995 (delay and
   hence maximum frequency vs supply voltage; the basis of dynamic voltage-frequency scaling).
.. [3] DMG Blockchain Solutions press release on Antminer T21 purchase (stock 190 TH/s at 19 J/TH,
   overclock 233 TH/s at 22 J/TH), as cited in ``asic_models.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar

from hashstack.errors import InputError

OVERHEAD_FRAC = 0.05
VOLTAGE_SLOPE = 0.374
HASHRATE_MIN_FRAC = 0.5
HASHRATE_MAX_FRAC_AIR = 1.25
HASHRATE_MAX_FRAC_LIQUID = 1.3


@dataclass(frozen=True, slots=True)
class TuningCurve:
    """Power against tuned hash rate for one ASIC model (see the module docstring for the physics).

    Attributes
    ----------
    model : catalogue model name
    hashrate_nominal_ths : stock hash rate [TH/s]
    power_nominal_w : stock power at the wall [W]
    overhead_frac : clock-independent share of nominal power [-]
    voltage_slope : normalised voltage-frequency slope k [-]
    hashrate_min_frac, hashrate_max_frac : tuning range as fractions of nominal hash rate [-]
    """

    model: str
    hashrate_nominal_ths: float
    power_nominal_w: float
    overhead_frac: float = OVERHEAD_FRAC
    voltage_slope: float = VOLTAGE_SLOPE
    hashrate_min_frac: float = HASHRATE_MIN_FRAC
    hashrate_max_frac: float = HASHRATE_MAX_FRAC_AIR

    def __post_init__(self) -> None:
        if self.hashrate_nominal_ths <= 0 or self.power_nominal_w <= 0:
            raise InputError(f"{self.model}: nominal hash rate and power must be > 0")
        if not 0 < self.hashrate_min_frac < self.hashrate_max_frac:
            raise InputError(f"{self.model}: need 0 < hashrate_min_frac < hashrate_max_frac")
        if not 0 <= self.overhead_frac < 1 or not 0 <= self.voltage_slope < 1 / self.hashrate_max_frac:
            raise InputError(f"{self.model}: overhead_frac must be in [0, 1) and voltage_slope small enough")

    @property
    def hashrate_min_ths(self) -> float:
        """Lowest tunable hash rate [TH/s]."""
        return self.hashrate_nominal_ths * self.hashrate_min_frac

    @property
    def hashrate_max_ths(self) -> float:
        """Highest tunable hash rate [TH/s]."""
        return self.hashrate_nominal_ths * self.hashrate_max_frac

    @property
    def power_min_w(self) -> float:
        """Power at the lowest tunable hash rate [W]."""
        return float(self.power_w(self.hashrate_min_ths))

    @property
    def power_max_w(self) -> float:
        """Power at the highest tunable hash rate [W]."""
        return float(self.power_w(self.hashrate_max_ths))

    @property
    def hashrate_best_efficiency_ths(self) -> float:
        """Hash rate within the tuning range where J/TH is lowest [TH/s].

        ``J/TH(h) ~ s / h + (1 - s) (1 + k (h - 1))^2`` is convex in ``h``; its minimum is found numerically
        and clipped to the range (with the default constants it lies below the range, at the floor).
        """
        def eff(h: float) -> float:
            v = 1.0 + self.voltage_slope * (h - 1.0)
            return self.overhead_frac / h + (1.0 - self.overhead_frac) * v * v

        res = minimize_scalar(eff, bounds=(self.hashrate_min_frac, self.hashrate_max_frac), method="bounded",
                              options={"xatol": 1e-10})
        candidates = [self.hashrate_min_frac, self.hashrate_max_frac, float(res.x)]
        return min(candidates, key=eff) * self.hashrate_nominal_ths

    @property
    def best_efficiency_j_per_th(self) -> float:
        """Lowest J/TH the machine reaches within its tuning range [J/TH]."""
        return float(self.efficiency_j_per_th(self.hashrate_best_efficiency_ths))

    @property
    def efficiency_nominal_j_per_th(self) -> float:
        """Stock efficiency [J/TH]."""
        return self.power_nominal_w / self.hashrate_nominal_ths

    def _power_frac(self, h: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        v = 1.0 + self.voltage_slope * (h - 1.0)
        return self.overhead_frac + (1.0 - self.overhead_frac) * h * v * v

    def _check_range(self, h: npt.NDArray[np.float64], what: str) -> None:
        tol = 1e-9
        if np.any(h < self.hashrate_min_frac - tol) or np.any(h > self.hashrate_max_frac + tol):
            raise InputError(
                f"{self.model}: {what} outside the tuning range "
                f"{self.hashrate_min_ths:.1f}-{self.hashrate_max_ths:.1f} TH/s "
                f"({self.power_min_w:.0f}-{self.power_max_w:.0f} W)"
            )

    def power_w(self, hashrate_ths: npt.ArrayLike) -> npt.NDArray[np.float64] | float:
        """Wall power when tuned to ``hashrate_ths`` [W]; scalar in, scalar out.

        Raises :class:`InputError` outside the tuning range.
        """
        h = np.asarray(hashrate_ths, dtype=float) / self.hashrate_nominal_ths
        self._check_range(h, "hash rate")
        out = self.power_nominal_w * self._power_frac(h)
        return float(out) if out.ndim == 0 else out

    def efficiency_j_per_th(self, hashrate_ths: npt.ArrayLike) -> npt.NDArray[np.float64] | float:
        """Efficiency at a tuned hash rate [J/TH]; scalar in, scalar out."""
        h = np.asarray(hashrate_ths, dtype=float)
        out = np.asarray(self.power_w(h)) / h
        return float(out) if out.ndim == 0 else out

    def hashrate_ths(self, power_w: npt.ArrayLike) -> npt.NDArray[np.float64] | float:
        """The hash rate a power budget buys: the inverse of :meth:`power_w` [TH/s].

        ``power_w`` must lie in [power_min_w, power_max_w]; solved by vectorised bisection (the curve is
        strictly increasing), to 1e-12 relative.
        """
        p = np.asarray(power_w, dtype=float)
        if np.any(p < self.power_min_w * (1 - 1e-9)) or np.any(p > self.power_max_w * (1 + 1e-9)):
            raise InputError(
                f"{self.model}: power outside the tuning range {self.power_min_w:.0f}-{self.power_max_w:.0f} W"
            )
        target = p / self.power_nominal_w
        lo = np.full_like(target, self.hashrate_min_frac)
        hi = np.full_like(target, self.hashrate_max_frac)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = self._power_frac(mid) < target
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        out = 0.5 * (lo + hi) * self.hashrate_nominal_ths
        return float(out) if out.ndim == 0 else out

    def operating_points(self, n: int = 10) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``n`` evenly spaced tuned points from underclock to overclock.

        Returns
        -------
        (hashrate_ths, power_w) : two increasing arrays of shape ``(n,)`` [TH/s], [W]
        """
        if n < 2:
            raise InputError("operating_points needs n >= 2")
        hashrate_ths = np.linspace(self.hashrate_min_ths, self.hashrate_max_ths, n)
        return hashrate_ths, np.asarray(self.power_w(hashrate_ths), dtype=float)

    def derated(self, ceiling_frac: float) -> TuningCurve:
        """The same curve with its top cut to ``ceiling_frac`` of nominal hash rate (a hot or degraded machine)."""
        if not self.hashrate_min_frac < ceiling_frac:
            raise InputError(f"{self.model}: derated ceiling {ceiling_frac} is below the tuning floor")
        return replace(self, hashrate_max_frac=min(self.hashrate_max_frac, ceiling_frac))
