"""Fleet telemetry: the CGMiner RPC protocol, an asyncio poller that scales, sample records, control.

Edge package (it owns sockets).  The pieces:

- :mod:`hashstack.telemetry.protocol`: request encoding and the one reply decoder (firmware quirks).
- :mod:`hashstack.telemetry.parsing`: replies -> one :class:`~hashstack.telemetry.records.MinerSample`.
- :mod:`hashstack.telemetry.client` / :mod:`hashstack.telemetry.poller`: the asyncio client and poller.
- :mod:`hashstack.telemetry.control`: power target, sleep and wake with an audit record.
- ``simulator/``: the CGMiner-API fleet simulator (``hashstack sim fleet``).
"""
