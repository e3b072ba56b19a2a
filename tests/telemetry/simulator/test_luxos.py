"""The LuxOS dialect without sockets: framing, status codes, privilege and sessions."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.telemetry.simulator.conftest import fake_spec

from hashstack.errors import InputError
from hashstack.telemetry.simulator.fleet_model import FleetModel
from hashstack.telemetry.simulator.luxos import LuxosDialect, select_profile


@pytest.fixture
def dialect() -> LuxosDialect:
    m = FleetModel([fake_spec(), fake_spec()], seed=3, start_ts_utc_s=1_767_225_600.0)
    m.step(60.0)
    return LuxosDialect(m, seed=3, addresses=["127.1.0.1", "127.1.0.2"])


def ask(d: LuxosDialect, req: dict | str, group: str = "W", i: int = 0, now: float = 0.0) -> dict:
    raw = d.handle(i, (json.dumps(req) if isinstance(req, dict) else req).encode(), group, now)
    assert raw.endswith(b"\x00") and raw.count(b"\x00") == 1
    return json.loads(raw[:-1])


def test_version_identifies_luxminer_and_model(dialect: LuxosDialect) -> None:
    r = ask(dialect, {"command": "version"})
    st = r["STATUS"][0]
    assert (st["STATUS"], st["Code"], st["Msg"]) == ("S", 22, "LUXminer versions")
    assert "LUXminer" in st["Description"] and r["VERSION"][0]["Type"] == "Antminer S21"
    assert r["id"] == 1


def test_joined_commands(dialect: LuxosDialect) -> None:
    r = ask(dialect, {"command": "summary+devs+stats+pools"})
    assert set(r) == {"summary", "devs", "stats", "pools", "id"}
    assert r["summary"][0]["STATUS"][0]["Code"] == 11
    assert r["devs"][0]["STATUS"][0]["Msg"] == "3 ASC(s)"
    stats = r["stats"][0]["STATS"]
    assert stats[0]["Type"] == "Antminer S21"
    body = stats[1]
    assert body["chain_acn1"] == 108 and body["rate_unit"] == "GH"
    assert len(body["temp_pcb1"].split("-")) == 4
    total = sum(float(body[f"chain_rate{k}"]) for k in (1, 2, 3))
    assert total == pytest.approx(float(body["GHS 5s"]), rel=1e-3)
    assert r["summary"][0]["SUMMARY"][0]["GHS 5s"] == pytest.approx(total, rel=1e-3)


def test_joined_privileged_command_is_refused(dialect: LuxosDialect) -> None:
    r = ask(dialect, {"command": "summary+curtail", "parameter": "x,sleep"})
    assert r["curtail"][0]["STATUS"][0]["Code"] == 45
    assert dialect.model.reading(0).mode == "mining"


@pytest.mark.parametrize(("req", "code"), [
    ("{not json", 23), ({"parameter": "x"}, 24), ({"command": "frobnicate"}, 14)])
def test_errors(dialect: LuxosDialect, req: dict | str, code: int) -> None:
    r = ask(dialect, req)
    assert r["STATUS"][0]["STATUS"] == "E" and r["STATUS"][0]["Code"] == code


def test_read_only_client_cannot_control(dialect: LuxosDialect) -> None:
    for cmd in ("logon", "curtail", "profileset", "rebootdevice"):
        r = ask(dialect, {"command": cmd, "parameter": "abc,sleep"}, group="R")
        assert r["STATUS"][0]["Code"] == 45
        assert r["STATUS"][0]["Msg"] == f"Access denied to '{cmd}' command"
    assert ask(dialect, {"command": "summary"}, group="R")["STATUS"][0]["STATUS"] == "S"


def test_session_flow_and_control(dialect: LuxosDialect) -> None:
    assert ask(dialect, {"command": "session"})["SESSION"][0]["SessionID"] == ""
    sid = ask(dialect, {"command": "logon"}, now=0.0)["SESSION"][0]["SessionID"]
    assert len(sid) == 8
    assert ask(dialect, {"command": "logon"}, now=1.0)["STATUS"][0]["STATUS"] == "E"  # one session at a time
    assert ask(dialect, {"command": "session"}, now=2.0)["SESSION"][0]["SessionID"] == sid
    bad = ask(dialect, {"command": "curtail", "parameter": "WRONG,sleep"}, now=3.0)
    assert bad["STATUS"][0]["STATUS"] == "E"
    ok = ask(dialect, {"command": "curtail", "parameter": f"{sid},sleep"}, now=4.0)
    assert ok["STATUS"][0]["Code"] == 335 and ok["CURTAIL"][0]["Action"] == "sleep mode"
    assert dialect.model.reading(0).mode == "sleeping"
    r = ask(dialect, {"command": "profileset", "parameter": f"{sid},3000W"}, now=5.0)
    assert r["STATUS"][0]["Code"] == 321
    prof = r["PROFILE"][0]["Profile"]
    assert dialect.model.active_profile(0).name == prof
    assert dialect.model.active_profile(0).power_w <= 3000
    ask(dialect, {"command": "curtail", "parameter": f"{sid},wakeup"}, now=6.0)
    assert dialect.model.reading(0).mode == "mining"
    # the session expires 60 s after its last use
    assert ask(dialect, {"command": "session"}, now=70.0)["SESSION"][0]["SessionID"] == ""
    assert ask(dialect, {"command": "curtail", "parameter": f"{sid},sleep"}, now=70.0)["STATUS"][0]["STATUS"] == "E"


def test_config_and_profiles_agree(dialect: LuxosDialect) -> None:
    r = ask(dialect, {"command": "config+profiles+power+fans+tempctrl"})
    active = r["config"][0]["CONFIG"][0]["Profile"]
    profiles = {p["Profile Name"]: p for p in r["profiles"][0]["PROFILES"]}
    assert active == "default" and profiles[active]["Watts"] == 3500
    assert r["power"][0]["POWER"][0]["Watts"] > 0
    assert len(r["fans"][0]["FANS"]) == 4 and r["fans"][0]["FANCTRL"][0]["MinFans"] == 1
    assert r["tempctrl"][0]["TEMPCTRL"][0]["Target"] == 60.0


def test_text_mode(dialect: LuxosDialect) -> None:
    raw = dialect.handle(0, b"summary|\n", "R", 0.0)
    text = raw[:-1].decode()
    assert raw.endswith(b"\x00") and text.startswith("STATUS=S,") and "|SUMMARY,Accepted=" in text


def test_dead_boards_leave_the_device_list() -> None:
    m = FleetModel([fake_spec()], seed=1, start_ts_utc_s=1_767_225_600.0)
    m.board_dead[0, :] = True
    m.chips[0, :] = 0
    m.step(1.0)
    d = LuxosDialect(m)
    r = ask(d, {"command": "devs"})
    assert r["STATUS"][0]["STATUS"] == "E" and r["STATUS"][0]["Msg"] == "No ASCs"
    stats = ask(d, {"command": "stats"})["STATS"][1]
    assert stats["chain_acn1"] == 0 and stats["temp_pcb1"] == "0-0-0-0"


def test_select_profile(dialect: LuxosDialect) -> None:
    profs = dialect.model.profiles(0)
    assert select_profile(profs, "DEFAULT").name == "default"
    assert select_profile(profs, "3.0kW") == select_profile(profs, "3000W")
    assert select_profile(profs, "160THs").hashrate_ths == 160.0
    with pytest.raises(InputError):
        select_profile(profs, "10W")
    with pytest.raises(InputError):
        select_profile(profs, "fastest")


def test_replies_are_cached_until_the_state_changes(dialect: LuxosDialect) -> None:
    a = dialect.handle(0, b'{"command":"stats"}', "W", 0.0)
    assert (0, "stats", True) in dialect._cache
    assert dialect.handle(0, b'{"command":"stats"}', "W", 0.0) == a
    dialect.model.step(1.0)  # new tick: new noise on the 5 s hash rate
    assert dialect.handle(0, b'{"command":"stats"}', "W", 0.0) != a
    c = json.loads(dialect.handle(0, b'{"command":"config"}', "W", 0.0)[:-1])
    dialect.model.set_profile(0, "400MHz")  # a control invalidates the cache at once
    d = json.loads(dialect.handle(0, b'{"command":"config"}', "W", 0.0)[:-1])
    assert (c["CONFIG"][0]["Profile"], d["CONFIG"][0]["Profile"]) == ("default", "400MHz")


_MODEL = FleetModel([fake_spec()], seed=0, start_ts_utc_s=1_767_225_600.0)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200),
                 st.builds(lambda c, p: json.dumps({"command": c, "parameter": p}).encode(),
                           st.text(max_size=40), st.one_of(st.none(), st.text(max_size=40), st.integers()))))
def test_any_request_gets_one_well_formed_reply(raw: bytes) -> None:
    d = LuxosDialect(_MODEL, seed=0, addresses=["127.1.0.1"])
    out = d.handle(0, raw, "R", 0.0)
    assert out.endswith(b"\x00") and out.count(b"\x00") == 1
    text = out[:-1].decode()
    if text.startswith("{"):
        obj = json.loads(text)
        statuses = [obj["STATUS"][0]] if "STATUS" in obj else [v[0]["STATUS"][0] for k, v in obj.items() if k != "id"]
        assert statuses and all(s["STATUS"] in {"S", "I", "E"} and isinstance(s["Code"], int) for s in statuses)
    else:
        assert text.startswith("STATUS=")
    assert _MODEL.reading(0).mode == "mining"  # a read-only client never changed anything
