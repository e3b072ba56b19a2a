"""A minimal blocking CGMiner-API client for the wire tests (optionally from a chosen source address)."""

from __future__ import annotations

import json
import socket


def query_raw(addr: str, payload: bytes, port: int = 4028, source: str | None = None, timeout_s: float = 5.0) -> bytes:
    with socket.socket() as s:
        if source is not None:
            s.bind((source, 0))
        s.settimeout(timeout_s)
        s.connect((addr, port))
        s.sendall(payload)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def query(addr: str, command: str, parameter: str | None = None, **kw: object) -> dict:
    req = {"command": command} if parameter is None else {"command": command, "parameter": parameter}
    raw = query_raw(addr, json.dumps(req).encode(), **kw)  # type: ignore[arg-type]
    assert raw.endswith(b"\x00")
    return json.loads(raw[:-1])
