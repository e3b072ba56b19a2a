"""Reference solutions by HiGHS: the allocation as a mixed-integer program, and its LP relaxation.

Used to verify :mod:`hashstack.power.allocation` on instances small enough for branch and bound, and
side by side in the benchmark (with a time limit) on large ones.

Formulation (binary ``y_ij`` = miner ``i`` runs at point ``j``; off when every ``y_ij`` is 0)::

    max  sum_ij v_ij y_ij
    s.t. sum_j y_ij <= 1                                   for every miner i
         sum_{i under n} sum_j p_ij y_ij <= cap_n           for every cap node n
         y_ij in {0, 1}

References
----------
.. [1] Q. Huangfu, J. A. J. Hall, "Parallelizing the dual revised simplex method", Mathematical
   Programming Computation 10, 119-142 (2018) (HiGHS, as wrapped by ``scipy.optimize.milp``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from hashstack.power.allocation import CapTree, FloatArray, IntArray, Objective, validate_points


@dataclass(frozen=True, slots=True)
class MilpResult:
    """A HiGHS solution.

    Attributes
    ----------
    point_index : chosen column per miner, -1 = off (all -1 when HiGHS found no solution)
    value : objective of the solution found (NaN if none)
    bound : HiGHS's dual bound on the optimum (NaN if none reported)
    status : scipy's status code (0 optimal, 1 iteration or time limit, ...)
    message : HiGHS's message
    """

    point_index: IntArray
    value: float
    bound: float
    status: int
    message: str

    @property
    def optimal(self) -> bool:
        """Whether HiGHS proved optimality."""
        return self.status == 0


def solve_milp(hashrate_ths: FloatArray, power_w: FloatArray, tree: CapTree, objective: Objective | None = None,
               *, relax: bool = False, time_limit_s: float | None = None,
               mip_rel_gap: float = 1e-9, sleep_power_w: float = 0.0) -> MilpResult:
    """Solve the allocation exactly with HiGHS (or its LP relaxation with ``relax=True``).

    Parameters
    ----------
    hashrate_ths, power_w : operating points, ``(n_miners, n_points)``, NaN = unavailable [TH/s], [W]
    tree : nested caps
    objective : hash rate (default) or margin
    relax : solve the LP relaxation instead (``point_index`` is then the largest-weight point)
    time_limit_s : wall-clock limit handed to HiGHS [s]
    mip_rel_gap : relative optimality gap at which HiGHS stops [-]
    sleep_power_w : draw of a miner that is off [W] (its points then count as increments over it)
    """
    h, p = validate_points(hashrate_ths, power_w)
    objective = objective or Objective()
    off_value = float(objective.value(0.0, sleep_power_w))
    v = objective.value(h, p) - off_value
    n = p.shape[0]
    ok = ~np.isnan(p)
    mi, mj = np.nonzero(ok)
    nv = len(mi)
    c = -v[mi, mj]
    # one choice per miner
    a_choice = sparse.csr_matrix((np.ones(nv), (mi, np.arange(nv))), shape=(n, nv))
    # caps: a row per node with a finite cap, summing the powers of every variable beneath it
    caps = tree.effective_cap_w - sleep_power_w * tree.node_power_w(np.ones(n))
    anc = tree.miner_ancestors()
    rows, cols, vals = [], [], []
    for level in anc:
        node = level[mi]
        keep = node >= 0
        rows.append(node[keep])
        cols.append(np.arange(nv)[keep])
        vals.append(p[mi, mj][keep] - sleep_power_w)
    a_cap = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                              shape=(tree.n_nodes, nv))
    finite = np.isfinite(caps)
    a = sparse.vstack([a_choice, a_cap[finite]]).tocsr()
    ub = np.concatenate([np.ones(n), caps[finite]])
    constraints = LinearConstraint(a, -np.inf, ub)
    options: dict[str, float | bool] = {"mip_rel_gap": mip_rel_gap, "disp": False}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    integrality = np.zeros(nv) if relax else np.ones(nv)
    # HiGHS may print from C++ to fd 1 even with disp=False; the CLI edge routes fd 1 to stderr.
    res = milp(c, constraints=constraints, integrality=integrality, bounds=Bounds(0, 1), options=options)
    col = np.full(n, -1, dtype=np.int64)
    if res.x is None:
        return MilpResult(col, float("nan"), float("nan"), int(res.status), str(res.message))
    x = res.x
    base = n * off_value
    if relax:
        value = float(-res.fun) + base
        bound = value
    else:
        chosen = x > 0.5
        col[mi[chosen]] = mj[chosen]
        value = float(v[mi[chosen], mj[chosen]].sum()) + base
        dual = getattr(res, "mip_dual_bound", None)
        bound = float(-dual) + base if dual is not None else float("nan")
    return MilpResult(col, value, bound, int(res.status), str(res.message))
