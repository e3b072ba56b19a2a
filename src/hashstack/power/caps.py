"""Nested power caps: site, transformers, containers, PDUs as a tree over the miners.

A thermal cap (the heat a container's cooling can reject) limits the same sum as an electrical cap,
since a miner turns all of its electrical power into heat; a node's effective cap is the smaller one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CapTree:
    """Nested power caps: a tree of cap nodes, miners hanging under nodes.

    Node 0 is the site (the root). A container's thermal cap is the heat its cooling can reject; since a
    miner turns all its electrical power into heat, it caps power like an electrical cap and the
    effective cap of a node is the smaller of the two.

    Attributes
    ----------
    names : node names, ``(n_nodes,)``
    parent : parent node of each node, -1 for the root, ``(n_nodes,)``
    cap_w : electrical cap of each node [W], ``inf`` for none, ``(n_nodes,)``
    thermal_cap_w : heat-rejection cap of each node [W], ``inf`` for none, ``(n_nodes,)``
    miner_node : the node each miner hangs under, ``(n_miners,)``
    depth : depth of each node, site = 0 (derived)
    ancestors : ancestor of each miner at each depth, -1 where none, ``(max_depth + 1, n_miners)`` (derived)
    """

    names: tuple[str, ...]
    parent: IntArray
    cap_w: FloatArray
    thermal_cap_w: FloatArray
    miner_node: IntArray
    depth: IntArray = field(init=False, repr=False, compare=False)
    ancestors: IntArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.names)
        if n == 0:
            raise InputError("a cap tree needs at least the site node")
        for name, arr in (("parent", self.parent), ("cap_w", self.cap_w), ("thermal_cap_w", self.thermal_cap_w)):
            if arr.shape != (n,):
                raise InputError(f"cap tree: {name} must have shape ({n},), got {arr.shape}")
        if self.parent[0] != -1 or np.any(self.parent[1:] < 0) or np.any(self.parent >= n):
            raise InputError("cap tree: node 0 must be the only root and every parent must be a node")
        if np.any(np.isnan(self.cap_w)) or np.any(self.cap_w < 0) or np.any(np.isnan(self.thermal_cap_w)) \
                or np.any(self.thermal_cap_w < 0):
            raise InputError("cap tree: caps must be >= 0 (inf for none)")
        depth = np.zeros(n, dtype=np.int64)
        for i in range(1, n):  # parents must precede children: makes depth a single pass, forbids cycles
            if self.parent[i] >= i:
                raise InputError(f"cap tree: node {self.names[i]!r} must come after its parent")
            depth[i] = depth[self.parent[i]] + 1
        if self.miner_node.ndim != 1 or np.any(self.miner_node < 0) or np.any(self.miner_node >= n):
            raise InputError("cap tree: every miner must hang under a node of the tree")
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "ancestors", self._ancestors())

    @classmethod
    def site_only(cls, n_miners: int, cap_w: float) -> CapTree:
        """A single site cap over ``n_miners`` miners."""
        return cls(("site",), np.array([-1]), np.array([float(cap_w)]), np.array([np.inf]),
                   np.zeros(n_miners, dtype=np.int64))

    @classmethod
    def two_level(cls, site_cap_w: float, group_cap_w: npt.ArrayLike, miner_group: npt.ArrayLike,
                  group_names: list[str] | None = None,
                  group_thermal_cap_w: npt.ArrayLike | None = None) -> CapTree:
        """A site cap over groups (containers) with their own caps; ``miner_group`` indexes the groups."""
        caps = np.asarray(group_cap_w, dtype=float)
        g = len(caps)
        thermal = np.full(g, np.inf) if group_thermal_cap_w is None else np.asarray(group_thermal_cap_w, float)
        names = group_names or [f"container-{k}" for k in range(g)]
        return cls(("site", *names), np.concatenate([[-1], np.zeros(g, dtype=np.int64)]),
                   np.concatenate([[float(site_cap_w)], caps]), np.concatenate([[np.inf], thermal]),
                   np.asarray(miner_group, dtype=np.int64) + 1)

    @property
    def n_nodes(self) -> int:
        """Number of cap nodes."""
        return len(self.names)

    @property
    def effective_cap_w(self) -> FloatArray:
        """Binding cap of each node: the smaller of electrical and thermal [W]."""
        return np.minimum(self.cap_w, self.thermal_cap_w)

    def with_site_cap(self, cap_w: float) -> CapTree:
        """The same tree with another site cap [W]."""
        caps = self.cap_w.copy()
        caps[0] = cap_w
        return CapTree(self.names, self.parent, caps, self.thermal_cap_w, self.miner_node)

    def miner_ancestors(self) -> IntArray:
        """Ancestor of each miner at each depth, ``(max_depth + 1, n_miners)``, -1 where none."""
        return self.ancestors

    def _ancestors(self) -> IntArray:
        depth = self.depth
        levels = int(depth.max()) + 1
        out = np.full((levels, len(self.miner_node)), -1, dtype=np.int64)
        node = self.miner_node.copy()
        active = np.ones(len(node), dtype=bool)
        for _ in range(levels):
            d = depth[node]
            out[d[active], np.flatnonzero(active)] = node[active]
            active &= node != 0
            node = np.where(active, self.parent[node], node)
        return out

    def node_power_w(self, miner_power_w: FloatArray) -> FloatArray:
        """Summed power under every node [W], ``(n_nodes,)``."""
        anc = self.miner_ancestors()
        total = np.zeros(self.n_nodes)
        for row in anc:
            ok = row >= 0
            total += np.bincount(row[ok], weights=miner_power_w[ok], minlength=self.n_nodes)
        return total
