"""The LuxOS (LUXminer) dialect of the CGMiner RPC API, as answered by every simulated miner.

Pure protocol module: request bytes in, reply bytes out; no sockets. The server edge hands each
complete request to :meth:`LuxosDialect.handle` with the miner index and the client's access group.

Wire rules (cgminer API-README [1]_): a request is a JSON object ``{"command": ..., "parameter": ...}``
or a plain-text ``command|parameter`` line; ``+`` joins several read-only commands and the reply is an
object keyed by command, each value a one-element list holding that command's full reply; every reply
has a ``STATUS`` section (``S`` success, ``I`` info, ``E`` error) with a numeric ``Code``, and is
terminated by a NUL byte; the connection is closed after the reply. Plain-text requests get the
plain-text reply format ``STATUS=S,When=..,Code=..,Msg=..,Description=..|SECTION,key=value,...|``.

LuxOS specifics [2]_: the version reply names ``LUXminer`` (this is what pyasic's factory matches to
identify LuxOS); ``stats`` carries the BMMiner-style per-chain fields ``chain_rateN`` (GH/s),
``chain_acnN``, ``temp_pcbN`` and ``temp_chipN`` (four sensors joined by ``-``); profiles are frequency
presets with the firmware's watt and hash-rate estimates; commands that change the miner need a
session from ``logon`` passed as the first parameter, sessions expire after 60 s unused and only one
exists at a time. On top of that the simulator applies cgminer's ``--api-allow`` privilege model:
``logon`` and every changing command are refused with code 45 unless the client is in a ``W`` group.

Status codes taken from the documentation: 7 pools, 9 devs, 11 summary, 14 invalid command,
22 version, 23 invalid JSON, 24 missing command, 33 config, 45 access denied, 69 devdetails, 70 stats,
105 no ASCs (cgminer); 201 temps, 202 fans, 305 reboot, 307 voltageget, 316 session created,
319 session, 321 profile set, 324 groups, 335 curtail, 339 atm (LuxOS). Codes the documentation
consulted does not show are marked "simulator-assigned" where they are defined below.

References
----------
.. [1] cgminer ``API-README`` and ``api.c`` (message codes, ``JSON_END`` ``,"id":1``, joined commands).
.. [2] Luxor, LuxOS API documentation, docs.luxor.tech/firmware/api (commands ``version``, ``stats``,
   ``fans``, ``temps``, ``logon``, ``session``, ``profileset``, ``curtail``, ``reboot``, ``atm``,
   ``groups``, ``voltageget``; session management).
.. [3] pyasic 0.79 ``pyasic/miners/backends/luxminer.py`` and ``pyasic/miners/factory.py``: the fields
   pyasic reads from a LuxOS miner.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hashstack.errors import InputError
from hashstack.telemetry.simulator.fleet_model import FleetModel, MinerReading, Profile
from hashstack.telemetry.simulator.physics import FAN_POWER_OFF_PCT

try:  # orjson encodes a joined reply ~2.5x faster than json (the simulator's hottest path at 5,000 miners)
    import orjson

    def _dumps(obj: dict[str, Any]) -> bytes:
        return orjson.dumps(obj)
except ImportError:  # pragma: no cover - orjson is a declared dependency; keep working without it
    def _dumps(obj: dict[str, Any]) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

FIRMWARE_VERSION = "2024.10.3.150831-hsim"
"""LUXminer version string the simulated miners report (``-hsim`` marks the simulator)."""

API_VERSION = "3.7"
SESSION_TIMEOUT_S = 60.0
POOL_URL = "stratum+tcp://stratum.hashstack.invalid:3333"

# Status codes the consulted documentation does not show (simulator-assigned):
CODE_POWER = 340
CODE_PROFILES = 318
CODE_TEMPCTRL = 329
CODE_CONFIG_LUX = 33
CODE_REBOOTDEVICE = 306
CODE_SESSION_INVALID = 400
CODE_SESSION_BUSY = 401
CODE_BAD_PARAM = 402
CODE_LOGOFF = 317
CODE_ATMSET = 338

READ_COMMANDS = frozenset({
    "version", "summary", "devs", "stats", "pools", "devdetails", "config", "fans", "temps", "power",
    "profiles", "tempctrl", "groups", "atm", "session", "voltageget", "coin", "check",
})
"""Commands any allowed client may run (and join with ``+``)."""

PRIVILEGED_COMMANDS = frozenset({"logon", "logoff", "profileset", "curtail", "rebootdevice", "atmset"})
"""Commands that change the miner: ``W`` group only; all but ``logon`` also need a session id."""


@dataclass
class _Session:
    session_id: str
    expires_wall_s: float


class LuxosDialect:
    """Answers CGMiner-API requests for every miner of a :class:`FleetModel` in the LuxOS dialect.

    Parameters
    ----------
    model : the fleet
    seed : seeds the session-id generator (kept apart from the model's generator)
    addresses : miner addresses (for MAC addresses and worker names)

    Replies to read-only commands without parameters are cached until the model's next step.
    """

    def __init__(self, model: FleetModel, *, seed: int = 0, addresses: list[str] | None = None) -> None:
        self.model = model
        self.addresses = addresses or [f"127.1.{(i + 1) // 256}.{(i + 1) % 256}" for i in range(model.n)]
        self._rng = np.random.default_rng([seed, 0x5E55])
        self._sessions: dict[int, _Session] = {}
        self._cache: dict[tuple[int, str, bool], bytes] = {}
        self._readings: dict[int, MinerReading] = {}
        self._cache_version = -1
        self._atm = [False] * model.n
        self._handlers: dict[str, Callable[[int, MinerReading, list[str]], dict[str, Any]]] = {
            "version": self._version, "summary": self._summary, "devs": self._devs, "stats": self._stats,
            "pools": self._pools, "devdetails": self._devdetails, "config": self._config, "fans": self._fans,
            "temps": self._temps, "power": self._power, "profiles": self._profiles, "tempctrl": self._tempctrl,
            "groups": self._groups, "atm": self._atm_reply, "coin": self._coin, "voltageget": self._voltageget,
        }

    # ---- framing -----------------------------------------------------------------------------
    def handle(self, i: int, request: bytes, group: str, now_wall_s: float) -> bytes:
        """Reply bytes (NUL-terminated) to one complete request from a client in access ``group``."""
        if self.model.version != self._cache_version:
            self._cache.clear()
            self._readings.clear()
            self._cache_version = self.model.version
        text = request.decode("utf-8", errors="replace").strip().rstrip("\x00")
        if not text.startswith("{"):
            text_cmd, _, text_param = text.partition("|")
            reply = self._dispatch_one(i, text_cmd.strip(), text_param.strip(), group, now_wall_s)
            return encode_text(reply).encode() + b"\x00"
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return self._encode(self._status("E", 23, "Invalid JSON"))
        if not isinstance(obj, dict) or not isinstance(obj.get("command"), str):
            return self._encode(self._status("E", 24, "Missing JSON 'command'"))
        command: str = obj["command"].strip()
        param = obj.get("parameter", "")
        param = "" if param is None else str(param).lower() if isinstance(param, bool) else str(param)
        if "+" not in command:
            return self._reply_bytes(i, command, param, group, now_wall_s) + b"\x00"
        parts: list[bytes] = []
        seen: set[str] = set()
        for part in command.split("+"):
            part = part.strip()
            if part in seen:
                continue
            seen.add(part)
            if part not in READ_COMMANDS:
                # cgminer: only read-only report commands may be joined
                body = self._json(self._status("E", 45, f"Access denied to '{part}' command"))
            else:
                body = self._reply_bytes(i, part, param, group, now_wall_s)
            parts.append(json.dumps(part).encode() + b":[" + body + b"]")
        return b"{" + b",".join(parts) + b',"id":1}\x00'

    def _reply_bytes(self, i: int, command: str, param: str, group: str, now: float) -> bytes:
        """One command's JSON reply (no NUL); read-only replies without parameters are cached."""
        if param or command not in READ_COMMANDS or command == "session":
            return self._json(self._dispatch_one(i, command, param, group, now))
        key = (i, command, group == "W")
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._json(self._dispatch_one(i, command, param, group, now))
        return cached

    def _reading(self, i: int) -> MinerReading:
        r = self._readings.get(i)
        if r is None:
            r = self._readings[i] = self.model.reading(i)
        return r

    @staticmethod
    def _json(obj: dict[str, Any]) -> bytes:
        return _dumps(obj)

    def _encode(self, obj: dict[str, Any]) -> bytes:
        return self._json(obj) + b"\x00"

    def _status(self, letter: str, code: int, msg: str, **extra: Any) -> dict[str, Any]:
        return {"STATUS": [{"STATUS": letter, "When": int(self.model.now_ts_utc_s), "Code": code, "Msg": msg,
                            "Description": f"LUXminer {FIRMWARE_VERSION}"}], "id": 1, **extra}

    def _dispatch_one(self, i: int, command: str, param: str, group: str, now: float) -> dict[str, Any]:
        if command in PRIVILEGED_COMMANDS:
            if group != "W":
                return self._status("E", 45, f"Access denied to '{command}' command")
            return self._privileged(i, command, param, now)
        if command == "session":
            s = self._live_session(i, now)
            return self._status("S", 319, "Session information", SESSION=[{"SessionID": s.session_id if s else ""}])
        if command == "check":
            cmd = param.strip()
            exists = cmd in READ_COMMANDS or cmd in PRIVILEGED_COMMANDS
            access = exists and (cmd in READ_COMMANDS or group == "W")
            return self._status("S", 72, "Check command",
                                CHECK=[{"Exists": "Y" if exists else "N", "Access": "Y" if access else "N"}])
        handler = self._handlers.get(command)
        if handler is None:
            return self._status("E", 14, "Invalid command")
        return handler(i, self._reading(i), [p for p in param.split(",") if p != ""])

    # ---- sessions and privileged commands ----------------------------------------------------
    def _live_session(self, i: int, now: float) -> _Session | None:
        s = self._sessions.get(i)
        if s is not None and s.expires_wall_s < now:
            del self._sessions[i]
            return None
        return s

    def _privileged(self, i: int, command: str, param: str, now: float) -> dict[str, Any]:
        args = [p.strip() for p in param.split(",")] if param else []
        if command == "logon":
            if self._live_session(i, now) is not None:
                return self._status("E", CODE_SESSION_BUSY, "Another session is active")
            sid = "".join(self._rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), 8))
            self._sessions[i] = _Session(sid, now + SESSION_TIMEOUT_S)
            return self._status("S", 316, "Session created", SESSION=[{"SessionID": sid}])
        s = self._live_session(i, now)
        if not args or s is None or args[0] != s.session_id:
            return self._status("E", CODE_SESSION_INVALID, "Invalid session id")
        s.expires_wall_s = now + SESSION_TIMEOUT_S
        rest = args[1:]
        try:
            if command == "logoff":
                del self._sessions[i]
                return self._status("S", CODE_LOGOFF, "Session closed")
            if command == "profileset":
                if not rest:
                    return self._status("E", CODE_BAD_PARAM, "Missing profile name")
                name = rest[-1] if len(rest) > 1 and rest[0].isdigit() else rest[0]  # legacy board_id form
                prof = self.model.set_profile(i, select_profile(self.model.profiles(i), name).name)
                return self._status("S", 321, "Profile Set", PROFILE=[{
                    "Board": 0, "FrequencyStep": 25, "Profile": prof.name, "VoltageStep": 0.1}])
            if command == "curtail":
                action = rest[0].lower() if rest else ""
                if action == "sleep":
                    self.model.sleep(i)
                    return self._status("S", 335, "Curtailment command sent", CURTAIL=[{"Action": "sleep mode"}])
                if action == "wakeup":
                    self.model.wake(i)
                    return self._status("S", 335, "Curtailment command sent", CURTAIL=[{"Action": "wake up"}])
                return self._status("E", CODE_BAD_PARAM, f"Invalid curtail action '{action}'")
            if command == "rebootdevice":
                self.model.reboot(i)
                return self._status("S", CODE_REBOOTDEVICE, "Device reboot scheduled")
            if command == "atmset":
                for kv in rest:
                    k, _, v = kv.partition("=")
                    if k.strip() == "enabled":
                        self._atm[i] = v.strip().lower() == "true"
                return self._status("S", CODE_ATMSET, "ATM configuration values", ATM=[self._atm_fields(i)])
        except InputError as exc:
            return self._status("E", CODE_BAD_PARAM, str(exc))
        return self._status("E", 14, "Invalid command")

    # ---- read-only reports -------------------------------------------------------------------
    def _mac(self, i: int) -> str:
        ip = ipaddress.IPv4Address(self.addresses[i]).packed
        return "02:00:" + ":".join(f"{b:02X}" for b in ip)

    def _version(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        return self._status("S", 22, "LUXminer versions", VERSION=[{
            "API": API_VERSION, "CompileTime": "Thu Oct 3 15:08:31 UTC 2024", "LUXminer": FIRMWARE_VERSION,
            "Miner": FIRMWARE_VERSION, "Type": r.model}])

    def _summary(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        mhs5 = r.hashrate_ths * 1e6
        elapsed = int(r.uptime_s)
        diff = 65536.0
        total = r.accepted + r.rejected
        return self._status("S", 11, "Summary", SUMMARY=[{
            "Accepted": r.accepted, "Best Share": int(diff * 37),
            "Device Hardware%": _pct(r.hw_errors, r.hw_errors + total),
            "Device Rejected%": _pct(r.rejected, total), "Difficulty Accepted": r.accepted * diff,
            "Difficulty Rejected": r.rejected * diff, "Difficulty Stale": 0.0, "Discarded": 0, "Elapsed": elapsed,
            "Found Blocks": 0, "Get Failures": 0, "Getworks": total, "GHS 5s": round(mhs5 / 1e3, 2),
            "GHS av": round(r.hashrate_avg_ths * 1e3, 2), "Hardware Errors": r.hw_errors,
            "Last getwork": int(r.ts_utc_s), "Local Work": total, "MHS 1m": round(mhs5, 2), "MHS 5m": round(mhs5, 2),
            "MHS 15m": round(mhs5, 2), "MHS 5s": round(mhs5, 2), "MHS av": round(r.hashrate_avg_ths * 1e6, 2),
            "Network Blocks": 0, "Pool Rejected%": _pct(r.rejected, total), "Pool Stale%": 0.0,
            "Rejected": r.rejected, "Remote Failures": 0, "Stale": 0,
            "Total MH": round(r.hashrate_avg_ths * 1e6 * r.uptime_s, 0),
            "Utility": round(r.accepted / max(r.uptime_s / 60.0, 1.0), 2),
            "Work Utility": round(r.accepted * diff / max(r.uptime_s / 60.0, 1.0), 2)}])

    def _board_status(self, r: MinerReading, b: int) -> str:
        if r.board_hashrate_ths[b] > 0:
            return "Alive"
        return "Dead" if r.board_chips[b] == 0 else "NoStart"

    def _devs(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        devs = []
        for b in range(len(r.board_chips)):
            if r.board_chips[b] == 0:
                continue  # a dead board drops off the chain and out of the device list
            mhs = r.board_hashrate_ths[b] * 1e6
            devs.append({
                "ASC": b, "Name": "BC5", "ID": b, "Enabled": "Y", "Status": self._board_status(r, b),
                "Temperature": max(r.board_pcb_c[b]), "MHS av": round(mhs, 2), "MHS 5s": round(mhs, 2),
                "MHS 1m": round(mhs, 2), "MHS 5m": round(mhs, 2), "MHS 15m": round(mhs, 2),
                "Accepted": r.accepted // len(r.board_chips), "Rejected": r.rejected // len(r.board_chips),
                "Hardware Errors": r.board_hw_errors[b], "Utility": 0.0, "Last Share Pool": 0,
                "Last Share Time": int(r.ts_utc_s), "Total MH": round(mhs * r.uptime_s, 0),
                "Diff1 Work": 0, "Difficulty Accepted": 0.0, "Difficulty Rejected": 0.0,
                "Last Share Difficulty": 65536.0, "Last Valid Work": int(r.ts_utc_s), "No Device": False,
                "Device Hardware%": 0.0, "Device Rejected%": 0.0, "Device Elapsed": int(r.uptime_s)})
        if not devs:
            return self._status("E", 105, "No ASCs")
        return self._status("S", 9, f"{len(devs)} ASC(s)", DEVS=devs)

    def _stats(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        head = {"BMMiner": "1.0.0", "CompileTime": "Thu Oct 3 15:08:31 UTC 2024", "Miner": "uart_trans.1.3",
                "Type": r.model}
        body: dict[str, Any] = {
            "STATS": 0, "ID": "BC50", "Elapsed": int(r.uptime_s), "Calls": 0, "Wait": 0.0, "Max": 0.0,
            "Min": 99999999.0,
            "GHS 5s": f"{r.hashrate_ths * 1e3:.2f}", "GHS av": round(r.hashrate_avg_ths * 1e3, 2),
            "rate_unit": "GH", "total_rateideal": round(r.hashrate_ideal_ths * 1e3, 2),
            "total_rate": round(r.hashrate_ths * 1e3, 2), "total_acn": sum(r.board_chips),
            "total_freqavg": r.frequency_mhz, "frequency": r.frequency_mhz, "miner_count": len(r.board_chips),
            "fan_num": len(r.fan_rpm), "temp_num": len(r.board_chips), "no_matching_work": r.hw_errors,
            "Mode": 0 if r.mode == "sleeping" else 1,
        }
        for k, rpm in enumerate(r.fan_rpm, start=1):
            body[f"fan{k}"] = rpm
        for b in range(len(r.board_chips)):
            n = b + 1
            alive = r.board_chips[b] > 0
            body[f"chain_acn{n}"] = r.board_chips[b]
            body[f"chain_acs{n}"] = _chip_string(r.board_chips[b], r.chips_per_board)
            body[f"chain_rate{n}"] = f"{r.board_hashrate_ths[b] * 1e3:.2f}"
            body[f"chain_rateideal{n}"] = round(r.hashrate_ideal_ths / len(r.board_chips) * 1e3, 2)
            body[f"chain_hw{n}"] = r.board_hw_errors[b]
            body[f"freq{n}"] = r.frequency_mhz
            pcb = r.board_pcb_c[b] if alive else (0.0,) * 4
            chip = r.board_chip_c[b] if alive else (0.0,) * 4
            body[f"temp{n}"] = round(max(pcb))
            body[f"temp2_{n}"] = round(max(chip))
            body[f"temp_pcb{n}"] = "-".join("%.0f" % t for t in pcb)  # noqa: UP031 (hot path)
            body[f"temp_chip{n}"] = "-".join("%.0f" % t for t in chip)  # noqa: UP031
        return self._status("S", 70, "CGMiner stats", STATS=[head, body])

    def _pools(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        total = r.accepted + r.rejected
        return self._status("S", 7, "1 Pool(s)", POOLS=[{
            "POOL": 0, "URL": POOL_URL, "Status": "Alive", "Priority": 0, "Quota": 1, "Long Poll": "N",
            "Getworks": total, "Accepted": r.accepted, "Rejected": r.rejected, "Works": total, "Discarded": 0,
            "Stale": 0, "Get Failures": 0, "Remote Failures": 0,
            "User": f"hashstack.{self.addresses[i].replace('.', 'x')}",
            "Last Share Time": int(r.ts_utc_s), "Diff1 Shares": 0, "Proxy Type": "", "Proxy": "",
            "Difficulty Accepted": r.accepted * 65536.0, "Difficulty Rejected": r.rejected * 65536.0,
            "Difficulty Stale": 0.0, "Last Share Difficulty": 65536.0, "Work Difficulty": 65536.0,
            "Has Stratum": True, "Stratum Active": r.mode == "mining", "Stratum URL": "stratum.hashstack.invalid",
            "Stratum Difficulty": 65536.0, "Has GBT": False, "Best Share": 65536 * 37,
            "Pool Rejected%": _pct(r.rejected, total), "Pool Stale%": 0.0, "Bad Work": 0,
            "Current Block Height": 0, "Current Block Version": 0, "GROUP": 0}])

    def _groups(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        return self._status("S", 324, "List groups", GROUPS=[{"GROUP": 0, "Name": "default", "Quota": 1.0}])

    def _devdetails(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        det = [{"DEVDETAILS": b, "Name": "BC5", "ID": b, "Driver": "luxminer", "Kernel": "", "Model": r.model,
                "Device Path": "", "Chips": r.board_chips[b], "Frequency": r.frequency_mhz,
                "Voltage": round(r.psu_voltage_v, 2)} for b in range(len(r.board_chips)) if r.board_chips[b] > 0]
        if not det:
            return self._status("E", 105, "No ASCs")
        return self._status("S", 69, "Device Details", DEVDETAILS=det)

    def _config(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        return self._status("S", CODE_CONFIG_LUX, "CGMiner config", CONFIG=[{
            "ASC Count": sum(1 for c in r.board_chips if c > 0), "PGA Count": 0, "Pool Count": 1,
            "Strategy": "Failover", "Log Interval": 5, "Device Code": "", "OS": "Linux", "Hotplug": "None",
            "Profile": r.profile, "RedLed": "off", "GreenLed": "auto", "MACAddr": self._mac(i),
            "Hostname": f"luxos-{self._mac(i)[-5:].replace(':', '').lower()}", "Model": r.model,
            "IsAtmEnabled": self._atm[i], "CurtailMode": "sleep" if r.mode == "sleeping" else "none",
            "SystemStatus": "overtemp" if r.overtemp else r.mode}])

    def _fans(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        fans = [{"FAN": k, "ID": k, "RPM": rpm, "Speed": r.fan_pct} for k, rpm in enumerate(r.fan_rpm)]
        extra: dict[str, Any] = {"FANCTRL": [{"MinFans": 1, "PowerOffSpeed": int(FAN_POWER_OFF_PCT)}]}
        if fans:  # LuxOS omits FANS on hydro and immersion machines
            extra["FANS"] = fans
        return self._status("S", 202, f"{len(fans)} Fan(s)", **extra)

    def _temps(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        temps = [{"ID": b, "TEMP": b, "TopLeft": p[0], "BottomLeft": p[1], "TopRight": p[2], "BottomRight": p[3]}
                 for b, p in enumerate(r.board_pcb_c) if r.board_chips[b] > 0]
        return self._status("S", 201, f"{len(temps)} Temp(s)", TEMPS=temps)

    def _power(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        return self._status("S", CODE_POWER, "Power", POWER=[{"PSU": r.mode == "mining", "Watts": round(r.power_w)}])

    def _profiles(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        return self._status("S", CODE_PROFILES, "Profiles", PROFILES=[{
            "Profile Name": p.name, "Frequency": p.frequency_mhz, "Hashrate": p.hashrate_ths, "Watts": int(p.power_w),
            "Voltage": p.voltage_v, "IsTuned": False, "IsDynamic": False, "Step": k,
            "Default": p.is_default} for k, p in enumerate(self.model.profiles(i))])

    def _tempctrl(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        tc = self.model.temp_control
        return self._status("S", CODE_TEMPCTRL, "Temperature control", TEMPCTRL=[{
            "Mode": "Auto", "Target": tc.target_c, "Hot": tc.hot_c, "Dangerous": tc.dangerous_c}])

    def _atm_fields(self, i: int) -> dict[str, Any]:
        profs = self.model.profiles(i)
        return {"Enabled": self._atm[i], "MaxProfile": profs[-1].name, "MinProfile": profs[0].name,
                "PostRampMinutes": 15, "StartupMinutes": 15, "TempWindow": 5.0}

    def _atm_reply(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        return self._status("S", 339, "ATM configuration values", ATM=[self._atm_fields(i)])

    def _coin(self, i: int, r: MinerReading, _: list[str]) -> dict[str, Any]:
        return self._status("S", 78, "CGMiner coin", COIN=[{
            "Hash Method": "sha256", "Current Block Time": 0.0, "Current Block Hash": "", "LP": True,
            "Network Difficulty": 0.0}])

    def _voltageget(self, i: int, r: MinerReading, args: list[str]) -> dict[str, Any]:
        board = int(args[0]) if args and args[0].isdigit() else 0
        if board >= len(r.board_chips):
            return self._status("E", CODE_BAD_PARAM, f"Invalid board id {board}")
        return self._status("S", 307, "Get Voltage", VOLTAGE=[{
            "Board": board, "IsOnBoard": False, "Voltage": round(r.psu_voltage_v, 3)}])


def select_profile(profiles: tuple[Profile, ...], name: str) -> Profile:
    """Resolve a LuxOS ``profileset`` argument: a profile name, or a selector by power/hash rate.

    Selectors (LuxOS ``profileset`` docs): ``<watts>W``, ``<kilowatts>kW`` pick the highest profile
    whose estimated power does not exceed the value; ``<TH/s>THs`` the highest profile whose
    estimated hash rate does not exceed it. :class:`InputError` when nothing matches.
    """
    key = name.strip()
    for p in profiles:
        if p.name.lower() == key.lower():
            return p
    low = key.lower()
    try:
        if low.endswith("kw"):
            limit, attr = float(low[:-2]) * 1000.0, "power_w"
        elif low.endswith("ths"):
            limit, attr = float(low[:-3]), "hashrate_ths"
        elif low.endswith("w"):
            limit, attr = float(low[:-1]), "power_w"
        else:
            raise InputError(f"no profile {name!r}")
    except ValueError:
        raise InputError(f"no profile {name!r}") from None
    fits = [p for p in profiles if getattr(p, attr) <= limit + 1e-9]
    if not fits:
        raise InputError(f"no profile at or below {name!r}")
    return max(fits, key=lambda p: getattr(p, attr))


def encode_text(reply: dict[str, Any]) -> str:
    """cgminer's plain-text reply format: ``STATUS=..,..|SECTION,key=value,...|`` (API-README)."""
    parts = []
    status = reply["STATUS"][0]
    parts.append(",".join(f"{k}={v}" for k, v in status.items()) + "|")
    for section, items in reply.items():
        if section in ("STATUS", "id") or not isinstance(items, list):
            continue
        for item in items:
            parts.append(section + "," + ",".join(f"{k}={v}" for k, v in item.items()) + "|")
    return "".join(parts)


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 4) if whole > 0 else 0.0


@functools.lru_cache(maxsize=4096)
def _chip_string(alive: int, total: int) -> str:
    marks = "o" * alive + "x" * max(total - alive, 0)
    return " " + " ".join(marks[k:k + 8] for k in range(0, len(marks), 8))
