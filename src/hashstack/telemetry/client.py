"""The asyncio CGMiner RPC client: one request per TCP connection, as real firmware expects.

References
----------
.. [1] cgminer API-README: one request per connection; the reply ends with NUL and the miner closes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from hashstack.telemetry.protocol import (
    MAX_REPLY_BYTES,
    CommandReply,
    MinerProtocolError,
    decode_reply,
    encode_request,
)

_READ_CHUNK = 65536


async def _exchange(host: str, port: int, request: bytes, commands: Sequence[str]
                    ) -> dict[str, CommandReply]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = await reader.read(_READ_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_REPLY_BYTES:
                raise MinerProtocolError(f"reply exceeds {MAX_REPLY_BYTES} bytes")
            if chunk.endswith(b"\x00"):
                # complete if it decodes; firmware that keeps the socket open after the NUL is not
                # waited for, and a NUL in mid-reply just means we keep reading
                try:
                    return decode_reply(b"".join(chunks), commands)
                except MinerProtocolError:
                    continue
        return decode_reply(b"".join(chunks), commands)
    finally:
        writer.close()


async def send_command(host: str, port: int, command: str | Sequence[str], parameter: str | None = None,
                       timeout_s: float = 3.0) -> tuple[dict[str, CommandReply], float]:
    """Send one request and decode the answer.

    Parameters
    ----------
    host, port : the miner's RPC API address
    command : one command, or several read-only commands joined into one ``+`` request
    parameter : the command's parameter
    timeout_s : budget for connect, send and the whole reply [s]

    Returns
    -------
    (replies, latency_s) : command -> decoded reply, and the wall time of the exchange [s]

    Raises
    ------
    TimeoutError : no complete reply within ``timeout_s``
    OSError : connection refused / reset / unreachable
    MinerProtocolError : the reply could not be decoded
    """
    commands = [command] if isinstance(command, str) else list(command)
    if isinstance(command, str) and "+" in command:
        commands = command.split("+")
    start = time.perf_counter()
    async with asyncio.timeout(timeout_s):
        replies = await _exchange(host, port, encode_request(commands, parameter), commands)
    return replies, time.perf_counter() - start


async def read_miner(host: str, port: int, commands: Sequence[str], timeout_s: float = 3.0
                     ) -> tuple[dict[str, CommandReply], float]:
    """Ask every command of ``commands``: one ``+`` request, or one request each if joins are refused.

    Firmware that does not implement ``+`` joins answers one STATUS E; then each command is asked on
    its own connection, all within the same ``timeout_s`` budget.
    """
    start = time.perf_counter()
    async with asyncio.timeout(timeout_s):
        replies = await _exchange(host, port, encode_request(commands), list(commands))
        if len(commands) > 1 and replies and len({id(r) for r in replies.values()}) == 1:
            only = next(iter(replies.values()))
            if not only.ok:
                replies = {}
                for cmd in commands:
                    replies.update(await _exchange(host, port, encode_request(cmd), [cmd]))
    return replies, time.perf_counter() - start
