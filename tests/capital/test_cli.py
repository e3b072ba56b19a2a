"""``hashstack capital`` commands end to end (subprocess, as a user runs them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HASHSTACK = str(Path(sys.executable).with_name("hashstack"))  # the console script, as a user runs it


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HASHSTACK, "capital", *args], capture_output=True, text=True, timeout=120,
                          check=False)


MARKET = ("--hashprice-usd-per-ph-day", "50", "--btc-price-usd", "100000")


def test_show_json_lists_instruments_with_sources() -> None:
    out = run("show", "mara", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["ticker"] == "MARA"
    ids = {i["id"] for i in data["instruments"]}
    assert "MARA-2024-CV31S" in ids
    assert all(i["source_url"].startswith("http") for i in data["instruments"])


def test_show_unknown_ticker_exits_2() -> None:
    out = run("show", "NOPE")
    assert out.returncode == 2
    assert "unknown ticker" in out.stderr


def test_ratio_json_with_explicit_market() -> None:
    out = run("ratio", "--date", "2025-09-30", *MARKET, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    by = {c["ticker"]: c for c in data["companies"]}
    # MARA: 3,498.1M debt over 60.4 EH/s x 17.5 USD/TH = 1,057M -> 3.31, dangerously high
    assert by["MARA"]["ratio_market"] == pytest.approx(3_498.1e6 / (60.4e6 * 17.5))
    assert by["MARA"]["flag_market"] == "dangerously high"
    assert data["sector"]["included_market"]
    assert data["market"]["source"] == "options"
    assert sum(data["sector"]["debt_share_by_type_frac"].values()) == pytest.approx(1.0)
    assert by["MARA"]["debt_share_by_collateral_frac"]["btc"] == pytest.approx(200e6 / 3_498.1e6)


def test_ratio_table_prints_flags() -> None:
    out = run("ratio", "--date", "2025-09-30", *MARKET)
    assert out.returncode == 0, out.stderr
    assert "DANGER" in out.stdout and "SECTOR" in out.stdout


def test_ratio_with_user_company_file(tmp_path: Path) -> None:
    f = tmp_path / "acme.toml"
    f.write_text('[company]\nticker = "ACME"\nname = "Acme"\n'
                 '[[metric]]\nmetric = "hashrate_ths"\nvalue = 1e6\nas_of = 2025-09-30\n'
                 '[[metric]]\nmetric = "fleet_efficiency_j_per_th"\nvalue = 20.0\nas_of = 2025-09-30\n'
                 '[[instrument]]\nid = "ACME-1"\ninstrument_type = "asic_loan"\nprincipal_usd = 3e7\n'
                 'issue_date = 2025-01-01\ncollateral = "asics"\n', encoding="utf-8")
    out = run("ratio", "--date", "2025-09-30", *MARKET, "--company-file", str(f), "--json")
    assert out.returncode == 0, out.stderr
    acme = next(c for c in json.loads(out.stdout)["companies"] if c["ticker"] == "ACME")
    # 30M / (1e6 TH/s x 14 USD/TH for the 19-25 J/TH tier) = 2.142857
    assert acme["ratio_market"] == pytest.approx(30e6 / 14e6)


def test_bad_company_file_names_row_and_field(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('[company]\nticker = "B"\nname = "B"\n[[instrument]]\nid = "B-1"\n'
                 'instrument_type = "convertible"\ncoupon_frac = "two"\n', encoding="utf-8")
    out = run("ratio", *MARKET, "--company-file", str(f))
    assert out.returncode == 2
    assert "row 1" in out.stderr and "coupon_frac" in out.stderr


def test_issuance_json() -> None:
    out = run("issuance", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["by_quarter_usd"]["2024Q4"]["convertible"] == pytest.approx(5_435e6)
    assert {c["status"] for c in data["comparisons"]} >= {"reproduced", "not reproduced", "not covered"}


def test_convertible_json() -> None:
    out = run("convertible", "MARA-2024-CV31S", "--spot-usd", "18", "--date", "2025-09-30", "--json")
    assert out.returncode == 0, out.stderr
    v = json.loads(out.stdout)
    assert v["bond_floor_usd"] < v["fair_value_usd"]
    assert 0 < v["conversion_probability_frac"] < 1


def test_company_csv_folder(tmp_path: Path) -> None:
    (tmp_path / "companies.csv").write_text("ticker,name\nZED,Zed Mining\n", encoding="utf-8")
    (tmp_path / "company_metrics.csv").write_text(
        "ticker,metric,value,as_of\nZED,hashrate_ths,2e6,2025-09-30\nZED,fleet_efficiency_j_per_th,17,2025-09-30\n",
        encoding="utf-8")
    (tmp_path / "instruments.csv").write_text(
        "id,ticker,instrument_type,principal_usd,issue_date,maturity_date,coupon_frac\n"
        "ZED-1,ZED,convertible,70000000,2025-01-15,2030-01-15,0.0\n", encoding="utf-8")
    out = run("ratio", "--date", "2025-09-30", *MARKET, "--company-file", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    zed = next(c for c in json.loads(out.stdout)["companies"] if c["ticker"] == "ZED")
    # 70M / (2e6 TH/s x 17.50 USD/TH, the sub-19 J/TH contract price) = 2.0
    assert zed["ratio_market"] == pytest.approx(2.0)
    (tmp_path / "instruments.csv").write_text(
        "id,ticker,instrument_type,principal_usd\nZED-1,ZED,convertible,-5\n", encoding="utf-8")
    bad = run("ratio", *MARKET, "--company-file", str(tmp_path))
    assert bad.returncode == 2
    assert "instruments.csv, row 1, field 'principal_usd'" in bad.stderr
