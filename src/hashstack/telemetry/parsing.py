"""Decoded replies -> one :class:`~hashstack.telemetry.records.MinerSample` with units in names.

Works on the sections that cgminer-derived firmware puts in ``summary``, ``devs``, ``stats``, ``pools``
and ``version`` (plus BOSminer's ``temps``/``fans``/``tunerstatus`` and LUXminer's ``power`` when those
were asked).  Each field is read on its own: a field that is absent or fails to parse is ``None`` and
listed in ``missing_fields``; it never costs the rest of the sample.

Where each field comes from (first match wins):

=====================  ===========================================================================
field                  sources
=====================  ===========================================================================
hashrate_ths           summary ``{T,G,M,K}HS 5s`` (unit from the key), stats ``GHS 5s``, sum of boards
board_hashrate_ths     stats ``chain_rate<i>`` (bmminer, unit ``rate_unit``), devs ``{G,M}HS 5s``/``av``
board_temp_chip_c      stats ``temp_chip<i>`` ("a-b-c-d", max) or ``temp2_<i>``; devs ``Chip Temp Max``;
                       temps ``Chip``
board_temp_board_c     stats ``temp_pcb<i>`` ("a-b-c-d", max) or ``temp<i>``; devs ``Temperature``;
                       temps ``Board``
fan_speed_rpm          stats ``fan<j>`` (absent slots dropped using ``fan_num``); summary
                       ``Fan Speed In``/``Out`` (btminer); fans ``RPM`` (BOSminer)
power_w (reported)     summary ``Power`` (btminer); tunerstatus ``ApproximateMinerPowerConsumption``
                       (BOSminer); power ``Watts`` (LUXminer); stats ``Power``/``chain_power``
power_limit_w          summary ``Power Limit`` (btminer); tunerstatus ``PowerLimit`` (BOSminer);
                       config ``Profile`` -> profiles ``Watts`` (LUXminer); stats ``Power Limit``
=====================  ===========================================================================

References
----------
.. [1] cgminer API-README (summary, devs, pools, stats, version field names).
.. [2] pyasic backends ``bmminer.py``, ``antminer.py``, ``btminer.py``, ``braiins_os.py``,
   ``luxminer.py``: the fields each firmware family reports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from hashstack.telemetry.power import PowerEstimator, resolve_power_w
from hashstack.telemetry.protocol import CommandReply
from hashstack.telemetry.records import MinerSample, Target

DEFAULT_COMMANDS: tuple[str, ...] = ("summary", "devs", "stats", "pools", "version", "power", "fans", "config",
                                     "profiles")
"""Read-only commands asked of every miner, as one ``+``-joined request.  ``power``, ``fans``, ``config``
and ``profiles`` are LUXminer's (wattage, fan RPMs, active profile and its power); firmware that does not
know one answers that part with STATUS E "Invalid command", which only leaves its fields missing."""

DIALECT_COMMANDS: dict[str, tuple[str, ...]] = {
    "LUXminer": ("summary", "stats", "pools", "version", "power", "config", "profiles"),
    "BMMiner": ("summary", "stats", "pools", "version"),
    "BOSminer": ("summary", "devs", "pools", "version", "temps", "fans", "tunerstatus"),
    "BTMiner": ("summary", "devs", "pools", "version"),
}
"""Commands that give every field for a known firmware family (keyed by the family's name as it
appears at the start of ``MinerSample.firmware``): once a miner has said what it runs, it is asked
only these, which saves the miner (and the poll) work on every later pass."""


def commands_for_firmware(firmware: str | None, default: tuple[str, ...] = DEFAULT_COMMANDS) -> tuple[str, ...]:
    """The command set for a miner whose last good sample reported ``firmware`` (default when unknown)."""
    if firmware:
        for family, commands in DIALECT_COMMANDS.items():
            if firmware.lower().startswith(family.lower()):
                return commands
    return default


_UNIT_TO_THS = {"T": 1.0, "G": 1e-3, "M": 1e-6, "K": 1e-9}
_SOFTWARE_KEYS = ("BMMiner", "CGMiner", "BOSminer", "BOSer", "LUXminer", "BTMiner", "bfgminer", "Miner")


def _num(value: Any) -> float:
    """A finite float from an int, float or numeric string ("13,520.9", "3250 W" allowed); ValueError otherwise."""
    kind = type(value)
    if kind is float or kind is int:
        out = float(value)
    elif kind is bool:
        raise ValueError("boolean is not a number")
    elif isinstance(value, str):
        try:
            out = float(value)
        except ValueError:
            text = value.strip().replace(",", "")
            for suffix in (" W", "W", " rpm", "RPM"):
                if text.endswith(suffix):
                    text = text[: -len(suffix)].strip()
            out = float(text)
    else:
        out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"non-finite value {value!r}")
    return out


_DASH_BETWEEN_READINGS = re.compile(r"(?<=\d)-")


def _max_of_dashed(value: Any) -> float:
    """bmminer reports per-sensor readings as ``"53-53-70-70"``: the hottest one.

    A faulty sensor's negative reading keeps its sign: ``"55--40-70-70"`` holds 55, -40, 70, 70.
    """
    if isinstance(value, str) and _DASH_BETWEEN_READINGS.search(value):
        return max(_num(p) for p in _DASH_BETWEEN_READINGS.split(value.strip()) if p.strip())
    return _num(value)


def _rate_ths(record: Mapping[str, Any], window: str) -> float | None:
    """Hash rate [TH/s] from ``XHS <window>`` keys, the unit taken from the key's prefix."""
    for unit, factor in _UNIT_TO_THS.items():
        for key in (f"{unit}HS {window}", f"{unit}HS_{window}", f"{unit}Hs {window}"):
            if key in record:
                return _num(record[key]) * factor
    return None


class _FieldReader:
    """Reads each field on its own, recording the ones that are absent or fail to parse."""

    def __init__(self) -> None:
        self.missing: list[str] = []

    def read(self, name: str, fn: Callable[[], Any]) -> Any:
        try:
            value = fn()
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, ZeroDivisionError):
            value = None
        if value is None or value == ():
            self.missing.append(name)
            return () if name in _TUPLE_FIELDS else None
        return value


_TUPLE_FIELDS = {"board_hashrate_ths", "board_temp_chip_c", "board_temp_board_c", "fan_speed_rpm"}


def _first(*candidates: Callable[[], Any]) -> Any:
    """The first candidate that yields a value; raises the last error when none does."""
    err: Exception | None = None
    for fn in candidates:
        try:
            value = fn()
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            err = exc
            continue
        if value is not None and value != ():
            return value
    if err is not None:
        raise err
    return None


def _one(reply: CommandReply | None, section: str) -> dict[str, Any]:
    if reply is None:
        raise KeyError(section)
    rows = reply.section(section)
    if not rows:
        raise KeyError(section)
    return rows[0]


def _find_stats_main(stats: CommandReply | None) -> dict[str, Any] | None:
    """The STATS element holding the miner data (bmminer puts the version block first)."""
    if stats is None:
        return None
    for row in stats.section("STATS"):
        if "Elapsed" in row or "GHS 5s" in row or any(k.startswith(("chain_rate", "fan", "temp")) for k in row):
            return row
    return None


def _numbered_keys(row: Mapping[str, Any], prefix: str) -> list[tuple[int, str]]:
    """``(n, key)`` for every key ``<prefix><n>`` of ``row``, sorted by ``n``."""
    cut = len(prefix)
    return sorted((int(k[cut:]), k) for k in row if k.startswith(prefix) and k[cut:].isdigit())


def _chain_indices(row: Mapping[str, Any]) -> list[int]:
    return [n for n, key in _numbered_keys(row, "chain_rate") if str(row[key]).strip() != ""]


def _opt(fn: Callable[..., float | None], *args: Any) -> float | None:
    """``fn(*args)``, or None when it fails to parse."""
    try:
        return fn(*args)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None


def _get_num(row: Mapping[str, Any], key: str, factor: float = 1.0) -> float:
    return _num(row[key]) * factor


def _get_dashed(row: Mapping[str, Any], key: str, fallback_key: str) -> float:
    return _max_of_dashed(row[key] if key in row else row[fallback_key])


def _dev_rate(row: Mapping[str, Any]) -> float | None:
    return _first(lambda: _rate_ths(row, "5s"), lambda: _rate_ths(row, "av"))


def _dev_chip(row: Mapping[str, Any]) -> float:
    return _num(_first(lambda: row["Chip Temp Max"], lambda: row["Chip Temp Avg"]))


def _boards_from_stats(row: Mapping[str, Any]) -> tuple[tuple[float | None, ...], ...]:
    idx = _chain_indices(row)
    if not idx:
        raise KeyError("chain_rate")
    unit = str(row.get("rate_unit", "GH/s")).strip()[:1].upper() or "G"
    factor = _UNIT_TO_THS.get(unit, 1e-3)
    rates = tuple(_opt(_get_num, row, f"chain_rate{i}", factor) for i in idx)
    chips = tuple(_opt(_get_dashed, row, f"temp_chip{i}", f"temp2_{i}") for i in idx)
    pcbs = tuple(_opt(_get_dashed, row, f"temp_pcb{i}", f"temp{i}") for i in idx)
    return rates, chips, pcbs


def _boards_from_devs(devs: CommandReply | None) -> tuple[tuple[float | None, ...], ...]:
    if devs is None:
        raise KeyError("DEVS")
    rows = devs.section("DEVS")
    if not rows:
        raise KeyError("DEVS")
    rates = tuple(_opt(_dev_rate, r) for r in rows)
    chips = tuple(_opt(_dev_chip, r) for r in rows)
    pcbs = tuple(_opt(_get_num, r, "Temperature") for r in rows)
    return rates, chips, pcbs


def _fans(stats_row: dict[str, Any] | None, summary: CommandReply | None,
          fans: CommandReply | None) -> tuple[float | None, ...]:
    def from_stats() -> tuple[float | None, ...]:
        if stats_row is None:
            raise KeyError("STATS")
        row = stats_row
        keys = _numbered_keys(row, "fan")
        values = [_opt(_get_num, row, k) for _, k in keys]
        if not values:
            return ()
        n_fans = int(_num(row["fan_num"])) if "fan_num" in row else len(values)
        # absent fan slots read 0; drop zeros only down to fan_num (a stalled fan also reads 0)
        while len(values) > n_fans and 0.0 in values:
            values.remove(0.0)
        return tuple(values)

    def from_summary() -> tuple[float | None, ...]:
        row = _one(summary, "SUMMARY")
        out = tuple(_num(row[k]) for k in ("Fan Speed In", "Fan Speed Out") if k in row)
        return out

    def from_fans() -> tuple[float | None, ...]:
        if fans is None:
            return ()
        return tuple(_opt(_get_num, r, "RPM") for r in fans.section("FANS"))

    return _first(from_fans, from_stats, from_summary) or ()


def _software(version: CommandReply | None, stats: CommandReply | None,
              summary: CommandReply | None) -> str:
    rows: list[dict[str, Any]] = []
    if version is not None:
        rows += version.section("VERSION")
    if stats is not None and stats.section("STATS"):
        rows.append(stats.section("STATS")[0])
    for row in rows:
        for key in _SOFTWARE_KEYS:
            if key in row and str(row[key]).strip():
                return f"{key} {row[key]}".strip()
    if summary is not None:
        row = _one(summary, "SUMMARY")
        if "Firmware Version" in row:
            return str(row["Firmware Version"])
    for reply in (version, summary, stats):
        if reply is not None and reply.description:
            return reply.description
    raise KeyError("firmware")


def _model(version: CommandReply | None, stats: CommandReply | None, devdetails: CommandReply | None,
           target: Target) -> str:
    for reply, section, key in ((version, "VERSION", "Type"), (stats, "STATS", "Type"),
                                (devdetails, "DEVDETAILS", "Model"), (version, "VERSION", "Model")):
        if reply is None:
            continue
        for row in reply.section(section):
            if key in row and str(row[key]).strip():
                return str(row[key]).strip()
    if target.model:
        return target.model
    raise KeyError("model")


def _pool(pools: CommandReply | None) -> tuple[str, str | None]:
    if pools is None:
        raise KeyError("POOLS")
    rows = pools.section("POOLS")
    if not rows:
        raise KeyError("POOLS")
    active = [r for r in rows if r.get("Stratum Active") is True or str(r.get("Stratum Active")) == "true"]
    if not active:
        alive = [r for r in rows if str(r.get("Status", "")).lower() == "alive"]
        active = sorted(alive, key=lambda r: _opt(_num, r.get("Priority", 0)) or 0.0)
    row = (active or rows)[0]
    url = str(row["URL"])
    user = row.get("User")
    return url, (str(user) if user is not None else None)


def _profile_watts(config: CommandReply | None, profiles: CommandReply | None) -> float | None:
    """LUXminer: the power of the active profile (config ``Profile`` named in profiles' ``Profile Name``)."""
    active = str(_one(config, "CONFIG")["Profile"])
    if profiles is None:
        raise KeyError("PROFILES")
    for row in profiles.section("PROFILES"):
        if str(row.get("Profile Name")) == active:
            return _num(row["Watts"])
    raise KeyError(f"profile {active!r}")


def sample_from_replies(target: Target, replies: Mapping[str, CommandReply], ts_utc: datetime,
                        latency_s: float | None = None, estimator: PowerEstimator | None = None,
                        meter_w: float | None = None) -> MinerSample:
    """Normalise one miner's decoded replies into a :class:`MinerSample`.

    Parameters
    ----------
    target : the miner polled
    replies : command -> decoded reply (see :func:`hashstack.telemetry.protocol.decode_reply`);
        replies with an error status count as absent, except "No ASCs" (a miner with no boards)
    ts_utc : poll start time (tz-aware UTC)
    latency_s : wall time of the exchange [s]
    estimator : tuning-curve power estimator for firmware that reports no wattage
    meter_w : site meter / PDU reading for this miner [W]; overrides every other power figure

    Returns
    -------
    MinerSample : ``ok=True`` with every field it could read; ``missing_fields`` names the rest.
    """
    good = {c: r for c, r in replies.items() if r.ok}
    summary, devs, stats = good.get("summary"), good.get("devs"), good.get("stats")
    pools, version = good.get("pools"), good.get("version")
    temps, fans_reply, tuner = good.get("temps"), good.get("fans"), good.get("tunerstatus")
    power_reply, devdetails = good.get("power"), good.get("devdetails")
    config, profiles = good.get("config"), good.get("profiles")
    f = _FieldReader()
    stats_main = _find_stats_main(stats)

    def stats_row() -> dict[str, Any]:
        if stats_main is None:
            raise KeyError("STATS")
        return stats_main

    model = f.read("model", lambda: _model(version, stats, devdetails, target))
    firmware = f.read("firmware", lambda: _software(version, stats, summary))

    def boards() -> tuple[tuple[float | None, ...], ...]:
        if devs is not None and devs.no_devices:
            return (), (), ()
        try:
            rates, chips, pcbs = _boards_from_stats(stats_row())
        except (KeyError, IndexError, TypeError, ValueError):
            rates, chips, pcbs = _boards_from_devs(devs)
        if temps is not None and temps.section("TEMPS"):
            rows = temps.section("TEMPS")
            chips = tuple(_opt(_get_num, r, "Chip") for r in rows)
            pcbs = tuple(_opt(_get_num, r, "Board") for r in rows)
        return rates, chips, pcbs

    try:
        board_rates, board_chips, board_pcbs = boards()
    except (KeyError, IndexError, TypeError, ValueError):
        board_rates, board_chips, board_pcbs = (), (), ()
    no_boards = devs is not None and devs.no_devices
    if not no_boards:
        for name, values in (("board_hashrate_ths", board_rates), ("board_temp_chip_c", board_chips),
                             ("board_temp_board_c", board_pcbs)):
            if not values or all(v is None for v in values):
                f.missing.append(name)
            else:
                f.missing.extend(f"{name}[{i}]" for i, v in enumerate(values) if v is None)

    def total_rate(window: str) -> float | None:
        return _first(lambda: _rate_ths(_one(summary, "SUMMARY"), window),
                      lambda: _rate_ths(stats_row(), window),
                      lambda: (sum(v for v in board_rates if v is not None)
                               if window == "5s" and board_rates and None not in board_rates else None),
                      lambda: 0.0 if no_boards else None)

    hashrate_ths = f.read("hashrate_ths", lambda: total_rate("5s"))
    hashrate_avg_ths = f.read("hashrate_avg_ths", lambda: total_rate("av"))
    fan_speed_rpm = f.read("fan_speed_rpm", lambda: _fans(stats_main, summary, fans_reply))
    f.missing.extend(f"fan_speed_rpm[{i}]" for i, v in enumerate(fan_speed_rpm) if v is None)

    def chip_max() -> float | None:
        values = [v for v in board_chips if v is not None]
        if values:
            return max(values)
        return _num(_one(summary, "SUMMARY")["Chip Temp Max"])

    temp_chip_max_c = f.read("temp_chip_max_c", chip_max)

    def reported_power() -> float | None:
        return _first(lambda: _num(_one(summary, "SUMMARY")["Power"]),
                      lambda: _num(_one(tuner, "TUNERSTATUS")["ApproximateMinerPowerConsumption"]),
                      lambda: _num(_one(power_reply, "POWER")["Watts"]),
                      lambda: _num(stats_row()["Power"]),
                      lambda: _num(stats_row()["chain_power"]))

    try:
        reported_w = reported_power()
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        reported_w = None
    power_w, power_source = resolve_power_w(reported_w, hashrate_ths, model, estimator, meter_w)
    if power_w is None:
        f.missing.append("power_w")

    power_limit_w = f.read("power_limit_w", lambda: _first(
        lambda: _num(_one(summary, "SUMMARY")["Power Limit"]),
        lambda: _num(_one(tuner, "TUNERSTATUS")["PowerLimit"]),
        lambda: _profile_watts(config, profiles),
        lambda: _num(stats_row()["Power Limit"]),
        lambda: _num(stats_row()["power_limit"])))

    def counter(key: str) -> int | None:
        return int(_first(lambda: _num(_one(summary, "SUMMARY")[key]), lambda: _num(stats_row()[key])))

    hw_errors = f.read("hw_errors", lambda: counter("Hardware Errors"))
    accepted = f.read("shares_accepted", lambda: counter("Accepted"))
    rejected = f.read("shares_rejected", lambda: counter("Rejected"))
    pool = f.read("pool_url", lambda: _pool(pools))
    uptime_s = f.read("uptime_s", lambda: _first(lambda: _num(_one(summary, "SUMMARY")["Elapsed"]),
                                                 lambda: _num(stats_row()["Elapsed"])))

    return MinerSample(
        ts_utc=ts_utc, miner_id=target.miner_id, ok=True, error=None, latency_s=latency_s,
        model=model, firmware=firmware, hashrate_ths=hashrate_ths, hashrate_avg_ths=hashrate_avg_ths,
        board_hashrate_ths=board_rates, board_temp_chip_c=board_chips, board_temp_board_c=board_pcbs,
        fan_speed_rpm=fan_speed_rpm, temp_chip_max_c=temp_chip_max_c, power_w=power_w,
        power_source=power_source, power_limit_w=power_limit_w, hw_errors=hw_errors,
        shares_accepted=accepted, shares_rejected=rejected,
        pool_url=pool[0] if pool else None, pool_user=pool[1] if pool else None, uptime_s=uptime_s,
        missing_fields=tuple(dict.fromkeys(f.missing)))


def failed_sample(target: Target, ts_utc: datetime, error: str, latency_s: float | None) -> MinerSample:
    """The record of a miner that could not be read at all."""
    return MinerSample(ts_utc=ts_utc, miner_id=target.miner_id, ok=False, error=error, latency_s=latency_s,
                       model=target.model)
