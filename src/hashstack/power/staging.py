"""Staged actuation: turn a change of allocation into ordered batches of miner commands that never
overshoot a cap.

A site changes allocation (a curtailment step, a new price) by sending each miner a power target, a
sleep or a wake. Sent all at once, the increases can land before the decreases and the site overshoots
its cap for the seconds it takes machines to settle. The planner here orders the change so that no
cap is exceeded at any instant:

* **Monotone batches.** Every batch either only lowers power or only raises it. While a lowering batch
  is under way every miner is between its old and new power, so no node draws more than before it; a
  raising batch is admitted only if the node powers *after* it fit every cap, so no partial state of it
  exceeds a cap either. Batches are ``settle_s`` apart: the time a miner takes to reach a new target.
* **Decreases before increases.** Each stage sends the pending decreases first (least valuable first,
  so an interrupted plan has shed the right machines) and then the increases that now fit (in restore
  order: the highest ``priority`` first, by default the best J/TH).
* **Ramp rate and batch size.** A batch changes the site's power by at most ``ramp_w_per_s x settle_s``
  (a grid operator's ramp limit) and holds at most ``batch_size`` commands. A single command larger
  than the ramp budget goes alone in its batch (a miner cannot be split).
* **Toggle interval.** A miner is not slept or woken within ``min_toggle_interval_s`` of its last
  sleep or wake (thermal cycling wears solder joints). A miner due to sleep that may not toggle yet is
  first turned down to its lowest point and slept when allowed; a miner due to wake waits.

When the start state already exceeds a cap (the cap has just been lowered), decreases run first and
no increase under that cap is admitted until the node is back within it: power under an over-cap node
never rises.

The planner is pure (no clock, no I/O); :mod:`hashstack.power.actuation` executes a plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.power.allocation import CapTree

FloatArray = npt.NDArray[np.float64]
Action = Literal["power_target", "sleep", "wake"]

_EPS_W = 1e-6


@dataclass(frozen=True, slots=True)
class Command:
    """One command to one miner.

    Attributes
    ----------
    miner : index of the miner
    address : where to send it (``host:port``)
    action : ``power_target``, ``sleep`` or ``wake``
    power_w : the miner's power target after the command [W]; 0 for ``sleep``; for ``wake`` the power
        target to set before waking
    """

    miner: int
    address: str
    action: Action
    power_w: float


@dataclass(frozen=True, slots=True)
class Batch:
    """Commands sent together, at ``at_s`` seconds after the plan starts.

    Attributes
    ----------
    at_s : send time relative to the plan start [s]
    direction : ``decrease`` or ``increase`` (every command in the batch goes the same way)
    commands : the commands
    site_power_w : planned site power once the batch has settled [W]
    """

    at_s: float
    direction: Literal["decrease", "increase"]
    commands: tuple[Command, ...]
    site_power_w: float


@dataclass(frozen=True, slots=True)
class StagingPolicy:
    """How fast and in what order a change may be applied.

    Attributes
    ----------
    settle_s : time between batches, for miners to reach a new target [s]
    batch_size : most commands per batch
    ramp_w_per_s : largest site power change per second, None for no limit [W/s]
    min_toggle_interval_s : shortest time between two sleeps/wakes of one miner [s]
    sleep_power_w : power a sleeping miner still draws (control board, fans) [W]
    """

    settle_s: float = 30.0
    batch_size: int = 200
    ramp_w_per_s: float | None = None
    min_toggle_interval_s: float = 600.0
    sleep_power_w: float = 0.0

    def __post_init__(self) -> None:
        if self.settle_s <= 0 or self.batch_size < 1 or self.min_toggle_interval_s < 0 or self.sleep_power_w < 0:
            raise InputError("staging policy: settle_s > 0, batch_size >= 1, intervals and sleep power >= 0")
        if self.ramp_w_per_s is not None and self.ramp_w_per_s <= 0:
            raise InputError("staging policy: ramp_w_per_s must be > 0 (or None)")


@dataclass(frozen=True, slots=True)
class Plan:
    """An ordered list of batches taking the site from one allocation to another.

    Attributes
    ----------
    batches : in send order
    node_power_w : settled power under each cap node, at the start and after each batch,
        ``(n_batches + 1, n_nodes)`` [W]
    node_envelope_w : the most each node can draw while each batch is under way, ``(n_batches, n_nodes)``
        (the larger of its power before and after the batch) [W]
    final_power_w : each miner's power at the end [W]
    settle_s : the policy's settle time [s]
    """

    batches: tuple[Batch, ...]
    node_power_w: FloatArray
    node_envelope_w: FloatArray
    final_power_w: FloatArray
    settle_s: float

    @property
    def duration_s(self) -> float:
        """Time from the first batch until the last has settled [s] (0 for an empty plan)."""
        return 0.0 if not self.batches else self.batches[-1].at_s + self.settle_s

    @property
    def n_commands(self) -> int:
        """Commands in the plan."""
        return sum(len(b.commands) for b in self.batches)


def plan_transition(
    address: list[str] | tuple[str, ...],
    current_power_w: npt.ArrayLike,
    target_power_w: npt.ArrayLike,
    tree: CapTree,
    policy: StagingPolicy | None = None,
    *,
    min_power_w: npt.ArrayLike | None = None,
    priority: npt.ArrayLike | None = None,
    since_toggle_s: npt.ArrayLike | None = None,
) -> Plan:
    """Plan the batches that take every miner from its current to its target power.

    Parameters
    ----------
    address : each miner's ``host:port``, ``(n_miners,)``
    current_power_w : each miner's power target now, 0 = asleep [W]
    target_power_w : each miner's target, 0 = sleep [W]
    tree : the caps (the site cap being the one in force after the change)
    policy : timing and ordering rules
    min_power_w : each miner's lowest running power target, used to turn down a miner that may not be
        slept yet [W]; default: such a miner keeps its power until it may sleep
    priority : restore order, higher first (shed last); default the order given
    since_toggle_s : seconds since each miner's last sleep or wake [s]; default long ago

    Returns
    -------
    :class:`Plan`; raises :class:`InputError` if the target itself exceeds a cap.
    """
    policy = policy or StagingPolicy()
    cur = np.asarray(current_power_w, dtype=float).copy()
    tgt = np.asarray(target_power_w, dtype=float)
    n = len(cur)
    if tgt.shape != (n,) or len(address) != n or len(tree.miner_node) != n:
        raise InputError("address, current and target power and the cap tree must cover the same miners")
    if np.any(cur < 0) or np.any(tgt < 0) or np.any(np.isnan(cur)) or np.any(np.isnan(tgt)):
        raise InputError("powers must be >= 0 W (0 = asleep)")
    floor = np.zeros(n) if min_power_w is None else np.asarray(min_power_w, dtype=float)
    prio = np.zeros(n) if priority is None else np.asarray(priority, dtype=float)
    toggled_ago = np.full(n, np.inf) if since_toggle_s is None else np.asarray(since_toggle_s, dtype=float)
    last_toggle = -toggled_ago  # on the plan's clock (start = 0)
    sleep_w = policy.sleep_power_w
    caps = tree.effective_cap_w

    def drawn(power: FloatArray) -> FloatArray:
        return np.where(power > 0, power, sleep_w)

    if np.any(tree.node_power_w(drawn(tgt)) > caps * (1 + 1e-9) + _EPS_W):
        raise InputError("the target allocation itself exceeds a cap")
    anc = tree.miner_ancestors()
    paths = [anc[:, i][anc[:, i] >= 0] for i in range(n)]
    budget = np.inf if policy.ramp_w_per_s is None else policy.ramp_w_per_s * policy.settle_s
    shed_order = np.lexsort((np.arange(n), prio))  # lowest priority first
    restore_order = np.lexsort((np.arange(n), -prio))  # highest first
    batches: list[Batch] = []
    node_hist = [tree.node_power_w(drawn(cur))]
    envelope: list[FloatArray] = []
    t = 0.0

    def emit(direction: Literal["decrease", "increase"], cmds: list[Command], new: FloatArray) -> None:
        nonlocal cur, t
        before = node_hist[-1]
        after = tree.node_power_w(drawn(new))
        envelope.append(np.maximum(before, after))
        node_hist.append(after)
        cur = new
        batches.append(Batch(t, direction, tuple(cmds), float(after[0])))
        t += policy.settle_s

    for _ in range(100_000):
        if np.all(np.abs(cur - tgt) <= _EPS_W):
            break
        sent = False
        # ---- decreases: least valuable first
        new = cur.copy()
        cmds: list[Command] = []
        used = 0.0
        for m in shed_order:
            if len(cmds) >= policy.batch_size:
                break
            if tgt[m] >= cur[m] - _EPS_W:
                continue
            if tgt[m] <= 0:
                if t - last_toggle[m] >= policy.min_toggle_interval_s - 1e-9:
                    cmd = Command(int(m), address[m], "sleep", 0.0)
                    step = cur[m] - sleep_w
                elif 0 < floor[m] < cur[m] - _EPS_W:
                    cmd = Command(int(m), address[m], "power_target", float(floor[m]))
                    step = cur[m] - floor[m]
                else:
                    continue
            else:
                cmd = Command(int(m), address[m], "power_target", float(tgt[m]))
                step = cur[m] - tgt[m]
            if cmds and used + step > budget:
                break
            cmds.append(cmd)
            used += step
            new[m] = cmd.power_w
            if cmd.action == "sleep":
                last_toggle[m] = t
        if cmds:
            emit("decrease", cmds, new)
            sent = True
        # ---- increases that fit every cap on their path: best first
        residual = caps - node_hist[-1]
        new = cur.copy()
        cmds = []
        used = 0.0
        for m in restore_order:
            if len(cmds) >= policy.batch_size:
                break
            if tgt[m] <= cur[m] + _EPS_W:
                continue
            waking = cur[m] <= 0
            if waking and t - last_toggle[m] < policy.min_toggle_interval_s - 1e-9:
                continue
            step = tgt[m] - (sleep_w if waking else cur[m])
            path = paths[m]
            if np.any(residual[path] < step - _EPS_W):
                continue
            if cmds and used + step > budget:
                break
            residual[path] -= step
            used += step
            cmds.append(Command(int(m), address[m], "wake" if waking else "power_target", float(tgt[m])))
            new[m] = tgt[m]
            if waking:
                last_toggle[m] = t
        if cmds:
            emit("increase", cmds, new)
            sent = True
        if not sent:
            # waiting on toggle intervals only: jump to the earliest moment one becomes allowed
            blocked = (np.abs(cur - tgt) > _EPS_W) & ((tgt <= 0) | (cur <= 0))
            if not blocked.any():
                raise InputError("staging cannot progress: an increase never fits its caps")
            t = max(t, float(np.min(last_toggle[blocked])) + policy.min_toggle_interval_s)
    else:  # pragma: no cover - the loop always progresses
        raise InputError("staging did not converge")
    return Plan(tuple(batches), np.array(node_hist), np.array(envelope).reshape(len(envelope), tree.n_nodes),
                cur, policy.settle_s)
