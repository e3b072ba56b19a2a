"""The simulator on real loopback sockets (a fleet served from a thread of the test process)."""

from __future__ import annotations

import json
import socket
import time

import pytest
from tests.telemetry.simulator.conftest import fake_spec
from tests.telemetry.simulator.wire import query, query_raw

from hashstack.errors import InputError
from hashstack.telemetry.simulator.process import start_fleet_thread
from hashstack.telemetry.simulator.server import FleetConfig, address_range, raise_open_file_limit, read_truth_jsonl

FIRST = "127.201.0.1"


@pytest.fixture(scope="module")
def fleet():
    cfg = FleetConfig(specs=[fake_spec()] * 3, first_address=FIRST, seed=4, speed=60.0, tick_s=0.2,
                      start_ts_utc_s=1_767_225_600.0)
    with start_fleet_thread(cfg) as f:
        yield f


def test_address_range() -> None:
    assert address_range("127.1.0.254", 3) == ["127.1.0.254", "127.1.0.255", "127.1.1.0"]
    for bad in [("10.0.0.1", 1), ("127.255.255.254", 2), ("127.0.0.0", 1), ("nope", 1), ("127.1.0.1", 0)]:
        with pytest.raises(InputError):
            address_range(*bad)
    assert raise_open_file_limit(16) >= 16


def test_every_miner_answers_on_its_own_address(fleet) -> None:
    assert fleet.addresses == ["127.201.0.1", "127.201.0.2", "127.201.0.3"]
    macs = set()
    for addr in fleet.addresses:
        r = query(addr, "summary+config")
        assert r["summary"][0]["STATUS"][0]["STATUS"] == "S"
        macs.add(r["config"][0]["CONFIG"][0]["MACAddr"])
    assert len(macs) == 3


def test_connection_is_closed_after_one_nul_terminated_reply(fleet) -> None:
    with socket.create_connection((FIRST, 4028), timeout=5) as s:
        s.sendall(b'{"command":"version"}')
        data = b""
        while chunk := s.recv(65536):  # returns b"" only because the server closed
            data += chunk
    assert data.endswith(b"\x00") and data.count(b"\x00") == 1
    assert json.loads(data[:-1])["VERSION"][0]["LUXminer"]


def test_request_split_across_packets(fleet) -> None:
    with socket.create_connection((FIRST, 4028), timeout=5) as s:
        s.sendall(b'{"command":')
        time.sleep(0.05)
        s.sendall(b'"devs"}')
        data = s.makefile("rb").read()
    assert json.loads(data[:-1])["STATUS"][0]["Code"] == 9


def test_privilege_depends_on_the_client_address(fleet) -> None:
    denied = query(FIRST, "logon", source="127.202.0.9")  # allowed to read, not to write
    assert denied["STATUS"][0]["Code"] == 45
    assert query(FIRST, "summary", source="127.202.0.9")["STATUS"][0]["STATUS"] == "S"
    sid = query(FIRST, "logon")["SESSION"][0]["SessionID"]  # from 127.0.0.1: privileged
    assert query(FIRST, "logoff", sid)["STATUS"][0]["STATUS"] == "S"


def test_reboot_refuses_connections_then_comes_back(fleet) -> None:
    addr = fleet.addresses[2]
    sid = query(addr, "logon")["SESSION"][0]["SessionID"]
    assert query(addr, "rebootdevice", sid)["STATUS"][0]["STATUS"] == "S"
    deadline = time.monotonic() + 10
    refused = False
    while time.monotonic() < deadline and not refused:
        try:
            query_raw(addr, b'{"command":"version"}', timeout_s=1)
        except ConnectionRefusedError:
            refused = True
        except OSError:  # reset (accepted by the kernel as the listener closed) or slow under load
            pass
    assert refused
    # 120 simulated seconds at 60x = 2 wall seconds; wait for the listener to return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            r = query(addr, "stats")
            break
        except OSError:
            time.sleep(0.1)
    assert r["STATS"][1]["Elapsed"] < 120


def test_ground_truth_is_written_as_failures_happen(tmp_path) -> None:
    from hashstack.telemetry.simulator.failures import FailureSettings

    path = tmp_path / "truth.jsonl"
    cfg = FleetConfig(specs=[fake_spec()] * 2, first_address="127.203.0.1", seed=1, speed=3600.0, tick_s=0.1,
                      start_ts_utc_s=1_767_225_600.0, ground_truth_path=path,
                      failures=FailureSettings(sensor_mtbf_h=20.0, sensor_lead_h=1.0))
    with start_fleet_thread(cfg) as f:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (path.exists() and path.read_text().strip()):
            time.sleep(0.1)
        model_records = list(f.server.model.records)
    recs = read_truth_jsonl(path)
    assert recs and recs == model_records[: len(recs)]
    assert all(r.miner_address in ("127.203.0.1", "127.203.0.2") for r in recs)


def test_address_in_use_is_a_clear_error(fleet) -> None:
    cfg = FleetConfig(specs=[fake_spec()], first_address=FIRST, seed=0)
    with pytest.raises(InputError, match=r"127\.201\.0\.1:4028"):
        start_fleet_thread(cfg)


def test_server_stepping_is_deterministic_per_tick() -> None:
    from hashstack.telemetry.simulator.failures import FailureSettings
    from hashstack.telemetry.simulator.server import FleetServer

    def run() -> tuple:
        cfg = FleetConfig(specs=[fake_spec()] * 5, first_address="127.208.0.1", seed=9, speed=300.0, tick_s=1.0,
                          start_ts_utc_s=1_767_225_600.0, failures=FailureSettings(acceleration=30.0))
        server = FleetServer(cfg)  # not started: no sockets; the tick is what the run loop calls
        for _ in range(100):
            server.tick()
        return [server.model.reading(i) for i in range(5)], server.model.records, server.model.now_ts_utc_s

    a, b = run(), run()
    assert a == b
    assert a[2] == 1_767_225_600.0 + 100 * 300.0


def test_protocol_accepts_a_transport_that_is_not_an_asyncio_transport_subclass() -> None:
    """uvloop's TCPTransport is a stream transport without asyncio.Transport in its bases: a miner's
    protocol must take it (an isinstance assert rejected it, and vanished under ``python -O``)."""
    import asyncio

    from hashstack.telemetry.simulator.server import FleetServer, _MinerProtocol

    class DuckTransport:  # the stream-transport methods the protocol uses, nothing inherited
        def __init__(self) -> None:
            self.closed = False

        def get_extra_info(self, name: str, default: object = None) -> object:
            return ("10.9.9.9", 5555) if name == "peername" else default

        def close(self) -> None:
            self.closed = True

    server = FleetServer(FleetConfig(specs=[fake_spec()], first_address="127.201.9.1", seed=1))
    proto = _MinerProtocol(server, 0)
    t = DuckTransport()
    assert not isinstance(t, asyncio.Transport)
    proto.connection_made(t)  # type: ignore[arg-type]
    assert proto.transport is t
    assert t.closed  # 10.9.9.9 is outside the default api-allow list: closed like cgminer does
