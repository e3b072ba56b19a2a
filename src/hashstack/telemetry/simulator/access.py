"""Who may talk to a simulated miner, in cgminer's ``--api-allow`` syntax.

A rule list such as ``"W:127.0.0.1,R:127.0.0.0/8"``: each entry is ``[G:]address[/prefix]``; group
``W`` may run every command (privileged), ``R`` (or no prefix) only the read-only reports. A client
that matches no entry is ignored: the connection is closed without a reply, as cgminer does. The first
matching ``W`` entry wins over ``R`` entries (cgminer checks privilege per command against every rule).

References
----------
.. [1] cgminer ``API-README``, option ``--api-allow`` ("W:" prefix grants privileged access) and
   ``api.c`` (``IP4ACCESS``, ``PRIVGROUP 'W'``, ``NOPRIVGROUP 'R'``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from hashstack.errors import InputError

DEFAULT_API_ALLOW = "W:127.0.0.1,R:127.0.0.0/8"
"""Default rules: the local host (127.0.0.1, the source of ordinary loopback connections) is
privileged; other loopback sources may only read."""


@dataclass(frozen=True, slots=True)
class AccessRule:
    """One ``--api-allow`` entry."""

    network: ipaddress.IPv4Network
    privileged: bool


@dataclass(frozen=True, slots=True)
class AccessList:
    """Parsed ``--api-allow`` rules."""

    rules: tuple[AccessRule, ...]

    def group_for(self, client_ip: str) -> str | None:
        """``"W"``, ``"R"`` or ``None`` (not allowed at all) for a client address."""
        try:
            addr = ipaddress.IPv4Address(client_ip)
        except ValueError:
            return None
        matched = [r for r in self.rules if addr in r.network]
        if not matched:
            return None
        return "W" if any(r.privileged for r in matched) else "R"


def parse_api_allow(text: str) -> AccessList:
    """Parse an ``--api-allow`` string; :class:`InputError` naming the bad entry otherwise."""
    rules = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        privileged = False
        if len(entry) > 2 and entry[1] == ":":
            group = entry[0].upper()
            if group not in "RW":
                raise InputError(f"api-allow entry {entry!r}: group must be R or W")
            privileged = group == "W"
            entry = entry[2:]
        if entry == "0/0":
            entry = "0.0.0.0/0"
        try:
            net = ipaddress.IPv4Network(entry, strict=False)
        except ValueError as exc:
            raise InputError(f"api-allow entry {raw.strip()!r}: {exc}") from None
        rules.append(AccessRule(net, privileged))
    if not rules:
        raise InputError("api-allow needs at least one entry")
    return AccessList(tuple(rules))
