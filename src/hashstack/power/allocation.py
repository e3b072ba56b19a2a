"""Allocate a site's power across a mixed fleet: a multiple-choice knapsack with nested caps.

The problem
-----------
Miner ``i`` runs at one of its operating points ``j`` (hash rate ``h_ij`` [TH/s], power ``p_ij`` [W])
or is off (0, 0). Each miner sits under a chain of caps (PDU, container, transformer, site) that form a
tree: every cap node limits the summed power of the miners beneath it. Choose one point (or off) per
miner to maximise the summed value ``v_ij``: the hash rate, or the daily margin
``h_ij * hashprice * (1 - pool_fee) - p_ij * price * 24 h``. That is a multiple-choice knapsack with a
laminar family of knapsack constraints; it is NP-hard, but its LP relaxation is tight at fleet scale.

The method
----------
1. **Convex hull** and 2. **exact LP by greedy**: each miner's points become the segments of its upper
   concave hull of ``{(0, 0), (p_ij, v_ij)}`` [1]_, and the LP over the segments under the laminar caps
   is solved exactly by a vectorised greedy; the method and its references are in
   :mod:`hashstack.power.hull`.
3. **Repair to integral points.** Within a miner the LP keeps a prefix of its segments, so at most one
   segment per binding cap is fractional. Each miner is rounded down to the hull vertex below its LP
   power (always feasible), then the slack left under every cap is refilled with the most valuable
   single-miner upgrades (to any of its points, on the hull or not) that fit under every cap on the
   miner's path. The loss against the LP is at most one segment per binding cap, so it vanishes
   relative to the fleet as the fleet grows (3e-5 of the LP bound at 100,000 miners, see
   ``docs/benchmarks.md``). The LP optimum bounds the optimum from above, so the reported
   ``lp_gap_frac = (LP - integral) / LP`` bounds the distance to the true optimum.
4. **Small instances: exact.** Where the rounding loss is not negligible (a few dozen miners), an
   instance with at most ``exact_max_points`` operating points is also solved by HiGHS branch and bound
   (:mod:`hashstack.power.milp`) under a time limit, and the better of the two is kept.

References
----------
.. [1] P. Sinha, A. A. Zoltners, "The multiple-choice knapsack problem", Operations Research 27(3),
   503-515 (1979): the LP relaxation is solved on each class's convex hull by incremental efficiency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.power.caps import CapTree, FloatArray, IntArray
from hashstack.power.hull import Hull, LpSolution, concave_hulls, solve_lp
from hashstack.power.totals import FleetTotals
from hashstack.units import HOURS_PER_DAY, W_PER_MW

__all__ = ["Allocation", "CapTree", "FloatArray", "Hull", "IntArray", "LpSolution", "Objective", "PowerProblem",
           "allocate", "concave_hulls", "daily_margin_usd", "solve_lp", "validate_points"]

ObjectiveKind = Literal["hashrate", "margin"]


@dataclass(frozen=True, slots=True)
class Objective:
    """What an allocation maximises.

    Attributes
    ----------
    kind : ``"hashrate"`` (summed TH/s) or ``"margin"`` (summed USD/day)
    hashprice_usd_per_th_day : revenue per TH/s per day before pool fee [USD/TH/day]; margin only
    price_usd_per_mwh : electricity price [USD/MWh]; margin only
    pool_fee_frac : pool fee as a fraction of revenue [-]
    """

    kind: ObjectiveKind = "hashrate"
    hashprice_usd_per_th_day: float | None = None
    price_usd_per_mwh: float | None = None
    pool_fee_frac: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("hashrate", "margin"):
            raise InputError(f"objective must be 'hashrate' or 'margin', not {self.kind!r}")
        if self.kind == "margin":
            if self.hashprice_usd_per_th_day is None or self.price_usd_per_mwh is None:
                raise InputError("the margin objective needs a hashprice and a power price")
            if self.hashprice_usd_per_th_day < 0 or self.price_usd_per_mwh < 0:
                raise InputError("hashprice and power price must be >= 0")
        if not 0 <= self.pool_fee_frac < 1:
            raise InputError(f"pool_fee_frac must be in [0, 1), got {self.pool_fee_frac}")

    def value(self, hashrate_ths: npt.ArrayLike, power_w: npt.ArrayLike) -> FloatArray:
        """Objective value of operating points: TH/s, or margin in USD/day."""
        h = np.asarray(hashrate_ths, dtype=float)
        if self.kind == "hashrate":
            return h
        p = np.asarray(power_w, dtype=float)
        return daily_margin_usd(h, p, self.hashprice_usd_per_th_day or 0.0, self.price_usd_per_mwh or 0.0,
                                self.pool_fee_frac)


def daily_margin_usd(
    hashrate_ths: npt.ArrayLike,
    power_w: npt.ArrayLike,
    hashprice_usd_per_th_day: float,
    price_usd_per_mwh: float,
    pool_fee_frac: float = 0.0,
) -> FloatArray:
    """Daily mining margin: revenue after pool fee minus the cost of power.

    Parameters
    ----------
    hashrate_ths : hash rate [TH/s]
    power_w : wall power [W]
    hashprice_usd_per_th_day : revenue per TH/s per day [USD/TH/day]
    price_usd_per_mwh : electricity price [USD/MWh]
    pool_fee_frac : pool fee [-]

    Returns
    -------
    margin [USD/day], ``h * hashprice * (1 - fee) - p * 24 / 1e6 * price``.
    """
    h = np.asarray(hashrate_ths, dtype=float)
    p = np.asarray(power_w, dtype=float)
    energy_mwh_per_day = p * HOURS_PER_DAY / W_PER_MW
    return np.asarray(h * hashprice_usd_per_th_day * (1.0 - pool_fee_frac) - energy_mwh_per_day * price_usd_per_mwh)


def validate_points(hashrate_ths: npt.ArrayLike, power_w: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Check operating-point arrays: ``(n_miners, n_points)``, NaN marks a missing point.

    Points must have power > 0 and hash rate >= 0; both NaN or both finite. Raises :class:`InputError`.
    """
    h = np.atleast_2d(np.asarray(hashrate_ths, dtype=float))
    p = np.atleast_2d(np.asarray(power_w, dtype=float))
    if h.shape != p.shape or h.ndim != 2:
        raise InputError(f"hash rate and power arrays must share a 2-D shape, got {h.shape} and {p.shape}")
    if not np.array_equal(np.isnan(h), np.isnan(p)):
        raise InputError("a missing operating point must be NaN in both the hash rate and the power array")
    ok = ~np.isnan(p)
    if np.any(p[ok] <= 0) or np.any(h[ok] < 0) or np.any(np.isinf(p)) or np.any(np.isinf(h)):
        raise InputError("operating points need finite power > 0 W and hash rate >= 0 TH/s")
    return h, p


@dataclass(frozen=True, slots=True)
class Allocation(FleetTotals):
    """An integral allocation: one operating point (or off) per miner.

    Attributes
    ----------
    point_index : chosen column of each miner's operating points, -1 = off, ``(n_miners,)``
    hashrate_ths : hash rate of each miner [TH/s]
    power_w : power of each miner (a sleeping miner's draw when off) [W]
    value : objective value (TH/s or USD/day)
    lp_bound : LP relaxation optimum, >= the best integral value
    node_power_w : summed power under each cap node [W]
    objective : the objective maximised
    method : how the answer was found: ``"lp-repair"``, ``"milp"`` (HiGHS optimal, small instances),
        ``"milp-time-limit"``, or ``"lp-repair (milp-verified)"``
    """

    point_index: IntArray
    hashrate_ths: FloatArray
    power_w: FloatArray
    value: float
    lp_bound: float
    node_power_w: FloatArray
    objective: Objective
    method: str = "lp-repair"

    @property
    def lp_gap_frac(self) -> float:
        """``(LP bound - value) / |LP bound|``: an upper bound on the distance to the optimum [-]."""
        if self.lp_bound == 0:
            return 0.0
        return max(0.0, (self.lp_bound - self.value) / abs(self.lp_bound))

    @property
    def n_running(self) -> int:
        """Miners not off."""
        return int(np.count_nonzero(self.point_index >= 0))


class PowerProblem:
    """A fleet's allocation problem, prepared once (hulls, slope order) and solvable for many caps.

    Parameters
    ----------
    hashrate_ths : operating points' hash rates [TH/s], ``(n_miners, n_points)``, NaN = unavailable
    power_w : operating points' powers [W], same shape
    tree : nested caps over the miners
    objective : what to maximise
    sleep_power_w : what an "off" (sleeping) miner still draws, control board and fans [W]; the caps
        must hold it for every sleeping miner, and the margin objective pays for it
    """

    def __init__(self, hashrate_ths: npt.ArrayLike, power_w: npt.ArrayLike, tree: CapTree,
                 objective: Objective | None = None, *, sleep_power_w: float = 0.0) -> None:
        self.hashrate_ths, self.power_w = validate_points(hashrate_ths, power_w)
        self.n_miners = self.hashrate_ths.shape[0]
        if len(tree.miner_node) != self.n_miners:
            raise InputError(f"cap tree has {len(tree.miner_node)} miners, operating points have {self.n_miners}")
        if not sleep_power_w >= 0 or np.any(self.power_w <= sleep_power_w):
            raise InputError("sleep_power_w must be >= 0 and below every operating point's power")
        self.tree = tree
        self.objective = objective or Objective()
        self.sleep_power_w = float(sleep_power_w)
        self.off_value = float(self.objective.value(0.0, self.sleep_power_w))
        self.value = self.objective.value(self.hashrate_ths, self.power_w)
        # the hull and the LP work on increments over "asleep"
        self.hull = concave_hulls(self.power_w - self.sleep_power_w, self.value - self.off_value)
        self.order = np.argsort(-self.hull.slope, kind="stable")
        self._count_under = tree.node_power_w(np.ones(self.n_miners))

    def _lp_tree(self, tree: CapTree) -> CapTree:
        """The tree with every cap reduced by its sleeping miners' draw (the LP's increment caps)."""
        if self.sleep_power_w == 0:
            return tree
        caps = tree.effective_cap_w - self.sleep_power_w * self._count_under
        if np.any(caps < 0):
            bad = tree.names[int(np.argmin(caps))]
            raise InputError(f"cap of {bad!r} is below what its miners draw asleep")
        return CapTree(tree.names, tree.parent, caps, np.full(tree.n_nodes, np.inf), tree.miner_node)

    def solve(self, site_cap_w: float | None = None, *, exact_max_points: int = 2000,
              exact_time_limit_s: float = 5.0) -> Allocation:
        """Best integral allocation under the caps.

        Parameters
        ----------
        site_cap_w : replaces the tree's site cap if given [W]
        exact_max_points : instances with at most this many operating points are also solved by HiGHS
            branch and bound and the better answer kept; 0 turns that off
        exact_time_limit_s : HiGHS time limit for that [s]
        """
        if site_cap_w is not None and not site_cap_w >= 0:
            raise InputError(f"site cap must be >= 0 W, got {site_cap_w}")
        tree = self.tree if site_cap_w is None else self.tree.with_site_cap(site_cap_w)
        lp = solve_lp(self.hull, self._lp_tree(tree), self.n_miners, self.order)
        lp_value = lp.value + self.n_miners * self.off_value
        col = self._round_down(lp)
        col = self._refill(col, tree)
        method = "lp-repair"
        n_points = int(np.count_nonzero(~np.isnan(self.power_w)))
        value = float(self._point(col, self.value, self.off_value).sum())
        if 0 < n_points <= exact_max_points and lp_value - value > 1e-9 * max(1.0, abs(lp_value)):
            from hashstack.power.milp import solve_milp

            exact = solve_milp(self.hashrate_ths, self.power_w, tree, self.objective,
                               time_limit_s=exact_time_limit_s, sleep_power_w=self.sleep_power_w)
            if np.isfinite(exact.value) and exact.value > value:
                col = exact.point_index
                method = "milp" if exact.optimal else "milp-time-limit"
            elif exact.optimal:
                method = "lp-repair (milp-verified)"
        return self._allocation(col, tree, lp_value, method)

    # --- repair -----------------------------------------------------------------------------------
    def _round_down(self, lp: LpSolution) -> IntArray:
        """Each miner to the hull vertex ending its last fully taken segment (-1 = off)."""
        hull = self.hull
        full = lp.taken_w >= hull.power_w * (1 - 1e-9)
        col = np.full(self.n_miners, -1, dtype=np.int64)
        # segments are in miner order with a taken prefix, so the last full one per miner wins
        idx = np.flatnonzero(full)
        col[hull.miner[idx]] = hull.end_col[idx]
        return col

    def _point(self, col: IntArray, arr: FloatArray, off: float = 0.0) -> FloatArray:
        out = np.full(self.n_miners, off)
        on = col >= 0
        out[on] = arr[np.flatnonzero(on), col[on]]
        return out

    def _path_residual(self, residual: FloatArray, anc: IntArray) -> FloatArray:
        """Smallest residual over each miner's path to the site [W]."""
        res = np.full(anc.shape[1], np.inf)
        for row in anc:
            ok = row >= 0
            res[ok] = np.minimum(res[ok], residual[row[ok]])
        return res

    def _refill(self, col: IntArray, tree: CapTree) -> IntArray:
        """Fill the slack the rounding left with single-miner upgrades, in vectorised rounds.

        Each round takes, for every miner, its most valuable upgrade (to any of its points) that fits
        under every cap on its path, orders them by gain, and accepts a candidate when the running sum
        of all candidates before it under each of its caps still fits: conservative, hence feasible,
        and the best candidate always goes in, so rounds end when nothing fits.
        """
        caps = tree.effective_cap_w
        anc = tree.miner_ancestors()
        col = col.copy()
        p_now = self._point(col, self.power_w, self.sleep_power_w)
        v_now = self._point(col, self.value, self.off_value)
        residual = caps - tree.node_power_w(p_now)
        for _ in range(100):
            path_res = self._path_residual(residual, anc)
            dp = self.power_w - p_now[:, None]
            dv = self.value - v_now[:, None]
            with np.errstate(invalid="ignore"):
                fits = (dp > 0) & (dv > 0) & (dp <= path_res[:, None] * (1 + 1e-12))
            movers = np.flatnonzero(fits.any(axis=1))
            if len(movers) == 0:
                break
            gain = np.where(fits[movers], dv[movers], -np.inf)
            j = np.argmax(gain, axis=1)
            cdv = gain[np.arange(len(movers)), j]
            cdp = dp[movers, j]
            order = np.argsort(-cdv, kind="stable")
            m, j, cdp = movers[order], j[order], cdp[order]
            ok = np.ones(len(m), dtype=bool)
            for level in anc:
                node = level[m]
                has = np.flatnonzero(node >= 0)
                grp = node[has]
                perm = np.argsort(grp, kind="stable")
                has, grp = has[perm], grp[perm]
                cum = np.cumsum(cdp[has])
                starts = np.flatnonzero(np.concatenate([[True], grp[1:] != grp[:-1]]))
                base = np.repeat(cum[starts] - cdp[has][starts], np.diff(np.append(starts, len(grp))))
                ok[has] &= (cum - base) <= residual[grp] * (1 + 1e-12)
            ok[0] = True  # fits its own path by construction
            m, j = m[ok], j[ok]
            col[m] = j
            p_new = self.power_w[m, j]
            residual -= tree.node_power_w(
                np.bincount(m, weights=p_new - p_now[m], minlength=self.n_miners).astype(float))
            p_now[m] = p_new
            v_now[m] = self.value[m, j]
        return col

    def _allocation(self, col: IntArray, tree: CapTree, lp_value: float, method: str = "lp-repair") -> Allocation:
        h = self._point(col, self.hashrate_ths)
        p = self._point(col, self.power_w, self.sleep_power_w)
        v = self._point(col, self.value, self.off_value)
        return Allocation(point_index=col, hashrate_ths=h, power_w=p, value=float(v.sum()),
                          lp_bound=lp_value, node_power_w=tree.node_power_w(p), objective=self.objective,
                          method=method)


def allocate(hashrate_ths: npt.ArrayLike, power_w: npt.ArrayLike, tree: CapTree,
             objective: Objective | None = None, *, exact_max_points: int = 2000,
             sleep_power_w: float = 0.0) -> Allocation:
    """Best integral allocation of power across miners under nested caps.

    Parameters
    ----------
    hashrate_ths : operating points' hash rates [TH/s], ``(n_miners, n_points)``, NaN = unavailable
    power_w : operating points' powers [W], same shape
    tree : nested caps (site, containers, PDUs...) with thermal caps
    objective : hash rate (default) or margin
    exact_max_points : up to this many operating points, also solve exactly with HiGHS (0: never)
    sleep_power_w : draw of a sleeping miner [W]

    Returns
    -------
    :class:`Allocation` with the LP bound; see the module docstring for the method.
    """
    return PowerProblem(hashrate_ths, power_w, tree, objective, sleep_power_w=sleep_power_w).solve(
        exact_max_points=exact_max_points)
