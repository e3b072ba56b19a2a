"""Random allocation instances shared by the power tests (seeded, small enough for HiGHS)."""

from __future__ import annotations

import numpy as np

from hashstack.power.allocation import CapTree

# (nominal hash rate TH/s, stock J/TH) of a few common models, for realistic point clouds
MODELS = np.array([[200, 17.5], [234, 15.0], [110, 29.5], [335, 16.0], [140, 21.5], [95, 34.0]])


def random_instance(rng: np.random.Generator, n_miners: int, n_points: int, n_groups: int,
                    depth3: bool = False) -> tuple[np.ndarray, np.ndarray, CapTree]:
    """Points on the catalogue's tuning-curve shape, random nested caps (site, groups, optional racks)."""
    mi = rng.integers(0, len(MODELS), n_miners)
    hn = MODELS[mi, 0]
    pn = hn * MODELS[mi, 1]
    frac = np.sort(rng.uniform(0.5, 1.25, (n_miners, n_points)), axis=1)
    h = hn[:, None] * frac
    p = pn[:, None] * (0.05 + 0.95 * frac * (1 + 0.374 * (frac - 1)) ** 2)
    # knock out a few points (derated machines)
    gone = rng.random((n_miners, n_points)) < 0.1
    gone[:, 0] = False  # every miner keeps a point: a cap below a group's sleep draw is a different test
    h = np.where(gone, np.nan, h)
    p = np.where(gone, np.nan, p)
    top = np.nanmax(np.where(np.isnan(p), 0, p), axis=1)
    grp = rng.integers(0, n_groups, n_miners)
    gcap = np.bincount(grp, weights=top, minlength=n_groups) * rng.uniform(0.3, 1.1, n_groups)
    site = rng.uniform(0.2, 1.0) * top.sum()
    if not depth3:
        return h, p, CapTree.two_level(site, gcap, grp)
    # site -> groups -> two racks per group
    rack = rng.integers(0, 2, n_miners)
    names = ["site"] + [f"g{g}" for g in range(n_groups)] + [f"r{g}.{r}" for g in range(n_groups) for r in range(2)]
    parent = [-1] + [0] * n_groups + [1 + g for g in range(n_groups) for _ in range(2)]
    rcap = [float(np.sum(top[(grp == g) & (rack == r)]) * rng.uniform(0.3, 1.2)) for g in range(n_groups)
            for r in range(2)]
    caps = np.array([site, *gcap, *rcap])
    thermal = np.full(len(names), np.inf)
    thermal[1:1 + n_groups] = np.where(rng.random(n_groups) < 0.3, gcap * 0.8, np.inf)
    node = 1 + n_groups + 2 * grp + rack
    return h, p, CapTree(tuple(names), np.array(parent), caps, thermal, node.astype(np.int64))
