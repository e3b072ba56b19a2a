"""A site's power curve: the best hash rate it can make at each power level, from zero to capacity.

A site of many miners can reach any power level between zero and its capacity: it switches machines
off, and it tunes the ones that run along their tuning curves. With ``n`` machines of a model whose
tuning curve gives hash rate ``h(p)`` for ``p`` in ``[p_min, p_max]``, running a fraction of the machines
at one tuned point and the rest off, or mixing two tuned points across machines, reaches every point on
the segments between those operating points. The site's best hash rate at power ``P`` is therefore the
upper concave envelope of ``{(0, 0)} U {(n_on p, n_on h(p))}``: a straight line from the origin to the most
efficient tuned point (machines switched off, the rest at their best J/TH), then the tuning curve itself.

For several models the best split of a power budget between concave piecewise-linear curves is the
sup-convolution of the curves, which fills their segments in order of decreasing slope (TH/s per W) [1]_.
The curve is capped at the site's contracted capacity.

References
----------
.. [1] R. T. Rockafellar, *Convex Analysis*, Princeton University Press, 1970, section 5 (infimal
   convolution; for concave piecewise-linear functions the supremal convolution merges the pieces by
   slope).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.fleet import Site
from hashstack.units import W_PER_MW

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class PowerCurve:
    """A concave piecewise-linear curve of site hash rate against site power.

    Attributes
    ----------
    power_w : breakpoints, strictly increasing from 0 [W], shape ``(K+1,)``
    hashrate_ths : hash rate at each breakpoint, from 0, concave in power [TH/s], shape ``(K+1,)``
    """

    power_w: FloatArray
    hashrate_ths: FloatArray

    def __post_init__(self) -> None:
        p, h = self.power_w, self.hashrate_ths
        if p.ndim != 1 or p.shape != h.shape or p.size < 2:
            raise InputError("a power curve needs matching 1-D breakpoint arrays with at least 2 points")
        if p[0] != 0.0 or h[0] != 0.0:
            raise InputError("a power curve starts at (0 W, 0 TH/s)")
        if not np.all(np.diff(p) > 0):
            raise InputError("power curve breakpoints must strictly increase in power")
        slopes = np.diff(h) / np.diff(p)
        if np.any(slopes < 0) or np.any(np.diff(slopes) > 1e-12 * max(1.0, float(slopes.max()))):
            raise InputError("a power curve must be non-decreasing and concave (see concave_power_curve)")

    @property
    def capacity_w(self) -> float:
        """Highest power on the curve [W]."""
        return float(self.power_w[-1])

    @property
    def hashrate_max_ths(self) -> float:
        """Hash rate at capacity [TH/s]."""
        return float(self.hashrate_ths[-1])

    @property
    def segment_length_w(self) -> FloatArray:
        """Width of each linear piece [W], shape ``(K,)``."""
        return np.diff(self.power_w)

    @property
    def segment_slope_ths_per_w(self) -> FloatArray:
        """Marginal hash rate of each piece, decreasing [TH/s per W], shape ``(K,)``."""
        return np.diff(self.hashrate_ths) / np.diff(self.power_w)

    def hashrate_at(self, power_w: npt.ArrayLike) -> FloatArray:
        """Best site hash rate at a power level [TH/s]; power outside ``[0, capacity]`` is an error."""
        p = np.asarray(power_w, dtype=float)
        if np.any(p < -1e-6) or np.any(p > self.capacity_w * (1 + 1e-9) + 1e-6):
            raise InputError(f"power outside the curve's range [0, {self.capacity_w:.0f}] W")
        return np.interp(p, self.power_w, self.hashrate_ths)

    def power_for_marginal_value(self, min_slope_ths_per_w: npt.ArrayLike) -> FloatArray:
        """Power that runs every piece whose marginal hash rate is at least the given slope [W].

        This is the instantaneous optimum when a watt's hash rate must pay for its energy: with price
        ``c`` [USD/MWh] and revenue ``r`` [USD per TH/s per day], a piece pays when
        ``slope * r * 1e6 / 24 >= c``.
        """
        s = np.asarray(min_slope_ths_per_w, dtype=float)
        slopes = self.segment_slope_ths_per_w
        runs = slopes[None, :] >= s.reshape(-1, 1)
        out: FloatArray = (runs * self.segment_length_w[None, :]).sum(axis=1)
        return out.reshape(s.shape)


def concave_power_curve(power_w: npt.ArrayLike, hashrate_ths: npt.ArrayLike) -> PowerCurve:
    """Upper concave envelope through the origin of a set of (power, hash rate) operating points.

    Parameters
    ----------
    power_w : power of each achievable operating point [W]
    hashrate_ths : hash rate of each point [TH/s]

    Returns
    -------
    PowerCurve
        The envelope; every point on it is reachable by splitting machines between two operating
        points (see the module docstring).
    """
    p = np.concatenate([[0.0], np.asarray(power_w, dtype=float).ravel()])
    h = np.concatenate([[0.0], np.asarray(hashrate_ths, dtype=float).ravel()])
    if p.shape != h.shape:
        raise InputError("power_w and hashrate_ths must have the same length")
    if np.any(p < 0) or np.any(h < 0) or not np.all(np.isfinite(p)) or not np.all(np.isfinite(h)):
        raise InputError("operating points must be finite and non-negative")
    order = np.lexsort((-h, p))
    p, h = p[order], h[order]
    hull: list[tuple[float, float]] = []
    for x, y in zip(p.tolist(), h.tolist(), strict=True):
        if hull and x == hull[-1][0]:
            continue  # same power, lower hash rate (sorted by -h within equal p)
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            # drop the middle point when it lies on or below the chord (x1,y1)-(x,y)
            if (y2 - y1) * (x - x1) <= (y - y1) * (x2 - x1):
                hull.pop()
            else:
                break
        hull.append((x, y))
    # a concave envelope never decreases once the best point is reached: cut the falling tail
    hp = np.array([q[0] for q in hull])
    hh = np.array([q[1] for q in hull])
    keep = np.concatenate([[True], np.diff(hh) > 0])
    return PowerCurve(power_w=hp[keep], hashrate_ths=hh[keep])


def merge_power_curves(curves: Sequence[PowerCurve], capacity_w: float | None = None) -> PowerCurve:
    """Best split of a power budget between several groups: pieces filled by decreasing slope.

    Parameters
    ----------
    curves : one concave curve per group of machines
    capacity_w : site capacity [W]; the merged curve is cut there (``None`` keeps all of it)
    """
    if not curves:
        raise InputError("merge_power_curves needs at least one curve")
    lengths = np.concatenate([c.segment_length_w for c in curves])
    slopes = np.concatenate([c.segment_slope_ths_per_w for c in curves])
    order = np.argsort(-slopes, kind="stable")
    lengths, slopes = lengths[order], slopes[order]
    power = np.concatenate([[0.0], np.cumsum(lengths)])
    hashrate = np.concatenate([[0.0], np.cumsum(lengths * slopes)])
    if capacity_w is not None:
        if capacity_w <= 0:
            raise InputError(f"site capacity must be positive, got {capacity_w} W")
        if capacity_w < power[-1]:
            h_cap = float(np.interp(capacity_w, power, hashrate))
            keep = power < capacity_w
            power = np.concatenate([power[keep], [capacity_w]])
            hashrate = np.concatenate([hashrate[keep], [h_cap]])
    # merge collinear consecutive pieces so the MILP has as few segments as possible
    return concave_power_curve(power[1:], hashrate[1:])


def fleet_power_curve(
    groups: Sequence[tuple[FloatArray, FloatArray, int]], capacity_w: float | None = None
) -> PowerCurve:
    """Site curve from per-machine tuning points and machine counts.

    Parameters
    ----------
    groups : ``(hashrate_ths, power_w, count)`` per machine model: one machine's tuned operating points
        [TH/s], [W] and how many machines of that model the site runs
    capacity_w : site capacity [W]
    """
    curves = []
    for hashrate_ths, power_w, count in groups:
        if count <= 0:
            raise InputError(f"machine count must be positive, got {count}")
        curves.append(concave_power_curve(np.asarray(power_w) * count, np.asarray(hashrate_ths) * count))
    return merge_power_curves(curves, capacity_w)


def site_power_curve(site: Site, n_points: int = 8) -> PowerCurve:
    """A site's power curve from its fleet's catalogue tuning curves, capped at its capacity.

    Parameters
    ----------
    site : a site read by :func:`hashstack.fleet.read_site` (its miner groups carry catalogue models)
    n_points : tuned operating points per model (underclock to overclock)
    """
    groups = []
    for g in site.miners:
        hashrate_ths, power_w = g.curve.operating_points(n_points)
        groups.append((hashrate_ths, power_w, g.count))
    return fleet_power_curve(groups, site.power_capacity_mw * W_PER_MW)
