"""Telemetry records: what one poll of one miner yields, and the audit record of a control command.

Every physical quantity carries its unit in its name.  A field the firmware did not give, or gave in a
form that failed to parse, is ``None`` and is named in :attr:`MinerSample.missing_fields`; a miner that
could not be read at all is a sample with ``ok=False`` and the reason in ``error`` (a failed poll is
recorded as a failed poll).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PowerSource = Literal["reported", "estimated", "meter"]
"""Where ``power_w`` came from: the firmware, the model's tuning curve at the reported hash rate, or a
site meter / PDU reading (which overrides both)."""

POWER_SOURCES: tuple[PowerSource, ...] = ("reported", "estimated", "meter")


@dataclass(frozen=True, slots=True)
class Target:
    """One miner to poll.

    Attributes
    ----------
    host : IPv4 address (or host name) of the miner's RPC API
    port : TCP port (4028 on every common firmware)
    model : catalogue model name to assume when the firmware does not say (for power estimates)
    """

    host: str
    port: int = 4028
    model: str | None = None

    @property
    def miner_id(self) -> str:
        """Stable identifier ``host:port`` used as the key in the store."""
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class MinerSample:
    """One normalised reading of one miner.

    Attributes
    ----------
    ts_utc : when the poll started (tz-aware UTC)
    miner_id : ``host:port``
    ok : False when the miner could not be read at all (then ``error`` says why)
    error : failure reason (``timeout``, ``refused``, ``protocol: ...``); on a good read (``ok``) a
        non-fatal problem with it (``meter: ...`` when the site meter could not be read), else None
    latency_s : wall time of the exchange [s]
    model, firmware : as reported (``Antminer S19j Pro``, ``bmminer 1.0.0``)
    hashrate_ths : current (5 s) hash rate [TH/s]
    hashrate_avg_ths : average hash rate since start [TH/s]
    board_hashrate_ths : hash rate per hash board [TH/s], board order as reported
    board_temp_chip_c : hottest chip temperature per board [degC]
    board_temp_board_c : PCB temperature per board [degC]
    fan_speed_rpm : speed of each fan [rpm]
    temp_chip_max_c : hottest chip over all boards [degC]
    power_w : power draw [W]; see ``power_source``
    power_source : ``reported``, ``estimated`` (tuning curve at the reported hash rate) or ``meter``
    power_limit_w : configured power limit / target [W]
    hw_errors : hardware errors since start [count]
    shares_accepted, shares_rejected : shares since start [count]
    pool_url, pool_user : the active pool
    uptime_s : miner software uptime [s]
    missing_fields : fields the firmware did not give or that failed to parse
    """

    ts_utc: datetime
    miner_id: str
    ok: bool
    error: str | None = None
    latency_s: float | None = None
    model: str | None = None
    firmware: str | None = None
    hashrate_ths: float | None = None
    hashrate_avg_ths: float | None = None
    board_hashrate_ths: tuple[float | None, ...] = ()
    board_temp_chip_c: tuple[float | None, ...] = ()
    board_temp_board_c: tuple[float | None, ...] = ()
    fan_speed_rpm: tuple[float | None, ...] = ()
    temp_chip_max_c: float | None = None
    power_w: float | None = None
    power_source: PowerSource | None = None
    power_limit_w: float | None = None
    hw_errors: int | None = None
    shares_accepted: int | None = None
    shares_rejected: int | None = None
    pool_url: str | None = None
    pool_user: str | None = None
    uptime_s: float | None = None
    missing_fields: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ControlAction:
    """Audit record of one control command: who asked, when, what, and the miner's answer.

    Attributes
    ----------
    ts_utc : when the command was sent (tz-aware UTC)
    miner_id : ``host:port``
    action : ``power_target``, ``sleep`` or ``wake``
    command : the RPC command sent
    parameter : its parameter (for ``power_target`` the target [W])
    requested_by : who asked (user name or service)
    ok : True when the miner acknowledged with a success status
    status : status letter of the reply, or ``-`` when there was no reply
    code : status code of the reply
    reply_msg : the reply's message, or the transport error
    latency_s : wall time of the exchange [s]
    """

    ts_utc: datetime
    miner_id: str
    action: str
    command: str
    parameter: str | None
    requested_by: str
    ok: bool
    status: str
    code: int | None
    reply_msg: str
    latency_s: float | None


@dataclass(frozen=True, slots=True)
class FailureRecord:
    """One ground-truth failure of a simulated miner (written by the simulator, read by maintenance).

    Attributes
    ----------
    failure_id : unique id of the failure in its run (imports are idempotent on it)
    miner_id : ``host:port``
    failure_kind : the failure mode (``bearing_stall``, ``board_death``, ``sensor_stuck``, ``psu_failure``)
    onset_ts_utc : when the degradation began (first precursor)
    failure_ts_utc : when the failure happened (None if the run ended before)
    details : free text (board index, chip counts, precursor strength)
    """

    failure_id: str
    miner_id: str
    failure_kind: str
    onset_ts_utc: datetime
    failure_ts_utc: datetime | None
    details: str = ""


@dataclass(frozen=True, slots=True)
class PollSummary:
    """Outcome of one pass over the fleet.

    Attributes
    ----------
    poll_id : sequence number in the store (continues after a restart)
    started_utc : start of the pass
    miners_ok, miners_failed : miners read / not read
    miners_skipped : miners left out because they are backing off after failures
    duration_s : wall time of the pass (polling only) [s]
    rows_written : samples committed to the store
    error : a problem of the pass that did not stop it (the meter file could not be read, so the last
        good readings were used), None when there was none
    """

    poll_id: int
    started_utc: datetime
    miners_ok: int
    miners_failed: int
    miners_skipped: int
    duration_s: float
    rows_written: int
    error: str | None = None
