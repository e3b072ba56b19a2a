"""Execute a staged plan over the miners' control path (the I/O edge of :mod:`hashstack.power`).

The executor knows nothing about the wire: it is handed ``send(address, action, parameter)``, an async
callable that performs one control command (``power_target`` with the target in W, ``sleep``, or
``wake``) and raises, or returns ``False``, when the miner refuses. A wake sends ``power_target`` first
so the machine comes up at its planned power, never at its last one.

Batches are sent at their planned times (``at_s`` after the start); the commands of one batch go out
concurrently. The first failed command stops the plan before the next batch: after a failed decrease
the following increases could overshoot, and after a failed increase the site is under its caps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hashstack.power.staging import Command, Plan

Send = Callable[[str, str, "float | None"], Awaitable["bool | None"]]
"""``async send(address, action, parameter) -> False on refusal`` (or raise)."""


@dataclass(frozen=True, slots=True)
class ExecutionReport:
    """What happened when a plan ran.

    Attributes
    ----------
    batches_done : batches fully acknowledged
    commands_sent : commands sent (including failed ones)
    failed : (command, error text) for every refused or failed command
    completed : True when every batch went through
    """

    batches_done: int
    commands_sent: int
    failed: tuple[tuple[Command, str], ...]
    completed: bool


async def _one(send: Send, cmd: Command, sem: asyncio.Semaphore) -> str | None:
    async with sem:
        try:
            if cmd.action == "wake":
                if await send(cmd.address, "power_target", cmd.power_w) is False:
                    return "power target refused before wake"
                ok = await send(cmd.address, "wake", None)
            elif cmd.action == "sleep":
                ok = await send(cmd.address, "sleep", None)
            else:
                ok = await send(cmd.address, "power_target", cmd.power_w)
        except Exception as exc:  # any transport or protocol failure stops the plan
            return f"{type(exc).__name__}: {exc}"
        return "refused" if ok is False else None


async def execute_plan(plan: Plan, send: Send, *, max_concurrency: int = 64,
                       sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                       on_batch: Callable[[int], Awaitable[None]] | None = None) -> ExecutionReport:
    """Send a plan's batches at their planned times.

    Parameters
    ----------
    plan : from :func:`hashstack.power.staging.plan_transition`
    send : the control path, ``async send(address, action, parameter)``
    max_concurrency : most commands in flight at once
    sleep : awaitable sleep (injected by tests)
    on_batch : awaited after each batch is acknowledged, with its index (e.g. to poll the site)
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    sem = asyncio.Semaphore(max_concurrency)
    sent = 0
    failed: list[tuple[Command, str]] = []
    for i, batch in enumerate(plan.batches):
        wait = start + batch.at_s - loop.time()
        if wait > 0:
            await sleep(wait)
        errors = await asyncio.gather(*(_one(send, c, sem) for c in batch.commands))
        sent += len(batch.commands)
        failed += [(c, e) for c, e in zip(batch.commands, errors, strict=True) if e is not None]
        if failed:
            return ExecutionReport(i, sent, tuple(failed), False)
        if on_batch is not None:
            await on_batch(i)
    return ExecutionReport(len(plan.batches), sent, (), True)


def control_path_sender(requested_by: str, *, port: int = 4028,
                        firmware_w_per_planned_w: dict[str, float] | None = None,
                        timeout_s: float = 5.0) -> Send:
    """A ``send`` over the telemetry control path (:func:`hashstack.telemetry.control.control_miner`).

    Parameters
    ----------
    requested_by : recorded in every command's audit record
    port : the miners' RPC port
    firmware_w_per_planned_w : per address, the factor from planned (metered) watts to the firmware's
        own power estimate, when the plan was made with operating points calibrated to metered draw;
        the firmware then picks the highest profile whose estimate is at or below the scaled target
    timeout_s : budget per request [s]

    Returns
    -------
    ``async send(address, action, parameter) -> bool`` (True when the miner acknowledged).
    """
    from hashstack.telemetry.control import control_miner
    from hashstack.telemetry.records import Target

    scale = firmware_w_per_planned_w or {}

    async def send(address: str, action: str, parameter: float | None) -> bool:
        watts = None if parameter is None else parameter * scale.get(address, 1.0)
        act = await control_miner(Target(address, port), action, requested_by, watts, timeout_s=timeout_s)
        return act.ok

    return send
