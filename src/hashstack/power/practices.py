"""The two common practices an optimal allocation is measured against.

* **Uniform underclock**: every machine is turned down to the same position in its tuning range (the
  same fraction between its lowest and its highest available point) until the fleet fits the cap; if
  the fleet at the bottom of its range still exceeds the cap, the least efficient machines (at that
  point) are switched off as well.
* **Least-efficient off first**: every machine runs at its configured (stock) point and machines are
  switched off in order of worst J/TH until the fleet fits the cap.

Both run on the same derated operating points as the allocator. The uniform underclock is given a
continuous knob (linear interpolation between neighbouring points, as a firmware power target would
be), which only flatters it: on a convex power curve the interpolated power is above the curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.power.totals import FleetTotals

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PracticeResult(FleetTotals):
    """Per-miner hash rate and power under a practice.

    Attributes
    ----------
    hashrate_ths, power_w : per miner, 0 when off, ``(n_miners,)`` [TH/s], [W]
    """

    hashrate_ths: FloatArray
    power_w: FloatArray


def _switch_off_worst(h: FloatArray, p: FloatArray, cap_w: float) -> tuple[FloatArray, FloatArray]:
    """Switch off machines in order of worst J/TH until the summed power fits ``cap_w``."""
    total = p.sum()
    if total <= cap_w:
        return h, p
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(h > 0, p / h, np.inf)
    order = np.argsort(-eff, kind="stable")
    freed = np.cumsum(p[order])
    n_off = int(np.searchsorted(freed, total - cap_w, side="left")) + 1
    h, p = h.copy(), p.copy()
    h[order[:n_off]] = 0.0
    p[order[:n_off]] = 0.0
    return h, p


def least_efficient_off(stock_hashrate_ths: npt.ArrayLike, stock_power_w: npt.ArrayLike,
                        cap_w: float) -> PracticeResult:
    """Stock points, worst J/TH switched off first until the fleet fits ``cap_w``.

    Parameters
    ----------
    stock_hashrate_ths, stock_power_w : each miner's configured point, NaN = cannot run [TH/s], [W]
    cap_w : site cap [W]
    """
    h = np.nan_to_num(np.asarray(stock_hashrate_ths, dtype=float))
    p = np.nan_to_num(np.asarray(stock_power_w, dtype=float))
    if cap_w < 0:
        raise InputError("cap_w must be >= 0")
    h, p = _switch_off_worst(h, p, cap_w)
    return PracticeResult(h, p)


def uniform_underclock(hashrate_ths: npt.ArrayLike, power_w: npt.ArrayLike, cap_w: float) -> PracticeResult:
    """Every machine at the same position of its tuning range, the highest that fits ``cap_w``.

    Parameters
    ----------
    hashrate_ths, power_w : operating points, ``(n_miners, n_points)``, NaN = unavailable; each row's
        available points increasing [TH/s], [W]
    cap_w : site cap [W]
    """
    h = np.asarray(hashrate_ths, dtype=float)
    p = np.asarray(power_w, dtype=float)
    if cap_w < 0:
        raise InputError("cap_w must be >= 0")
    n = p.shape[0]
    # compact each row's available points to the left, sorted by power
    order = np.argsort(np.where(np.isnan(p), np.inf, p), axis=1, kind="stable")
    p = np.take_along_axis(p, order, axis=1)
    h = np.take_along_axis(h, order, axis=1)
    count = (~np.isnan(p)).sum(axis=1)
    can_run = count > 0
    top = np.maximum(count - 1, 0)

    def at(pos: float) -> tuple[FloatArray, FloatArray]:
        x = pos * top
        lo = np.floor(x).astype(np.int64)
        hi = np.minimum(lo + 1, top)
        w = x - lo
        rows = np.arange(n)
        hh = np.where(can_run, h[rows, lo] + w * (np.nan_to_num(h[rows, hi]) - np.nan_to_num(h[rows, lo])), 0.0)
        pp = np.where(can_run, p[rows, lo] + w * (np.nan_to_num(p[rows, hi]) - np.nan_to_num(p[rows, lo])), 0.0)
        return np.nan_to_num(hh), np.nan_to_num(pp)

    h1, p1 = at(1.0)
    if p1.sum() <= cap_w:
        return PracticeResult(h1, p1)
    h0, p0 = at(0.0)
    if p0.sum() >= cap_w:
        h0, p0 = _switch_off_worst(h0, p0, cap_w)
        return PracticeResult(h0, p0)
    lo_pos, hi_pos = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo_pos + hi_pos)
        if at(mid)[1].sum() <= cap_w:
            lo_pos = mid
        else:
            hi_pos = mid
    hh, pp = at(lo_pos)
    return PracticeResult(hh, pp)
