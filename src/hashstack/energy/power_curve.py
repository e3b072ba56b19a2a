"""The scheduler's view of a site's power curve: a concave piecewise-linear hash rate against site power.

The site power curve itself comes from the power-allocation optimiser
(:func:`hashstack.power.site_power_curve`): at each site power level, the best allocation of every miner
under the site's nested caps (containers, transformers), with its sleep power and derating. The
curtailment MILP needs a concave curve (its pieces then fill in order without binaries), so the scheduler
uses the upper concave envelope through the origin of the optimiser's ``(power used, hash rate)`` levels:
every point between two levels is reached by time-sharing them. Where the optimiser's curve is itself
concave between the sampled levels (the usual case: underclocking is more efficient, and switching off
the least efficient machines first makes the curve concave) the envelope equals it at the levels; where
it is not, the envelope overstates the hash rate at the levels it bridges, by at most the gap to the
chord.

References
----------
.. [1] R. T. Rockafellar, *Convex Analysis*, Princeton University Press, 1970, section 5 (concave
   envelopes and piecewise-linear concave functions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.fleet import Site
from hashstack.power.allocation import Objective, PowerProblem
from hashstack.power.curve import PowerCurve, site_power_curve
from hashstack.power.site import DEFAULT_POINTS, Layout, site_fleet

DEFAULT_LEVELS = 11
"""Allocator solves per site curve: every 10% of the cap (0.5 s for the 13,000-miner example site)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class ConcaveCurve:
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
            raise InputError("a power curve must be non-decreasing and concave (see concave_envelope)")

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


def concave_envelope(power_w: npt.ArrayLike, hashrate_ths: npt.ArrayLike) -> ConcaveCurve:
    """Upper concave envelope through the origin of a set of (power, hash rate) operating points.

    Parameters
    ----------
    power_w : power of each achievable operating point [W]
    hashrate_ths : hash rate of each point [TH/s]

    Returns
    -------
    ConcaveCurve
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
    return ConcaveCurve(power_w=hp[keep], hashrate_ths=hh[keep])


def envelope_of(curve: PowerCurve) -> ConcaveCurve:
    """The concave envelope of a site power curve from :func:`hashstack.power.site_power_curve`.

    Uses each level's power actually drawn (``power_used_w``) and hash rate.
    """
    return concave_envelope(curve.power_used_w, curve.hashrate_ths)


def scheduling_curve(site: Site, layout: Layout | None = None, *, n_levels: int = DEFAULT_LEVELS,
                     n_points: int = DEFAULT_POINTS, sleep_power_w: float = 0.0) -> ConcaveCurve:
    """The curve the scheduler uses for ``site``: the envelope of its site power curve.

    Parameters
    ----------
    site : a site read by :func:`hashstack.fleet.read_site`
    layout : its containers and transformers (:func:`hashstack.power.site.read_layout`); ``None``: the
        site cap only
    n_levels : power levels from 0 to the site's reachable cap at which the allocator is solved
    n_points : operating points per miner along its tuning curve (the allocator's default)
    sleep_power_w : power a switched-off miner still draws [W]
    """
    if n_levels < 2:
        raise InputError(f"n_levels must be >= 2, got {n_levels}")
    fleet = site_fleet(site, layout, n_points=n_points)
    problem = PowerProblem(fleet.hashrate_ths, fleet.power_w, fleet.tree, Objective("hashrate"),
                           sleep_power_w=sleep_power_w)
    top = min(float(fleet.tree.effective_cap_w[0]), fleet.max_power_w)
    return envelope_of(site_power_curve(problem, np.linspace(0.0, top, n_levels)))
