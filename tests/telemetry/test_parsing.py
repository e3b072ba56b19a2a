"""Replies -> one MinerSample: hand-computed values per firmware family, partial data, power sources."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hashstack.telemetry.parsing import sample_from_replies
from hashstack.telemetry.power import resolve_power_w
from hashstack.telemetry.protocol import decode_reply
from hashstack.telemetry.records import Target

from . import replies

TS = datetime(2026, 1, 1, tzinfo=UTC)
TARGET = Target("127.0.0.1", 4028)


def decoded(parts: dict[str, str]) -> dict:
    out = {}
    for cmd, text in parts.items():
        out.update(decode_reply(text.encode() + b"\x00", [cmd]))
    return out


def linear_estimator(model: str, hashrate_ths: float) -> float | None:
    """30 W per TH/s for the S19j Pro, unknown otherwise (hand-checkable)."""
    return 30.0 * hashrate_ths if model == "Antminer S19j Pro" else None


def test_stock_antminer_sample_hand_computed() -> None:
    s = sample_from_replies(TARGET, decoded(replies.BMMINER), TS, 0.01, estimator=linear_estimator)
    assert s.ok and s.error is None and s.miner_id == "127.0.0.1:4028"
    assert s.model == "Antminer S19j Pro"
    assert s.firmware == "BMMiner 1.0.0"
    assert s.hashrate_ths == pytest.approx(104.12345, abs=1e-9)  # "104,123.45" GH/s
    assert s.hashrate_avg_ths == pytest.approx(103.99812, abs=1e-9)
    assert s.board_hashrate_ths == pytest.approx((34.70011, 34.71022, 34.71312), abs=1e-9)
    assert s.board_temp_chip_c == (76.0, 77.0, 75.0)  # hottest of "60-60-76-76"
    assert s.board_temp_board_c == (61.0, 62.0, 60.0)
    assert s.temp_chip_max_c == 77.0
    assert s.fan_speed_rpm == (5040.0, 5040.0, 5160.0, 5160.0)
    # stock firmware reports no wattage: estimated from the tuning curve at the reported hash rate
    assert s.power_source == "estimated"
    assert s.power_w == pytest.approx(30.0 * 104.12345, rel=1e-12)
    assert s.power_limit_w is None and "power_limit_w" in s.missing_fields
    assert (s.hw_errors, s.shares_accepted, s.shares_rejected) == (15, 41000, 12)
    assert s.pool_url == "stratum+tcp://pool.example:3333" and s.pool_user == "site.worker1"
    assert s.uptime_s == 86400


def test_luxos_reports_power_and_profile_limit() -> None:
    s = sample_from_replies(TARGET, decoded(replies.LUXOS), TS, estimator=linear_estimator)
    assert s.firmware == "LUXminer 2024.5.1"
    assert s.hashrate_ths == pytest.approx(95.0)
    assert s.board_hashrate_ths == pytest.approx((31.0, 32.0, 32.0))
    assert s.power_w == 2875 and s.power_source == "reported"
    assert s.power_limit_w == 2890  # the active profile "520MHz"
    assert s.fan_speed_rpm == (4200, 4260, 4320, 4380)  # from `fans`
    assert s.temp_chip_max_c == 72.0


def test_whatsminer_summary_and_devs() -> None:
    s = sample_from_replies(TARGET, decoded({"summary": replies.BTMINER_SUMMARY, "devs": replies.BTMINER_DEVS}),
                            TS)
    assert s.hashrate_ths == pytest.approx(100.2)  # 100,200,000 MH/s
    assert s.board_hashrate_ths == pytest.approx((33.3, 33.2, 33.3))  # devs "MHS av"
    assert s.board_temp_chip_c == (82.5, 81.0, 80.0)
    assert s.board_temp_board_c == (70.0, 69.5, 71.0)
    assert s.fan_speed_rpm == (5100, 5130)
    assert (s.power_w, s.power_source, s.power_limit_w) == (3344, "reported", 3600)
    assert s.model is None and "model" in s.missing_fields


def test_field_that_fails_to_parse_is_missing_not_the_miner() -> None:
    broken = dict(replies.BMMINER)
    broken["stats"] = (replies.BMMINER_STATS.replace('"chain_rate2":"34710.22"', '"chain_rate2":"ERR!"')
                       .replace('"fan3":5160', '"fan3":"n/a"'))
    broken["summary"] = replies.BMMINER_SUMMARY.replace('"Hardware Errors":15', '"Hardware Errors":"x"')
    s = sample_from_replies(TARGET, decoded(broken), TS, estimator=linear_estimator)
    assert s.ok
    assert s.board_hashrate_ths[1] is None and s.board_hashrate_ths[0] == pytest.approx(34.70011)
    assert "board_hashrate_ths[1]" in s.missing_fields
    assert s.fan_speed_rpm[2] is None and "fan_speed_rpm[2]" in s.missing_fields
    assert s.hw_errors is None and "hw_errors" in s.missing_fields
    assert s.shares_accepted == 41000  # the rest of the summary survives
    assert s.hashrate_ths == pytest.approx(104.12345)


def test_command_refused_leaves_only_its_fields_missing() -> None:
    parts = dict(replies.BMMINER)
    parts["pools"] = replies.INVALID_COMMAND
    s = sample_from_replies(TARGET, decoded(parts), TS)
    assert s.ok and s.pool_url is None and "pool_url" in s.missing_fields
    assert s.hashrate_ths == pytest.approx(104.12345)


def test_no_ascs_controller_is_ok_with_zero_hashrate() -> None:
    s = sample_from_replies(TARGET, decoded({"summary": replies.NO_BOARDS_SUMMARY, "devs": replies.NO_ASCS}), TS,
                            estimator=linear_estimator)
    assert s.ok and s.hashrate_ths == 0.0 and s.board_hashrate_ths == ()
    assert "board_hashrate_ths" not in s.missing_fields
    assert s.power_w is None and "power_w" in s.missing_fields  # no estimate at 0 TH/s, said so


def test_text_format_summary_parses() -> None:
    s = sample_from_replies(TARGET, decoded({"summary": replies.TEXT_SUMMARY}), TS)
    assert s.hashrate_ths == pytest.approx(13.6) and s.hashrate_avg_ths == pytest.approx(13.5000005)
    assert s.firmware == "cgminer 4.9.0"


def test_avalon_inf_and_nan_become_missing() -> None:
    s = sample_from_replies(TARGET, decoded({"summary": replies.AVALON_SUMMARY}), TS)
    assert s.hashrate_ths is None and s.hashrate_avg_ths is None
    assert {"hashrate_ths", "hashrate_avg_ths"} <= set(s.missing_fields)


def test_meter_overrides_reported_and_estimated() -> None:
    s = sample_from_replies(TARGET, decoded(replies.LUXOS), TS, meter_w=3010.0)
    assert (s.power_w, s.power_source) == (3010.0, "meter")
    s2 = sample_from_replies(TARGET, decoded(replies.BMMINER), TS, estimator=linear_estimator, meter_w=2999.0)
    assert (s2.power_w, s2.power_source) == (2999.0, "meter")


def test_model_from_targets_file_enables_estimate() -> None:
    parts = {"summary": replies.BTMINER_SUMMARY.replace('"Power":3344,', "")}
    t = Target("127.0.0.1", 4028, model="Antminer S19j Pro")
    s = sample_from_replies(t, decoded(parts), TS, estimator=linear_estimator)
    assert s.power_source == "estimated" and s.power_w == pytest.approx(30 * 100.2)


@pytest.mark.parametrize(("reported", "hashrate", "meter", "expected"), [
    (3000.0, 100.0, None, (3000.0, "reported")),
    (None, 100.0, None, (3000.0, "estimated")),
    (0.0, 100.0, None, (3000.0, "estimated")),  # firmware reporting 0 W while hashing is not a reading
    (3000.0, 100.0, 3100.0, (3100.0, "meter")),
    (None, None, None, (None, None)),
    (None, 0.0, None, (None, None)),
])
def test_resolve_power_precedence(reported: float | None, hashrate: float | None, meter: float | None,
                                  expected: tuple) -> None:
    assert resolve_power_w(reported, hashrate, "Antminer S19j Pro", linear_estimator, meter) == expected


def test_tuning_curve_estimator_uses_catalogue() -> None:
    from hashstack.catalog import load_catalog, tuning_curve
    from hashstack.telemetry.power import tuning_curve_estimator

    est = tuning_curve_estimator()
    curve = tuning_curve(load_catalog().get("Antminer S19j Pro"))
    h = 0.5 * (curve.hashrate_min_ths + curve.hashrate_max_ths)
    assert est("Antminer S19j Pro", h) == pytest.approx(float(curve.power_w(h)), rel=1e-12)
    assert est("Bitmain Antminer S19j Pro", h) == pytest.approx(float(curve.power_w(h)), rel=1e-12)
    assert est("Antminer S19j Pro", 10 * curve.hashrate_max_ths) == pytest.approx(curve.power_max_w)
    assert est("No Such Miner 9000", 100.0) is None


def test_dashed_sensor_strings_keep_negative_fault_readings() -> None:
    from hashstack.telemetry.parsing import _DASH_BETWEEN_READINGS, _max_of_dashed, _num

    assert _max_of_dashed("60-60-76-76") == 76.0
    assert _max_of_dashed("-40--40--40--40") == -40.0  # every sensor reads the -40 fault value
    assert _max_of_dashed("55--40-70-71") == 71.0
    # LuxOS, one sensor stuck at -40: the pieces are 48, -40, 62, 61 (not 48, 40, 62, 61)
    assert _DASH_BETWEEN_READINGS.split("48--40-62-61") == ["48", "-40", "62", "61"]
    assert _max_of_dashed("48--40-62-61") == 62.0
    assert _max_of_dashed("30--40") == 30.0  # dropping empty pieces read this as +40
    assert _max_of_dashed("255-60-61-62") == 255.0
    assert _max_of_dashed(-40) == -40.0
    assert _num("3,250 W") == 3250.0 and _num(" 4200 rpm") == 4200.0
    for bad in ("x", "inf", True, None, float("nan")):
        with pytest.raises((ValueError, TypeError)):
            _num(bad)
