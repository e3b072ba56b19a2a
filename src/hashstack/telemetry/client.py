"""The asyncio CGMiner RPC client: one request per TCP connection, as real firmware expects.

References
----------
.. [1] cgminer API-README: one request per connection; the reply ends with NUL and the miner closes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import cast

from hashstack.telemetry.protocol import (
    MAX_REPLY_BYTES,
    CommandReply,
    MinerProtocolError,
    decode_reply,
    encode_request,
)


class _ReplyProtocol(asyncio.Protocol):
    """Send one request, collect the reply until the miner closes (or a NUL ends a decodable reply).

    A bare protocol instead of streams: one object and one future per miner, which matters when a
    poll touches thousands of miners.
    """

    def __init__(self, request: bytes, commands: Sequence[str], done: asyncio.Future[dict[str, CommandReply]]
                 ) -> None:
        self.request = request
        self.commands = commands
        self.done = done
        self.chunks: list[bytes] = []
        self.size = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, so no isinstance check here
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size > MAX_REPLY_BYTES:
            self._finish(exc=MinerProtocolError(f"reply exceeds {MAX_REPLY_BYTES} bytes"))
        elif data.endswith(b"\x00"):
            # complete if it decodes; firmware that keeps the socket open after the NUL is not waited
            # for, and a NUL in mid-reply just means we keep reading
            try:
                self._finish(result=decode_reply(b"".join(self.chunks), self.commands))
            except MinerProtocolError:
                pass

    def eof_received(self) -> bool | None:
        return False  # let the transport close; connection_lost decodes what arrived

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done.done():
            return
        if exc is not None and not self.chunks:
            self.done.set_exception(exc)
            return
        try:
            self.done.set_result(decode_reply(b"".join(self.chunks), self.commands))
        except MinerProtocolError as err:
            self.done.set_exception(err)

    def _finish(self, result: dict[str, CommandReply] | None = None, exc: BaseException | None = None) -> None:
        if not self.done.done():
            if exc is not None:
                self.done.set_exception(exc)
            else:
                assert result is not None
                self.done.set_result(result)
        if self.transport is not None:
            self.transport.close()


async def _exchange(host: str, port: int, request: bytes, commands: Sequence[str]
                    ) -> dict[str, CommandReply]:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[dict[str, CommandReply]] = loop.create_future()
    transport, _ = await loop.create_connection(lambda: _ReplyProtocol(request, commands, done), host, port)
    try:
        return await done
    finally:
        transport.close()


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
