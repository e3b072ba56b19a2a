"""Operating points of each miner: the model's tuning curve, derated by health and inlet temperature.

A miner can run at any of ``n`` points sampled along its model's tuning curve (or be off). Two things
lower the ceiling of an individual machine:

* **Health.** A machine with failed chips or a weak hashboard cannot reach its model's top hash rate;
  ``health_frac`` is the fraction of the model's maximum hash rate it can still reach (1 = healthy;
  typically measured as achieved / expected hash rate at a known point).
* **Inlet temperature.** Air-cooled firmware throttles as the inlet air approaches the rated ambient
  limit (Bitmain rates its air-cooled machines for 0-40 C ambient [1]_). Above ``derate_start_c`` the
  ceiling falls linearly from the curve's top to its lowest point at ``shutdown_c``; at or above
  ``shutdown_c`` the machine must be off. The defaults (35 C and 45 C) bracket the rated limit; they are
  an operating policy, not a vendor figure, and can be changed.

Points above a machine's ceiling are dropped and the ceiling itself becomes a point, its power taken by
linear interpolation between the neighbouring points: on a convex power curve the chord lies above the
curve, so the interpolated power is conservative (never under-estimates the draw). A ceiling below the
curve's lowest point leaves the machine with no points: it can only be off.

References
----------
.. [1] Bitmain, "Antminer S19 Pro user manual" / product specifications: operating temperature 0-40 C
   (air-cooled models); hydro models specify coolant inlet temperature instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError

FloatArray = npt.NDArray[np.float64]

DERATE_START_C = 35.0
SHUTDOWN_C = 45.0


def thermal_ceiling_frac(temp_inlet_c: npt.ArrayLike, derate_start_c: float = DERATE_START_C,
                         shutdown_c: float = SHUTDOWN_C) -> FloatArray:
    """Where the inlet temperature puts the ceiling, between the curve's lowest (0) and top (1) point.

    Parameters
    ----------
    temp_inlet_c : inlet air temperature [C]; NaN means unknown and is treated as no derating
    derate_start_c : temperature where derating starts [C]
    shutdown_c : temperature at and above which the machine must be off [C]

    Returns
    -------
    fraction of the tuning range still usable [-]; negative (-1) where the machine must be off.
    """
    if not shutdown_c > derate_start_c:
        raise InputError("shutdown_c must be above derate_start_c")
    t = np.asarray(temp_inlet_c, dtype=float)
    frac = np.clip((shutdown_c - t) / (shutdown_c - derate_start_c), 0.0, 1.0)
    frac = np.where(np.isnan(t), 1.0, frac)
    return np.where(t >= shutdown_c, -1.0, frac)


def derated_points(hashrate_ths: npt.ArrayLike, power_w: npt.ArrayLike, *,
                   health_frac: npt.ArrayLike = 1.0, temp_inlet_c: npt.ArrayLike = np.nan,
                   derate_start_c: float = DERATE_START_C, shutdown_c: float = SHUTDOWN_C
                   ) -> tuple[FloatArray, FloatArray]:
    """Each miner's operating points after health and thermal derating.

    Parameters
    ----------
    hashrate_ths : points' hash rates [TH/s], ``(n_miners, n_points)`` increasing along each row (or
        ``(n_points,)`` shared by every miner, then ``health_frac``/``temp_inlet_c`` set ``n_miners``)
    power_w : points' powers [W], same shape, increasing along each row
    health_frac : reachable fraction of the top hash rate, ``(n_miners,)`` or scalar, in (0, 1] [-]
    temp_inlet_c : inlet temperature, ``(n_miners,)`` or scalar [C]; NaN = unknown
    derate_start_c, shutdown_c : thermal derating window [C]

    Returns
    -------
    (hashrate_ths, power_w) : ``(n_miners, n_points)``, increasing along each row, NaN (trailing) where
        a point is above the ceiling; where the ceiling cuts the curve between two points, the first
        dropped column holds the interpolated ceiling point.
    """
    h = np.asarray(hashrate_ths, dtype=float)
    p = np.asarray(power_w, dtype=float)
    if h.shape != p.shape or h.ndim not in (1, 2) or h.shape[-1] < 1:
        raise InputError(f"hash rate and power must share shape (n_points,) or (n_miners, n_points), "
                         f"got {h.shape} and {p.shape}")
    health = np.asarray(health_frac, dtype=float)
    temp = np.asarray(temp_inlet_c, dtype=float)
    if h.ndim == 1:
        n = int(np.broadcast(health, temp).size)
        h = np.broadcast_to(h, (n, h.shape[0]))
        p = np.broadcast_to(p, (n, p.shape[0]))
    n = h.shape[0]
    health = np.broadcast_to(health, (n,))
    temp = np.broadcast_to(temp, (n,))
    if np.any(np.isnan(health)) or np.any(health <= 0) or np.any(health > 1):
        raise InputError("health_frac must lie in (0, 1]")
    if np.any(np.diff(h, axis=1) <= 0) or np.any(np.diff(p, axis=1) <= 0):
        raise InputError("operating points must increase in hash rate and power along each row")
    h_min, h_max = h[:, 0], h[:, -1]
    thermal = thermal_ceiling_frac(temp, derate_start_c, shutdown_c)
    ceiling = np.minimum(health * h_max, h_min + thermal * (h_max - h_min))
    ceiling = np.where(thermal < 0, -np.inf, ceiling)
    keep = h <= ceiling[:, None] * (1 + 1e-12)
    out_h = np.where(keep, h, np.nan)
    out_p = np.where(keep, p, np.nan)
    # the ceiling point, where it falls strictly inside the curve, takes the first dropped column, so
    # each row stays sorted with its missing points last
    inside = (ceiling > h_min) & (ceiling < h_max * (1 - 1e-12))
    if inside.any():
        rows = np.flatnonzero(inside)
        j = (h[rows] <= ceiling[rows, None] * (1 + 1e-12)).sum(axis=1)  # first point above the ceiling
        h0, h1 = h[rows, j - 1], h[rows, j]
        p0, p1 = p[rows, j - 1], p[rows, j]
        w = (ceiling[rows] - h0) / (h1 - h0)
        new = w > 1e-12  # a ceiling on an existing point needs no extra point
        out_h[rows[new], j[new]] = ceiling[rows[new]]
        out_p[rows[new], j[new]] = (p0 + w * (p1 - p0))[new]
    return out_h, out_p
