"""The one reply decoder: every firmware quirk it claims to handle, and what it must refuse."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashstack.telemetry.protocol import MinerProtocolError, decode_reply, encode_request

from . import replies


def test_encode_request_joins_commands_and_keeps_parameter() -> None:
    assert json.loads(encode_request(["summary", "devs"])) == {"command": "summary+devs"}
    assert json.loads(encode_request("profileset", "abc,520MHz")) == {"command": "profileset",
                                                                       "parameter": "abc,520MHz"}


def test_single_reply_with_nul_terminator() -> None:
    out = decode_reply(replies.BMMINER_SUMMARY.encode() + b"\x00", ["summary"])
    r = out["summary"]
    assert r.ok and r.status == "S" and r.code == 11 and r.msg == "Summary"
    assert r.description == "bmminer 1.0.0"
    assert r.section("SUMMARY")[0]["Elapsed"] == 86400
    assert r.section("summary") == r.section("SUMMARY")  # case-insensitive lookup


def test_multi_command_keyed_reply() -> None:
    raw = ('{"summary":[' + replies.BMMINER_SUMMARY + '],"pools":[' + replies.BMMINER_POOLS + '],"id":1}')
    out = decode_reply(raw.encode() + b"\x00", ["summary", "pools"])
    assert set(out) == {"summary", "pools"}
    assert out["pools"].section("POOLS")[0]["URL"] == "stratum+tcp://pool.example:3333"


def test_bmminer_missing_comma_in_stats_array_is_repaired() -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(replies.BMMINER_STATS)  # the recorded reply really is invalid JSON
    out = decode_reply(replies.BMMINER_STATS.encode() + b"\x00", ["stats"])
    stats = out["stats"].section("STATS")
    assert len(stats) == 2
    assert stats[0]["Type"] == "Antminer S19j Pro"
    assert stats[1]["chain_rate2"] == "34710.22"


def test_bmminer_quirk_inside_multi_command_reply() -> None:
    raw = '{"summary":[' + replies.BMMINER_SUMMARY + '],"stats":[' + replies.BMMINER_STATS + '],"id":1}'
    out = decode_reply(raw.encode() + b"\x00", ["summary", "stats"])
    assert len(out["stats"].section("STATS")) == 2


def test_concatenated_top_level_objects_map_to_commands_in_order() -> None:
    raw = (replies.BMMINER_SUMMARY + "\x00" + replies.BMMINER_POOLS + "\x00").encode()
    out = decode_reply(raw, ["summary", "pools"])
    assert out["summary"].msg == "Summary"
    assert out["pools"].section("POOLS")[1]["POOL"] == 1


def test_repair_does_not_touch_braces_inside_strings() -> None:
    raw = ('{"STATUS":[{"STATUS":"S","Code":1,"Msg":"a}{b","Description":"x"}],'
           '"STATS":[{"A":"}{"}{"B":2}],"id":1}')
    out = decode_reply(raw.encode(), ["stats"])
    assert out["stats"].msg == "a}{b"
    assert out["stats"].section("STATS") == [{"A": "}{"}, {"B": 2}]


def test_no_ascs_is_an_answer_not_a_failure() -> None:
    out = decode_reply(replies.NO_ASCS.encode() + b"\x00", ["devs"])
    r = out["devs"]
    assert r.status == "E" and r.code == 9 and r.no_devices and r.ok


def test_invalid_command_is_not_ok() -> None:
    r = decode_reply(replies.INVALID_COMMAND.encode(), ["bogus"])["bogus"]
    assert not r.ok and r.code == 14 and not r.no_devices


def test_btminer_trailing_comma_and_newline_in_string() -> None:
    out = decode_reply(replies.BTMINER_SUMMARY.encode() + b"\x00", ["summary"])
    row = out["summary"].section("SUMMARY")[0]
    assert row["Power"] == 3344
    assert row["Firmware Version"] == "'20230106.1 .REL'"


def test_avalon_bare_inf_becomes_null() -> None:
    row = decode_reply(replies.AVALON_SUMMARY.encode(), ["summary"])["summary"].section("SUMMARY")[0]
    assert row["MHS av"] is None
    assert row["MHS 5s"] == "nan"  # quoted: kept as text, the parser records the field missing


def test_text_format_reply() -> None:
    out = decode_reply(replies.TEXT_SUMMARY.encode() + b"\x00", ["summary"])
    r = out["summary"]
    assert r.status == "S" and r.code == 11 and r.msg == "Summary"
    row = r.section("SUMMARY")[0]
    assert row["MHS 5s"] == pytest.approx(13600000.0)
    assert row["Accepted"] == 100 and row["Hardware Errors"] == 2


def test_text_format_devices_and_escapes() -> None:
    raw = (br"STATUS=S,When=1,Code=9,Msg=2 ASC(s),Description=cgminer|ASC=0,Name=A\,B,MHS av=1.5|"
           br"ASC=1,Name=C\|D,MHS av=2.5|")
    devs = decode_reply(raw, ["devs"])["devs"].section("DEVS")
    assert [d["Name"] for d in devs] == ["A,B", "C|D"]
    assert [d["MHS av"] for d in devs] == [1.5, 2.5]


def test_avalon_leading_comma_in_place_of_brace() -> None:
    raw = b',"STATUS":[{"STATUS":"S","Code":11,"Msg":"Summary"}],"SUMMARY":[{"Elapsed":5}],"id":1}'
    assert decode_reply(raw, ["summary"])["summary"].section("SUMMARY")[0]["Elapsed"] == 5


@pytest.mark.parametrize("raw", [b"", b"\x00", b"\xff\xfe garbage", b'{"STATUS":[{"STATUS":"S"', b"HTTP/1.1 400",
                                 b"[1, 2, 3]"])
def test_garbage_raises_protocol_error(raw: bytes) -> None:
    with pytest.raises(MinerProtocolError):
        decode_reply(raw, ["summary"])


def test_protocol_error_is_a_hashstack_error() -> None:
    from hashstack.errors import HashstackError

    assert issubclass(MinerProtocolError, HashstackError)


_scalar = st.one_of(st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.text(max_size=12), st.booleans())
_record = st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k != "STATUS"), _scalar, max_size=6)


@settings(max_examples=150, deadline=None)
@given(sections=st.dictionaries(st.sampled_from(["SUMMARY", "DEVS", "STATS", "POOLS", "VERSION"]),
                                st.lists(_record, min_size=1, max_size=4), min_size=1, max_size=3),
       nul=st.booleans())
def test_decode_of_encoded_reply_roundtrips(sections: dict[str, list[dict[str, object]]], nul: bool) -> None:
    payload = {"STATUS": [{"STATUS": "S", "When": 1, "Code": 11, "Msg": "ok", "Description": "d"}],
               **sections, "id": 1}
    raw = json.dumps(payload).encode() + (b"\x00" if nul else b"")
    r = decode_reply(raw, ["x"])["x"]
    assert r.ok and r.code == 11
    assert {k: v for k, v in r.sections.items()} == sections


def _bmminer_join(text: str) -> str:
    """Re-create bmminer's quirk: drop the comma between objects inside arrays (outside strings)."""
    out, depth, in_str, esc = [], 0, False, False
    i = 0
    while i < len(text):
        ch = text[i]
        if in_str:
            esc = (ch == "\\") and not esc
            if ch == '"' and not esc:
                in_str = False
            out.append(ch)
        elif ch == '"':
            in_str = True
            out.append(ch)
        elif ch == "," and out and out[-1] == "}" and depth > 1 and text[i + 1:i + 2] == "{":
            pass  # the comma bmminer forgets
        else:
            depth += 1 if ch in "{[" else 0
            depth -= 1 if ch in "}]" else 0
            out.append(ch)
        i += 1
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(sections=st.dictionaries(st.sampled_from(["STATS", "DEVS", "POOLS"]),
                                st.lists(_record, min_size=2, max_size=4), min_size=1, max_size=3))
def test_bmminer_missing_commas_decode_to_the_clean_reply(sections: dict[str, list[dict[str, object]]]) -> None:
    payload = {"STATUS": [{"STATUS": "S", "When": 1, "Code": 70, "Msg": "ok", "Description": "bmminer"}],
               **sections, "id": 1}
    clean = json.dumps(payload, separators=(",", ":"))
    broken = _bmminer_join(clean)
    if broken != clean:
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken)
    r = decode_reply(broken.encode() + b"\x00", ["stats"])["stats"]
    assert r.sections == sections


_text_key = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ ", min_size=1, max_size=10).map(str.strip).filter(
    lambda k: bool(k) and k.upper() not in ("STATUS", "ASC", "PGA", "GPU", "POOL"))
_text_val = st.one_of(st.integers(-10**6, 10**6),
                      st.text(alphabet="abcxyz ,|=\\-_.", min_size=1, max_size=10).filter(
                          lambda v: not v[0].isdigit() and v not in ("true", "false") and not v.startswith("-")))


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace(",", "\\,").replace("|", "\\|").replace("=", "\\=")


@settings(max_examples=150, deadline=None)
@given(record=st.dictionaries(_text_key, _text_val, min_size=1, max_size=6))
def test_text_format_roundtrip(record: dict[str, object]) -> None:
    body = ",".join(f"{_escape(k)}={_escape(str(v))}" for k, v in record.items())
    raw = f"STATUS=S,When=1,Code=11,Msg=Summary,Description=cgminer|SUMMARY,{body}|".encode()
    row = decode_reply(raw, ["summary"])["summary"].section("SUMMARY")[0]
    assert row == record
