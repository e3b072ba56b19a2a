"""The CGMiner RPC API on the wire: request encoding and the one reply decoder.

A request is one JSON object ``{"command": "summary+devs", "parameter": "..."}`` sent over a fresh TCP
connection to port 4028; several read-only commands may be joined with ``+`` and are answered as one
object keyed by command.  The miner answers once, terminates the reply with a NUL byte and closes the
connection.  Every reply carries a ``STATUS`` section: ``S`` success, ``I`` info, ``W`` warning,
``E`` error, ``F`` fatal, with a numeric ``Code`` and a ``Msg``.

Real firmware bends this in many small ways.  :func:`decode_reply` is the ONE place that knows about
those bends; every quirk it handles has one comment naming the firmware that needs it.

References
----------
.. [1] cgminer API-README (ckolivas/cgminer), sections "JSON", "Multiple report request commands"
   and the text (non-JSON) reply format ``STATUS=S,When=...|SECTION,key=value,...|``.
.. [2] pyasic ``pyasic/rpc/base.py::_load_api_data``: the JSON repairs pyasic applies for bmminer,
   btminer and Avalon firmware, which this decoder handles in a targeted way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hashstack.errors import LiveDataError

DEFAULT_PORT = 4028
"""Port of the CGMiner RPC API on every common firmware."""

MAX_REPLY_BYTES = 4 * 1024 * 1024
"""Replies longer than this are refused (a miner streaming garbage must not eat the collector's memory)."""

STATUS_OK = frozenset({"S", "I"})
"""Status letters that mean the command did what was asked (``W`` warnings are kept but flagged)."""

NO_DEVICES_MSGS = frozenset({"no ascs", "no pgas", "no gpus", "no devs", "no devices"})
"""Error messages that mean "controller answered, but no hash boards are detected" (not a dead miner)."""


class MinerProtocolError(LiveDataError):
    """A miner's reply could not be decoded at all (garbage, truncated beyond repair, empty)."""


@dataclass(frozen=True, slots=True)
class CommandReply:
    """One command's decoded answer.

    Attributes
    ----------
    command : the command asked (``summary``, ``devs``, ...)
    status : status letter (``S``, ``I``, ``W``, ``E``, ``F``); ``?`` if the reply carried none
    code : numeric status code (cgminer's message number), ``None`` if absent
    msg : the status message (``Summary``, ``No ASCs``, ``Invalid command``)
    sections : every list-valued section of the reply by name (``SUMMARY``, ``DEVS``, ``STATS``, ...),
        each a list of dicts
    description : the status ``Description`` (usually the firmware's miner software and version)
    no_devices : True when the miner answered "No ASCs" (or similar): a controller with no boards
    """

    command: str
    status: str
    code: int | None
    msg: str
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    description: str = ""
    no_devices: bool = False

    @property
    def ok(self) -> bool:
        """True for success and info statuses, and for "No ASCs" (an answer, even if empty)."""
        return self.status in STATUS_OK or self.status == "W" or self.no_devices

    def section(self, name: str) -> list[dict[str, Any]]:
        """The section ``name`` (case-insensitive), or an empty list when the reply has none."""
        if name in self.sections:
            return self.sections[name]
        lowered = name.lower()
        for key, value in self.sections.items():
            if key.lower() == lowered:
                return value
        return []


def encode_request(command: str | Sequence[str], parameter: str | None = None) -> bytes:
    """The bytes of one JSON request.

    Parameters
    ----------
    command : one command or several read-only commands (joined with ``+``)
    parameter : the command's parameter (``"0,1"``, ``"1200"``); omitted when None

    Returns
    -------
    bytes : the UTF-8 request (real firmware needs no terminator on requests)
    """
    name = command if isinstance(command, str) else "+".join(command)
    payload: dict[str, str] = {"command": name}
    if parameter is not None:
        payload["parameter"] = parameter
    return json.dumps(payload, separators=(",", ":")).encode()


_TEXT_ELEMENT_CONTAINERS = {"ASC": "DEVS", "PGA": "DEVS", "GPU": "DEVS", "POOL": "POOLS", "STATS": "STATS"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def _text_value(raw: str) -> Any:
    if _NUMBER.match(raw):
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    if raw in ("true", "false"):
        return raw == "true"
    return raw


def _split_escaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` honouring cgminer's backslash escapes of ``, | = \\`` in text replies."""
    parts, buf, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(ch + text[i + 1])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _parse_text_reply(text: str) -> dict[str, Any]:
    """cgminer's text reply ``STATUS=S,When=..,Code=11,Msg=Summary|SUMMARY,Elapsed=5,...|`` as JSON shape."""
    out: dict[str, Any] = {}
    for block in _split_escaped(text, "|"):
        if not block.strip():
            continue
        items = _split_escaped(block, ",")
        head = items[0]
        record: dict[str, Any] = {}
        if "=" in head:
            key, value = head.split("=", 1)
            name = _unescape(key.strip())
            record[name] = _text_value(_unescape(value))
            container = "STATUS" if name == "STATUS" else _TEXT_ELEMENT_CONTAINERS.get(name.upper(), name)
        else:
            container = _unescape(head.strip())
        for item in items[1:]:
            if not item:
                continue
            if "=" not in item:
                raise MinerProtocolError(f"text reply item without '=': {item[:80]!r}")
            key, value = item.split("=", 1)
            record[_unescape(key)] = _text_value(_unescape(value))
        out.setdefault(container, []).append(record)
    if "STATUS" not in out:
        raise MinerProtocolError(f"text reply without a STATUS section: {text[:80]!r}")
    return out


def _json_objects(text: str) -> list[Any]:
    """Every top-level JSON value in ``text``, in order (one for well-behaved firmware)."""
    decoder = json.JSONDecoder()
    values, pos = [], 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            break
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)
    return values


def _command_reply(command: str, payload: Any) -> CommandReply:
    if isinstance(payload, list) and len(payload) == 1:
        payload = payload[0]  # multi-command replies wrap each answer in a one-element list
    if not isinstance(payload, dict):
        raise MinerProtocolError(f"reply to {command!r} is a {type(payload).__name__}, not an object")
    status_raw = payload.get("STATUS")
    status_obj: dict[str, Any]
    if isinstance(status_raw, list) and status_raw and isinstance(status_raw[0], dict):
        status_obj = status_raw[0]
        letter = str(status_obj.get("STATUS", "?"))
    elif isinstance(status_raw, str):
        # Whatsminer btminer API 2.x puts STATUS, Code and Msg at the top level as scalars, with Msg
        # sometimes an object holding the data.
        status_obj = payload
        letter = status_raw
    else:
        status_obj, letter = {}, "?"
    code_raw = status_obj.get("Code")
    try:
        code = int(code_raw) if code_raw is not None else None
    except (TypeError, ValueError):
        code = None
    msg_raw = status_obj.get("Msg", status_obj.get("msg", ""))
    msg = msg_raw if isinstance(msg_raw, str) else json.dumps(msg_raw)
    sections: dict[str, list[dict[str, Any]]] = {}
    for key, value in payload.items():
        if key == "STATUS":
            continue
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            sections[key] = value
        elif isinstance(value, dict):
            sections[key] = [value]
    if isinstance(msg_raw, dict):
        sections.setdefault("Msg", [msg_raw])
    # cgminer, bmminer (Antminer) and BOSminer answer `devs`/`edevs` on a controller that detects no
    # hash boards with STATUS E, Code 9, "No ASCs": the miner is alive, it just has no devices.
    no_devices = letter == "E" and msg.strip().lower() in NO_DEVICES_MSGS
    return CommandReply(command=command, status=letter, code=code, msg=msg, sections=sections,
                        description=str(status_obj.get("Description", "")), no_devices=no_devices)


def decode_reply(raw: bytes, commands: Sequence[str]) -> dict[str, CommandReply]:
    """Decode one raw reply into one :class:`CommandReply` per command asked.

    This is the single function that knows the firmware quirks; each has a comment naming the firmware.

    Parameters
    ----------
    raw : the bytes the miner sent before closing the connection
    commands : the commands of the request, in order (one, or several joined with ``+``)

    Returns
    -------
    dict : command -> :class:`CommandReply`; a command the miner left out of a multi-command reply is
        absent (the caller records the fields it would have given as missing)

    Raises
    ------
    MinerProtocolError : the reply is empty, not text, or not JSON even after the known repairs
    """
    if not commands:
        raise ValueError("decode_reply needs the commands that were asked")
    if len(raw) > MAX_REPLY_BYTES:
        raise MinerProtocolError(f"reply of {len(raw)} bytes exceeds {MAX_REPLY_BYTES}")
    # Every cgminer-derived firmware (cgminer, bmminer, BOSminer, btminer, LUXminer) terminates the reply
    # with a NUL byte; some bmminer builds (Antminer) also leave NULs between the parts of a multi-command
    # reply, so all of them go.
    text = raw.replace(b"\x00", b"").decode("utf-8", errors="replace").strip()
    if not text:
        raise MinerProtocolError("empty reply")

    if not text.startswith(("{", "[", ",")):
        # cgminer's text API (answering a non-JSON request, and old Avalon/Innosilicon cgminer builds
        # that only speak it): `STATUS=S,When=..,Code=11,Msg=Summary,Description=..|SUMMARY,...|`.
        parsed: Any = _parse_text_reply(text)
        values = [parsed]
    else:
        values = _repaired_json(text)

    if len(values) == 1 and isinstance(values[0], dict):
        top = values[0]
        if len(commands) == 1:
            cmd = commands[0]
            if cmd in top and "STATUS" not in top:
                return {cmd: _command_reply(cmd, top[cmd])}
            return {cmd: _command_reply(cmd, top)}
        if "STATUS" in top and not any(c in top for c in commands):
            # firmware without '+' joins answers a multi-command with one STATUS E "Invalid command";
            # hand it to every command so the caller can fall back to one request per command.
            single = _command_reply("+".join(commands), top)
            return {c: single for c in commands}
        return {c: _command_reply(c, top[c]) for c in commands if c in top}
    # bmminer (Antminer S9/T9/S17 builds) and some Whatsminer btminer builds answer a multi-command with
    # the per-command objects concatenated (`{...}{...}`), one per command in request order.
    if len(values) == len(commands) and all(isinstance(v, dict) for v in values):
        return {c: _command_reply(c, v) for c, v in zip(commands, values, strict=True)}
    raise MinerProtocolError(
        f"{len(values)} top-level JSON values for {len(commands)} command(s): {text[:120]!r}")


def _repaired_json(text: str) -> list[Any]:
    """Parse ``text`` as one or more JSON values, repairing firmware quirks only when plain parsing fails."""
    try:
        return _json_objects(text)
    except json.JSONDecodeError:
        pass
    try:
        return _json_objects(_repair_json_text(text))
    except json.JSONDecodeError as exc:
        raise MinerProtocolError(f"invalid JSON ({exc.msg} at char {exc.pos}): {text[:120]!r}") from exc


_BARE_NON_FINITE = frozenset({"inf", "nan", "infinity", "-inf", "-nan", "-infinity"})


def _repair_json_text(text: str) -> str:
    """One string-aware pass over ``text`` that undoes the known firmware JSON quirks.

    String contents are never altered except for raw control characters; every other repair applies to
    JSON syntax outside strings only.
    """
    # Avalon firmware sometimes starts the reply with a stray `,` in place of `{`.
    if text.startswith(","):
        text = "{" + text[1:]
    out: list[str] = []
    depth, i, n = 0, 0, len(text)
    last = ""  # last significant token outside strings: a bracket, `,`, `:`, `"` (a string) or `a` (a word)
    last_comma = -1  # index in `out` of the last comma emitted
    while i < n:
        ch = text[i]
        if ch == '"':
            # btminer (Whatsminer, 2023-01-06 build) drops the comma between two strings: `""temp0`.
            if last == '"':
                out.append(",")
            buf, j = ['"'], i + 1
            while j < n:
                c = text[j]
                if c == "\\" and j + 1 < n:
                    buf.append(text[j:j + 2])
                    j += 2
                    continue
                j += 1
                if c == '"':
                    buf.append(c)
                    break
                # btminer (Whatsminer) emits raw newlines (control characters) inside string values.
                buf.append(" " if c in "\n\r\t" else c)
            out.append("".join(buf))
            i, last = j, '"'
            continue
        if ch in " \t\r\n":
            out.append(ch)
            i += 1
            continue
        # bmminer (Antminer stock firmware) joins the objects of the STATS array without a comma: `}{`;
        # only inside an array or object, so concatenated top-level replies stay separate.
        if ch == "{" and last == "}" and depth > 0:
            out.append(",")
        # bmminer (Antminer) emits a leading comma in arrays: `[,{`.
        if ch == "," and last == "[":
            i += 1
            continue
        # btminer (Whatsminer) emits a trailing comma before a closing brace: `,}`.
        if ch in "}]" and last == "," and last_comma >= 0:
            del out[last_comma]
            last_comma = -1
        if ch.isalpha() or (ch == "-" and text[i + 1:i + 2].isalpha()):
            j = i + 1
            while j < n and text[j].isalpha():
                j += 1
            word = text[i:j]
            # Avalon (cgminer for Avalonminer) reports unset floats as bare inf / nan.
            out.append("null" if word.lower() in _BARE_NON_FINITE else word)
            i, last = j, "a"
            continue
        if ch == ",":
            last_comma = len(out)
        out.append(ch)
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        last = ch
        i += 1
    return "".join(out)
