"""Control commands (power target, sleep, wake) with an audit record of who asked, when, and the answer.

Implemented for the LuxOS (LUXminer) dialect of the CGMiner RPC API, which is what the simulator
speaks and what the largest fleets run on Antminers: changing commands need a session id from
``logon`` as their first parameter (only one session exists at a time; if one is already open the
``session`` command returns its id); ``profileset <sid>,<profile>`` selects a frequency preset;
``curtail <sid>,sleep`` and ``curtail <sid>,wakeup`` stop and resume hashing; ``logoff <sid>`` closes
the session.  A power target is met with the highest-power profile whose watt estimate does not exceed
the target, as pyasic's LuxOS backend does.  Firmware that refuses (access denied, no session, no
profile low enough) is recorded with its answer; nothing is retried silently.

References
----------
.. [1] Luxor, LuxOS API documentation (``logon``, ``session``, ``logoff``, ``profileset``, ``profiles``,
   ``curtail``).
.. [2] pyasic 0.79 ``pyasic/miners/backends/luxminer.py::set_power_limit`` (highest preset <= target).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hashstack.errors import InputError
from hashstack.telemetry.client import send_command
from hashstack.telemetry.protocol import CommandReply, MinerProtocolError
from hashstack.telemetry.records import ControlAction, Target

ACTIONS = ("power_target", "sleep", "wake")


class _Refused(Exception):
    def __init__(self, reply: CommandReply | None, message: str) -> None:
        super().__init__(message)
        self.reply = reply


async def _ask(t: Target, command: str, parameter: str | None, timeout_s: float) -> CommandReply:
    replies, _ = await send_command(t.host, t.port, command, parameter, timeout_s)
    reply = replies.get(command)
    if reply is None:
        raise MinerProtocolError(f"no reply to {command!r}")
    return reply


async def _session(t: Target, timeout_s: float) -> str:
    reply = await _ask(t, "logon", None, timeout_s)
    if reply.ok:
        return str(reply.section("SESSION")[0]["SessionID"])
    # one session at a time: reuse the open one if the firmware tells us its id
    current = await _ask(t, "session", None, timeout_s)
    rows = current.section("SESSION")
    if current.ok and rows and str(rows[0].get("SessionID", "")):
        return str(rows[0]["SessionID"])
    raise _Refused(reply, f"logon refused: {reply.status} {reply.code} {reply.msg}")


def choose_profile(profiles: list[dict[str, Any]], power_target_w: float) -> tuple[str, float]:
    """The highest-power profile whose ``Watts`` does not exceed ``power_target_w``.

    Parameters
    ----------
    profiles : rows of the LuxOS ``profiles`` reply (``Profile Name``, ``Watts``)
    power_target_w : the target [W]

    Returns
    -------
    (name, watts) : the chosen profile and its power estimate [W]

    Raises
    ------
    InputError : no profile is at or below the target
    """
    fitting = []
    for row in profiles:
        try:
            fitting.append((float(row["Watts"]), str(row["Profile Name"])))
        except (KeyError, TypeError, ValueError):
            continue
    under = [(w, n) for w, n in fitting if w <= power_target_w]
    if not under:
        lowest = min((w for w, _ in fitting), default=float("nan"))
        raise InputError(f"no profile at or below {power_target_w:.0f} W (lowest is {lowest:.0f} W)")
    watts, name = max(under)
    return name, watts


async def control_miner(target: Target, action: str, requested_by: str, power_target_w: float | None = None,
                        timeout_s: float = 5.0, now_utc: Callable[[], datetime] | None = None) -> ControlAction:
    """Send one control action to one miner and return its audit record (never raises for a refusal).

    Parameters
    ----------
    target : the miner
    action : ``power_target``, ``sleep`` or ``wake``
    requested_by : who asked (recorded verbatim)
    power_target_w : the target for ``power_target`` [W]
    timeout_s : budget per request [s]
    now_utc : clock (tests pass a fixed one)

    Returns
    -------
    ControlAction : ``ok`` True only when the miner acknowledged with a success status
    """
    if action not in ACTIONS:
        raise InputError(f"unknown action {action!r}; one of {ACTIONS}")
    if action == "power_target" and (power_target_w is None or not power_target_w > 0):
        raise InputError("power_target needs a positive power_target_w [W]")
    if not requested_by.strip():
        raise InputError("requested_by must name who asked")
    ts = (now_utc or (lambda: datetime.now(UTC)))()
    start = time.perf_counter()
    command, parameter = {"power_target": "profileset", "sleep": "curtail", "wake": "curtail"}[action], None
    reply: CommandReply | None = None
    try:
        sid = await _session(target, timeout_s)
        try:
            if action == "power_target":
                assert power_target_w is not None
                profiles = await _ask(target, "profiles", None, timeout_s)
                name, _watts = choose_profile(profiles.section("PROFILES"), power_target_w)
                parameter = f"{sid},{name}"
            else:
                parameter = f"{sid},{'sleep' if action == 'sleep' else 'wakeup'}"
            reply = await _ask(target, command, parameter, timeout_s)
        finally:
            try:
                await _ask(target, "logoff", sid, timeout_s)
            except (TimeoutError, OSError, MinerProtocolError):
                pass
        ok, status, code, msg = reply.status in ("S", "I"), reply.status, reply.code, reply.msg
    except _Refused as exc:
        r = exc.reply
        ok, status, code, msg = False, (r.status if r else "-"), (r.code if r else None), str(exc)
    except InputError as exc:
        ok, status, code, msg = False, "-", None, f"not sent: {exc}"
    except (TimeoutError, OSError, MinerProtocolError) as exc:
        ok, status, code, msg = False, "-", None, f"{type(exc).__name__}: {exc}" if str(exc) else "timeout"
    recorded_param = parameter.split(",", 1)[1] if parameter and "," in parameter else parameter
    if action == "power_target":
        recorded_param = f"target_w={power_target_w:.0f};profile={recorded_param}"
    return ControlAction(ts_utc=ts, miner_id=target.miner_id, action=action, command=command,
                         parameter=recorded_param, requested_by=requested_by, ok=ok, status=status, code=code,
                         reply_msg=msg, latency_s=time.perf_counter() - start)
