from __future__ import annotations

from pathlib import Path

from hashstack.config import Settings
from hashstack.telemetry.simulator.demo import demo_section


def test_demo_section_reads_caps_and_reports_failures(tmp_path: Path) -> None:
    r = demo_section(Settings.from_env(), tmp_path, quiet=True)
    assert r["miners"] == 6 and r["addresses"] == "127.11.0.1 - 127.11.0.6"
    assert len(r["readings"]) == 2 and all(x["hashrate_ths"] > 100 for x in r["readings"])
    cap = r["power_cap"]
    assert cap["status"] == "Profile Set" and cap["after"]["profile"] == cap["profile"]
    assert cap["after"]["power_w"] < r["readings"][0]["power_w"]
    assert r["read_only_client_logon"] == "Access denied to 'logon' command"
    fm = r["failure_model"]
    assert fm["failures"]["hashboard"] > 0 and fm["median_precursor_days"]["hashboard"] > 14
