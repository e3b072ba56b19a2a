"""The LP relaxation of the allocation, solved exactly on each miner's convex hull.

1. **Convex hull.** The LP relaxation of the multiple-choice knapsack only ever uses points on the upper
   concave hull of ``{(0, 0), (p_ij, v_ij)}`` [1]_. Each miner becomes a chain of hull *segments* with
   strictly decreasing value per watt (slopes); segments with slope <= 0 are dropped, which is what
   switches sub-breakeven machines off under the margin objective even when the cap is slack.
2. **Exact LP by greedy.** With the segments as variables, the constraints (each segment <= its
   length; each cap node >= the sum below it) are a laminar family, so the feasible set is a polymatroid
   and the greedy algorithm (take segments in decreasing slope, each as far as every cap above it
   allows) is optimal for the linear objective [2]_ [3]_. For a laminar family the greedy equals a
   bottom-up truncation: sort every segment once by slope; for each tree level, group segments by their
   ancestor at that level (a stable integer sort keeps the slope order), and cut each group's running
   sum at the node's cap. That is a handful of vectorised passes over the segments, no loop over miners.

References
----------
.. [1] P. Sinha, A. A. Zoltners, "The multiple-choice knapsack problem", Operations Research 27(3),
   503-515 (1979): the LP relaxation is solved on each class's convex hull by incremental efficiency.
.. [2] J. Edmonds, "Submodular functions, matroids, and certain polyhedra", in Combinatorial Structures
   and Their Applications, Gordon and Breach, 69-87 (1970): the greedy algorithm over polymatroids.
.. [3] A. Federgruen, H. Groenevelt, "The greedy procedure for resource allocation problems: necessary
   and sufficient conditions for optimality", Operations Research 34(6), 909-918 (1986).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashstack.power.caps import CapTree, FloatArray, IntArray

_REL_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class Hull:
    """Each miner's upper concave hull as a flat list of segments, in miner order.

    Attributes
    ----------
    miner : miner of each segment, ``(n_segments,)``
    start_col, end_col : operating-point column at each end of the segment (-1 = off)
    power_w : segment length in power [W]
    value : segment gain in objective units
    slope : value per watt, strictly decreasing within a miner
    """

    miner: IntArray
    start_col: IntArray
    end_col: IntArray
    power_w: FloatArray
    value: FloatArray
    slope: FloatArray


def concave_hulls(power_w: FloatArray, value: FloatArray) -> Hull:
    """Upper concave hull of ``{(0, 0)} U {(power_w[i, j], value[i, j])}`` per miner, as segments.

    Parameters
    ----------
    power_w : operating-point powers [W], ``(n_miners, n_points)``, NaN = missing
    value : operating-point values, same shape

    Returns
    -------
    :class:`Hull` with only positive-slope segments (a point worth no more than a cheaper one is never
    on the useful part of the hull).
    """
    n, k = power_w.shape
    # Column 0 is "off" at the origin; the points of each row sorted by power, missing points last.
    keyed = np.where(np.isnan(power_w), np.inf, power_w)
    if np.all(keyed[:, 1:] >= keyed[:, :-1]):  # already sorted (tuning-curve points): skip the sort
        order = np.broadcast_to(np.arange(k), (n, k))
        p, v = power_w, value
    else:
        order = np.argsort(keyed, axis=1, kind="stable")
        p = np.take_along_axis(power_w, order, axis=1)
        v = np.take_along_axis(value, order, axis=1)
    p = np.concatenate([np.zeros((n, 1)), p], axis=1)
    v = np.concatenate([np.zeros((n, 1)), v], axis=1)
    cols = np.concatenate([np.full((n, 1), -1, dtype=np.int64), order], axis=1)
    active = ~np.isnan(p)
    idx = np.arange(k + 1, dtype=np.int32)
    pz = np.where(active, p, 0.0)
    vz = np.where(active, v, 0.0)
    # Fast check: the available points of a row are a prefix, so each vertex's neighbours are the
    # adjacent columns; when no vertex is bad (the common case for convex tuning curves) the general
    # loop below is skipped.
    dp_adj = np.diff(pz, axis=1)
    dv_adj = np.diff(vz, axis=1)
    act = active[:, 1:]
    bad0 = act & (dv_adj <= 0)
    inner0 = act[:, :-1] & act[:, 1:]
    bad0[:, :-1] |= inner0 & (dv_adj[:, :-1] * dp_adj[:, 1:] <= dv_adj[:, 1:] * dp_adj[:, :-1] * (1 + _REL_TOL))
    while bad0.any():
        prev = np.maximum.accumulate(np.where(active, idx, -1), axis=1)
        prev[:, 1:] = prev[:, :-1].copy()
        prev[:, 0] = -1
        nxt = np.minimum.accumulate(np.where(active, idx, k + 1)[:, ::-1], axis=1)[:, ::-1].copy()
        nxt[:, :-1] = nxt[:, 1:].copy()
        nxt[:, -1] = k + 1
        check = active & (prev >= 0)
        check[:, 0] = False
        pi = np.where(check, prev, 0)
        dp_in = pz - np.take_along_axis(pz, pi, axis=1)
        dv_in = vz - np.take_along_axis(vz, pi, axis=1)
        # A vertex with a non-positive slope into it is never worth taking.
        bad = check & (dv_in <= 0)
        inner = check & (nxt <= k)
        ni = np.where(inner, nxt, 0)
        dp_out = np.take_along_axis(pz, ni, axis=1) - pz
        dv_out = np.take_along_axis(vz, ni, axis=1) - vz
        # Concavity: slope in must exceed slope out; cross-multiplied (both dp > 0) to avoid division.
        bad |= inner & (dv_in * dp_out <= dv_out * dp_in * (1 + _REL_TOL))
        if not bad.any():
            break
        # A vertex on or below the chord of two other points of the set is no vertex of the set's upper
        # hull, so every bad vertex can go at once; the survivors are retested until none is bad.
        active &= ~bad
    # Emit segments between consecutive active vertices (flat indices: row-major, so rows stay sorted).
    flat = np.flatnonzero(active)
    rows_i = flat // (k + 1)
    a = np.flatnonzero(rows_i[1:] == rows_i[:-1])
    start = flat[a]
    end = flat[a + 1]
    pr, vr, cr = p.ravel(), v.ravel(), cols.ravel()
    dp = pr[end] - pr[start]
    dv = vr[end] - vr[start]
    return Hull(
        miner=rows_i[a].astype(np.int64, copy=False),
        start_col=cr[start].astype(np.int64, copy=False),
        end_col=cr[end].astype(np.int64, copy=False),
        power_w=dp,
        value=dv,
        slope=dv / dp,
    )


@dataclass(frozen=True, slots=True)
class LpSolution:
    """The LP relaxation's optimum on the hull segments.

    Attributes
    ----------
    taken_w : power taken on each hull segment [W], ``(n_segments,)``
    value : LP optimum (an upper bound on any integral allocation)
    miner_power_w : LP power of each miner [W]
    """

    taken_w: FloatArray
    value: float
    miner_power_w: FloatArray


def solve_lp(hull: Hull, tree: CapTree, n_miners: int, order: IntArray | None = None) -> LpSolution:
    """Exact LP relaxation by greedy bottom-up truncation over the cap tree (see module docstring).

    Parameters
    ----------
    hull : segments from :func:`concave_hulls`
    tree : cap tree over the same miners
    n_miners : number of miners
    order : optional precomputed ``argsort(-hull.slope, kind="stable")``
    """
    if order is None:
        order = np.argsort(-hull.slope, kind="stable")
    length = hull.power_w[order].copy()
    seg_miner = hull.miner[order]
    caps = tree.effective_cap_w
    anc = tree.miner_ancestors()
    for level in range(anc.shape[0] - 1, -1, -1):
        node = anc[level][seg_miner]
        ok = node >= 0
        if not ok.any() or not np.isfinite(caps[node[ok]]).any():
            continue
        pos = np.flatnonzero(ok)
        grp = node[pos]
        if grp[0] != grp[-1] or np.any(grp != grp[0]):
            # small integer keys sort by radix sort, stable, so each group keeps the slope order
            key = grp.astype(np.int16) if tree.n_nodes < 2**15 else grp
            perm = np.argsort(key, kind="stable")
            pos = pos[perm]
            grp = grp[perm]
        ln = length[pos]
        cum = np.cumsum(ln)
        starts = np.flatnonzero(np.concatenate([[True], grp[1:] != grp[:-1]]))
        base = np.repeat(cum[starts] - ln[starts], np.diff(np.append(starts, len(grp))))
        before = cum - ln - base
        length[pos] = np.clip(caps[grp] - before, 0.0, ln)
    taken = np.empty_like(length)
    taken[order] = length
    miner_power = np.bincount(hull.miner, weights=taken, minlength=n_miners).astype(float)
    return LpSolution(taken_w=taken, value=float(np.dot(taken, hull.slope)), miner_power_w=miner_power)
