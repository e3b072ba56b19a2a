"""Which miners to poll: address ranges (``127.1.0.1-127.1.0.200``), CIDR blocks and targets files."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from hashstack.errors import DataFileError, InputError
from hashstack.telemetry.protocol import DEFAULT_PORT
from hashstack.telemetry.records import Target

MAX_TARGETS = 65_536


def _split_port(text: str) -> tuple[str, int]:
    if text.count(":") == 1:
        host, port_s = text.split(":")
        try:
            port = int(port_s)
        except ValueError:
            raise InputError(f"bad port in {text!r}") from None
        if not 0 < port < 65536:
            raise InputError(f"port {port} out of range in {text!r}")
        return host, port
    return text, DEFAULT_PORT


def parse_range(spec: str, port: int = DEFAULT_PORT, model: str | None = None) -> list[Target]:
    """Targets of an address range, a CIDR block or one address.

    Accepted forms: ``127.1.0.1-127.1.0.200``, ``127.1.0.1-200`` (last octet), ``127.1.0.0/24``
    (hosts of the block), ``127.1.0.7`` and ``127.1.0.7:4029``.  Ranges are inclusive.

    Raises
    ------
    InputError : malformed, reversed, or longer than 65,536 addresses
    """
    text = spec.strip()
    if not text:
        raise InputError("empty address range")
    try:
        if "/" in text:
            net = ipaddress.IPv4Network(text, strict=False)
            if net.num_addresses > MAX_TARGETS + 2:
                raise InputError(f"range {spec!r} has {net.num_addresses} addresses (max {MAX_TARGETS})")
            hosts = list(net.hosts()) if net.num_addresses > 2 else list(net)
            return [Target(str(h), port, model) for h in hosts]
        if "-" in text:
            first_s, last_s = (p.strip() for p in text.split("-", 1))
            first = ipaddress.IPv4Address(first_s)
            if "." not in last_s:
                last_s = first_s.rsplit(".", 1)[0] + "." + last_s
            last = ipaddress.IPv4Address(last_s)
            if last < first:
                raise InputError(f"range {spec!r} ends before it starts")
            n = int(last) - int(first) + 1
            if n > MAX_TARGETS:
                raise InputError(f"range {spec!r} has {n} addresses (max {MAX_TARGETS})")
            return [Target(str(ipaddress.IPv4Address(int(first) + i)), port, model) for i in range(n)]
        host, p = _split_port(text) if ":" in text else (text, port)
        ipaddress.IPv4Address(host)
        return [Target(host, p, model)]
    except ipaddress.AddressValueError as exc:
        raise InputError(f"bad address in range {spec!r}: {exc}") from None
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"bad address range {spec!r}: {exc}") from None


def read_targets(path: str | Path) -> list[Target]:
    """Read a targets file: one address, ``host:port``, range or CIDR per line, optionally a model.

    Format (``#`` starts a comment; blank lines ignored)::

        127.1.0.1-127.1.0.50            Antminer S19j Pro
        127.1.0.60:4029
        10.0.0.0/28                     Whatsminer M30S+

    The model, when given, is used for power estimates when the firmware does not say what it is.

    Raises
    ------
    DataFileError : unreadable file or a malformed line (naming the line)
    """
    p = Path(path)
    try:
        lines = p.read_text().splitlines()
    except OSError as exc:
        raise DataFileError(p, f"cannot read targets file: {exc.strerror or exc}") from None
    targets: list[Target] = []
    seen: set[str] = set()
    for line_no, line in enumerate(lines, start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        parts = body.split(None, 1)
        model = parts[1].strip() if len(parts) > 1 else None
        addr = parts[0]
        try:
            if "-" in addr or "/" in addr:
                host_part, port = (_split_port(addr) if addr.count(":") == 1 else (addr, DEFAULT_PORT))
                found = parse_range(host_part, port=port, model=model)
            else:
                host, port = _split_port(addr)
                found = parse_range(host, port=port, model=model)
        except InputError as exc:
            raise DataFileError(p, str(exc), row=line_no, field="address") from None
        for t in found:
            if t.miner_id not in seen:
                seen.add(t.miner_id)
                targets.append(t)
        if len(targets) > MAX_TARGETS:
            raise DataFileError(p, f"more than {MAX_TARGETS} targets", row=line_no, field="address")
    if not targets:
        raise DataFileError(p, "no targets in file")
    return targets
